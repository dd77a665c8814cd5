/** The Slack adapter's pure parts: message builders, button ids, and the delivery's progress throttle. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { webApi } from '@slack/bolt';
import { EDIT_ACTIONS, parseEditCommand } from '../../../commands/index.ts';
import {
  CANCEL_ACTION_ID,
  SlackDeliveryAdapter,
  actionIdFor,
  actionOf,
  availableActions,
  describeEdit,
  escapeSlackText,
  resultButtons,
  resultComment,
  statusMessage,
  statusText,
  type StatusState,
} from '../../../bots/slack/index.ts';
import type { EditJobData, EditJobResult } from '../../../queue/edit-job.ts';

test('escapeSlackText neutralises mentions and links; describeEdit echoes the canonical command', () => {
  assert.equal(
    escapeSlackText('<!channel> & <@U1> <http://x|y>'),
    '&lt;!channel&gt; &amp; &lt;@U1&gt; &lt;http://x|y&gt;',
  );
  const request = parseEditCommand('add <!here> a hat strength:0.4 seed:9');
  const text = describeEdit('U7', request);
  assert.equal(text, '<@U7> /edit add &lt;!here&gt; a hat strength:0.4 seed:9');
  assert.ok(!text.includes('<!here>'));
});

test('buttons: weaker/stronger only where they change something, sweep only for single edits', () => {
  const cases: [string, string[]][] = [
    ['x strength:0.5', ['weaker', 'stronger', 'sweep', 'new-seed']],
    ['x strength:0', ['stronger', 'sweep', 'new-seed']],
    ['x strength:1', ['weaker', 'sweep', 'new-seed']],
    ['x strength:sweep', ['new-seed']],
    ['x strength:sweep:4', ['new-seed']],
  ];
  for (const [text, expected] of cases)
    assert.deepEqual(availableActions(parseEditCommand(text)), expected, text);
});

test('action ids round-trip for every EDIT_ACTION; other ids are not ours', () => {
  for (const { action } of EDIT_ACTIONS) assert.equal(actionOf(actionIdFor(action)), action);
  for (const id of ['kk_edit_', 'kk_edit_louder', 'edit_weaker', 'kk_edit_weaker_x'])
    assert.equal(actionOf(id), undefined, id);
});

test('resultButtons carry the parent job id in every button value', () => {
  const { blocks } = resultButtons('slack-abc', parseEditCommand('x strength:0.5'));
  const actions = blocks.find((b) => b.type === 'actions');
  assert.ok(actions && actions.type === 'actions');
  assert.deepEqual(
    actions.elements.map((e) => (e.type === 'button' ? [e.action_id, e.value] : [])),
    EDIT_ACTIONS.map(({ action }) => [actionIdFor(action), 'slack-abc']),
  );
});

test('statusText covers queued, progress and failed', () => {
  const request = parseEditCommand('make it snowy strength:0.3 seed:1');
  assert.match(
    statusText('U1', request, { kind: 'queued', position: { state: 'queued', position: 2 } }),
    /#2 in queue$/,
  );
  assert.match(
    statusText('U1', request, { kind: 'progress', progress: { stage: 'denoise', step: 3, total: 20 } }),
    /editing 3\/20$/,
  );
  assert.match(
    statusText('U1', request, { kind: 'failed', userMessage: 'Nope <b>', hint: 'try again' }),
    /Nope &lt;b&gt; \(try again\)$/,
  );
});

/** Records chat.update calls; the adapter uses nothing else of the client during progress. */
function fakeClient(updates: Record<string, unknown>[]): webApi.WebClient {
  const chat = { update: async (args: Record<string, unknown>) => (updates.push(args), { ok: true }) };
  // A structural stand-in for the one method used; the full WebClient type has hundreds of members.
  return { chat } as unknown as webApi.WebClient;
}

function jobData(replyTo: Record<string, unknown>): EditJobData {
  return {
    v: 1,
    request: { instruction: 'make it snowy', strength: { kind: 'single', value: 0.5 }, seed: 4 },
    source: { blob: `sha256-${'0'.repeat(64)}`, bytes: 10 },
    modelId: 'm',
    requester: { platform: 'slack', channelId: 'C1', userId: 'U1' },
    replyTo,
    createdAt: 0,
  };
}

test('progress edits the status message at most once per interval, and not at all without one', async () => {
  const updates: Record<string, unknown>[] = [];
  const adapter = new SlackDeliveryAdapter({ client: fakeClient(updates), progressIntervalMs: 60_000 });
  const job = jobData({ channelId: 'C1', statusTs: '1.0001' });
  for (let step = 1; step <= 5; step++)
    await adapter.onProgress({ jobId: 'slack-a', job, progress: { stage: 'denoise', step, total: 5 } });
  assert.equal(updates.length, 1);
  assert.deepEqual([updates[0]?.channel, updates[0]?.ts], ['C1', '1.0001']);
  assert.match(String(updates[0]?.text), /editing 1\/5/);

  await adapter.onProgress({ jobId: 'slack-b', job, progress: { stage: 'denoise', step: 1, total: 5 } });
  assert.equal(updates.length, 2, 'the interval is per job');
  await adapter.onProgress({
    jobId: 'slack-c',
    job: jobData({ channelId: 'C1' }),
    progress: { stage: 'denoise', step: 1, total: 5 },
  });
  assert.equal(updates.length, 2, 'no status message, nothing to edit');
  assert.throws(
    () => new SlackDeliveryAdapter({ client: fakeClient([]), progressIntervalMs: -1 }),
    RangeError,
  );
});

test('statusMessage: a danger Cancel button with the job id while queued or running, none after', () => {
  const request = parseEditCommand('make it snowy strength:0.3 seed:1');
  const states: [StatusState, boolean][] = [
    [{ kind: 'queued', position: { state: 'queued', position: 2 } }, true],
    [{ kind: 'progress', progress: { stage: 'denoise', step: 3, total: 20 } }, true],
    [{ kind: 'cancelling' }, false],
    [{ kind: 'cancelled' }, false],
    [{ kind: 'failed', userMessage: 'Edit cancelled.' }, false],
  ];
  for (const [state, cancellable] of states) {
    const { text, blocks } = statusMessage('slack-abc', 'U1', request, state);
    assert.equal(text, statusText('U1', request, state));
    const [section, ...rest] = blocks;
    assert.deepEqual(section, { type: 'section', text: { type: 'mrkdwn', text } }, state.kind);
    const buttons = rest.flatMap((b) => (b.type === 'actions' ? b.elements : []));
    assert.deepEqual(
      buttons,
      cancellable
        ? [
            {
              type: 'button',
              action_id: CANCEL_ACTION_ID,
              text: { type: 'plain_text', text: 'Cancel' },
              style: 'danger',
              value: 'slack-abc',
            },
          ]
        : [],
      state.kind,
    );
  }
  assert.match(
    statusText('U1', request, { kind: 'cancelled' }),
    /^:no_entry_sign: <@U1> \/edit .* - Cancelled\.$/,
  );
  assert.match(statusText('U1', request, { kind: 'cancelling' }), / - Cancelling\.\.\.$/);
  assert.ok(!CANCEL_ACTION_ID.startsWith('kk_edit_'), 'the result-button listener must not take it');
  assert.equal(actionOf(CANCEL_ACTION_ID), undefined);
});

test('closeStatus sets the line for good: later progress and queue-position writes are skipped', async () => {
  const updates: Record<string, unknown>[] = [];
  const adapter = new SlackDeliveryAdapter({ client: fakeClient(updates), progressIntervalMs: 0 });
  const job = jobData({ channelId: 'C1', statusTs: '1.0002' });
  const line = { replyTo: { channelId: 'C1', statusTs: '1.0002' }, userId: 'U1', request: job.request };
  const progress = { stage: 'denoise', step: 1, total: 5 } as const;
  await adapter.onProgress({ jobId: 'slack-x', job, progress });
  await adapter.closeStatus('slack-x', line, { kind: 'cancelled' });
  await adapter.onProgress({ jobId: 'slack-x', job, progress: { ...progress, step: 2 } });
  await adapter.setStatus('slack-x', line, { kind: 'queued', position: { state: 'queued', position: 1 } });
  assert.deepEqual(
    updates.map((u) => String(u.text).split(' - ')[1]),
    ['editing 1/5', 'Cancelled.'],
  );
  assert.ok(!JSON.stringify(updates[1]?.blocks).includes(CANCEL_ACTION_ID));
  assert.ok(JSON.stringify(updates[0]?.blocks).includes(CANCEL_ACTION_ID));
  // Other jobs are unaffected.
  await adapter.onProgress({ jobId: 'slack-y', job, progress });
  assert.equal(updates.length, 3);
});

test('status writes for one job land in order: a cancel waits for a progress edit in flight', async () => {
  const order: string[] = [];
  let releaseFirst = () => {};
  const firstHeld = new Promise<void>((resolve) => (releaseFirst = resolve));
  let markEntered = () => {};
  const firstEntered = new Promise<void>((resolve) => (markEntered = resolve));
  const chat = {
    update: async (args: Record<string, unknown>) => {
      if (order.length === 0) {
        order.push('first:start');
        markEntered();
        await firstHeld;
      }
      order.push(String(args.text).split(' - ')[1] ?? '');
      return { ok: true };
    },
  };
  // A structural stand-in for the one method used (see fakeClient).
  const client = { chat } as unknown as webApi.WebClient;
  const adapter = new SlackDeliveryAdapter({ client, progressIntervalMs: 0 });
  const job = jobData({ channelId: 'C1', statusTs: '1.0003' });
  const line = { replyTo: { channelId: 'C1', statusTs: '1.0003' }, userId: 'U1', request: job.request };
  const progress = { stage: 'denoise', step: 1, total: 5 } as const;
  const slowProgress = adapter.onProgress({ jobId: 'slack-z', job, progress });
  await firstEntered;
  const cancelling = adapter.closeStatus('slack-z', line, { kind: 'cancelling' });
  // A progress edit asked for after the click is skipped, not queued behind it.
  const late = adapter.onProgress({ jobId: 'slack-z', job, progress: { ...progress, step: 2 } });
  releaseFirst();
  await Promise.all([slowProgress, cancelling, late]);
  assert.deepEqual(order, ['first:start', 'editing 1/5', 'Cancelling...']);
});

test("a result's note is shown under the result, escaped for Slack", () => {
  const result: EditJobResult = {
    v: 1,
    kind: 'single',
    files: [{ name: 'edit.png', mime: 'image/png', blob: `sha256-${'a'.repeat(64)}`, bytes: 1 }],
    width: 8,
    height: 8,
    strengths: [0.5],
    seed: 1,
    steps: 2,
    modelId: 'm@1',
    timings: { total: 500 },
    cached: false,
    note: 'Note: m does not know "<zorblax>"',
  };
  const request = parseEditCommand('make it zorblax strength:0.5');
  assert.match(resultComment('U1', request, result), /\nNote: m does not know "&lt;zorblax&gt;"$/);
  assert.doesNotMatch(resultComment('U1', request, { ...result, note: undefined }), /Note/);
});

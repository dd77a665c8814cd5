/**
 * The Cancel button end to end: the real queue on Redis with one in-process worker (concurrency 1, so a
 * second edit waits behind a slow first one), the tint runner, and the stand-in Discord.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ButtonStyle, InteractionResponseType, MessageFlags } from 'discord-api-types/v10';
import { jobIdFor } from '../../../queue/edit-job.ts';
import { solidPng, sleep } from '../../queue/helpers.ts';
import { TintRunner } from '../../queue/tint-runner.ts';
import { buttonsOf, startBotHarness, type BotHarness } from './harness.ts';
import { APP_ID, buttonInteraction, editInteraction, type SentInteraction } from './interactions.ts';
import type { RecordedCall } from './stand-in-discord.ts';

// 100 ms a step: a 30-step edit runs for 3 s unless cancelled, long enough to press Cancel under it.
const runner = new TintRunner({ stepMs: 100, defaultSteps: 4 });
let h: BotHarness;
let png: Buffer;

before(async () => {
  h = await startBotHarness('discord-cancel', runner, {
    KK_USER_INFLIGHT_CAP: '20',
    KK_WORKER_CONCURRENCY: '1',
  });
  png = await solidPng({ r: 90, g: 200, b: 60 });
});
after(async () => {
  await h.close();
});

function edit(instruction: string, steps: number, userId = 'user-1'): SentInteraction {
  return editInteraction(h.standIn.addAttachment('photo.png', png, 'image/png'), {
    instruction,
    strength: '0.5',
    seed: 5,
    steps,
    userId,
  });
}

const jobIdOf = (sent: SentInteraction) => jobIdFor('discord', sent.id);
const content = (call: RecordedCall) => String(call.json?.content);
/** A progress line: the first one ("preparing the image") always goes out, later ones every 2 s. */
const isProgress = (call: RecordedCall) => / - (preparing the image|editing \d+\/\d+)$/.test(content(call));

/** Ephemeral follow-ups posted through a press's token. */
function followUpsOf(token: string): RecordedCall[] {
  return h.standIn.calls.filter((c) => c.method === 'POST' && c.route === `/webhooks/${APP_ID}/${token}`);
}

async function waitForFollowUp(token: string, pattern: RegExp): Promise<RecordedCall> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const found = followUpsOf(token).find((c) => pattern.test(content(c)));
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no follow-up matching ${pattern} for ${token}`);
    await sleep(20);
  }
}

function assertOnlyCancelButton(call: RecordedCall, jobId: string): void {
  assert.deepEqual(buttonsOf(call), [{ customId: `kk:cancel:${jobId}`, label: 'Cancel', disabled: false }]);
  const rows = call.json?.components as { components: { style: number }[] }[];
  assert.equal(rows[0]?.components[0]?.style, ButtonStyle.Danger);
}

async function press(jobId: string, userId: string): Promise<SentInteraction> {
  const sent = buttonInteraction(`kk:cancel:${jobId}`, userId);
  const reply = await h.send(sent);
  assert.equal(reply.status, 200);
  assert.deepEqual(reply.body, { type: InteractionResponseType.DeferredMessageUpdate });
  return sent;
}

test('cancelling a queued edit: "Cancelled." without buttons, the job is gone, nothing else arrives', async () => {
  const first = edit('make it green', 12);
  const second = edit('make it blue', 4);
  const runsBefore = runner.calls.length;
  await h.send(first);
  await runner.started;
  await h.send(second);
  const queued = await h.waitForEdit(second.token, (c) => /in queue/.test(content(c)), 'the queue status');
  assert.match(content(queued), /^`\/edit make it blue strength:0\.5 seed:5 steps:4` - next in queue$/);
  assertOnlyCancelButton(queued, jobIdOf(second));

  const cancel = await press(jobIdOf(second), 'user-1');
  const cancelled = await h.waitForEdit(cancel.token, (c) => content(c) === 'Cancelled.', '"Cancelled."');
  assert.deepEqual(cancelled.json?.components, [], 'the Cancel button is removed');
  assert.equal(await h.services.queue.queue.getJob(jobIdOf(second)), undefined);

  await h.waitForResult(first.token);
  await sleep(500);
  assert.deepEqual(h.editsOf(second.token), [queued], 'no result, failure or status after the cancel');
  assert.deepEqual(h.editsOf(cancel.token).map(content), ['Cancelled.'], 'and nothing replaced "Cancelled."');
  assert.deepEqual(followUpsOf(cancel.token), []);
  assert.equal(runner.calls.length - runsBefore, 1, 'the cancelled edit never ran');
});

test('cancelling a running edit: "Cancelling...", then the cancelled failure replaces it', async () => {
  const running = edit('make it purple', 30);
  await h.send(running);
  const progress = await h.waitForEdit(running.token, isProgress, 'progress');
  assertOnlyCancelButton(progress, jobIdOf(running));

  const cancel = await press(jobIdOf(running), 'user-1');
  const cancelling = await h.waitForEdit(
    cancel.token,
    (c) => content(c) === 'Cancelling...',
    'Cancelling...',
  );
  assert.deepEqual(cancelling.json?.components, []);
  const failed = await h.waitForEdit(
    running.token,
    (c) => /Edit cancelled\./.test(content(c)),
    'the failure',
  );
  assert.equal(content(failed), '`/edit make it purple strength:0.5 seed:5 steps:30` - Edit cancelled.');
  assert.deepEqual(failed.json?.components, [], 'the failure has no buttons');
  assert.equal(await (await h.services.queue.queue.getJob(jobIdOf(running)))?.getState(), 'failed');
  await sleep(300);
  assert.equal(h.editsOf(running.token).at(-1), failed, 'nothing after the failure');
  assert.ok(
    h.editsOf(running.token).every((c) => c.files.length === 0),
    'no result was delivered',
  );
});

test("someone else's press is refused ephemerally and the edit still completes, its result without Cancel", async () => {
  const mine = edit('make it orange', 10, 'user-1');
  await h.send(mine);
  const progress = await h.waitForEdit(mine.token, isProgress, 'progress');
  assertOnlyCancelButton(progress, jobIdOf(mine));

  const theirs = await press(jobIdOf(mine), 'user-2');
  const refusal = await waitForFollowUp(theirs.token, /./);
  assert.equal(content(refusal), 'Only the person who asked for this edit can cancel it.');
  assert.equal(refusal.json?.flags, MessageFlags.Ephemeral);
  assert.deepEqual(h.editsOf(theirs.token), [], 'the pressed message is left alone');

  const result = await h.waitForResult(mine.token);
  assert.deepEqual(
    buttonsOf(result).map((b) => b.label),
    ['Weaker', 'Stronger', 'Sweep', 'New seed'],
  );
});

test('pressing Cancel on a finished or unknown edit says it has already finished', async () => {
  const done = edit('make it grey', 2);
  await h.send(done);
  await h.waitForResult(done.token);
  for (const jobId of [jobIdOf(done), 'discord-000000000000000001']) {
    const late = await press(jobId, 'user-1');
    const reply = await waitForFollowUp(late.token, /./);
    assert.equal(content(reply), 'This edit has already finished.');
    assert.equal(reply.json?.flags, MessageFlags.Ephemeral);
    assert.deepEqual(h.editsOf(late.token), []);
  }
});

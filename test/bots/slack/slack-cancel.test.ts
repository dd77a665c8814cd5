/**
 * The status line's Cancel button end to end: stand-in Slack -> real Bolt over HTTP -> the real queue
 * on Redis, one worker (concurrency 1) running a tint runner that can be held at its start, and the
 * real delivery. Holding the runner keeps one job running and the next one queued behind it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { jobIdFor } from '../../../queue/edit-job.ts';
import type { QueueServices } from '../../../queue/queue-services.ts';
import type { EditInput, EditResult, EditRunner } from '../../../pipeline/types.ts';
import { CANCEL_ACTION_ID } from '../../../bots/slack/index.ts';
import { solidPng, uniquePrefix, waitFor } from '../../queue/helpers.ts';
import { TintRunner } from '../../queue/tint-runner.ts';
import { startSlackHarness, type SlackHarness } from './slack-harness.ts';
import {
  StandInSlack,
  buttonIds,
  findButton,
  hasResultButtons,
  type PostedMessage,
} from './stand-in-slack.ts';

/** The tint runner behind a gate: while held, every run waits at its start (or until cancelled). */
class HeldRunner implements EditRunner {
  private readonly tint = new TintRunner({ stepMs: 10 });
  readonly modelId = this.tint.modelId;
  /** Instructions of the runs that started, in order (each test uses its own). */
  readonly started: string[] = [];
  private gate: Promise<void> = Promise.resolve();
  private release = () => {};

  hold(): void {
    this.gate = new Promise((resolve) => (this.release = resolve));
  }
  open(): void {
    this.release();
  }

  async run(input: EditInput): Promise<EditResult> {
    this.started.push(input.instruction);
    const signal = input.signal;
    await Promise.race([
      this.gate,
      new Promise<void>((resolve) => signal?.addEventListener('abort', () => resolve(), { once: true })),
    ]);
    signal?.throwIfAborted();
    return this.tint.run(input);
  }

  async dispose(): Promise<void> {
    await this.tint.dispose();
  }
}

const prefix = uniquePrefix('slack-cancel');
const BOT_TOKEN = 'xoxb-stand-in-bot-token';
const SECRET = 'stand-in-signing-secret';
const slack = new StandInSlack({ botToken: BOT_TOKEN, signingSecret: SECRET, teamId: 'T0001' });
const runner = new HeldRunner();
let services: QueueServices;
let botUrl: string;
let users = 0;

let harness: SlackHarness;

before(async () => {
  harness = await startSlackHarness({
    slack,
    prefix,
    runner,
    env: {
      KK_WORKER_CONCURRENCY: '1',
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_PORT: '0',
    },
    bot: { progressIntervalMs: 0 },
  });
  ({ services } = harness);
  botUrl = harness.botUrl!;
});

after(async () => {
  runner.open();
  await harness.close();
});

/** A fresh user (the in-flight cap is per user) with a photo shared in `channel`. */
async function userWithImage(channel: string) {
  users += 1;
  const userId = `U${String(users).padStart(4, '0')}`;
  const data = await solidPng({ r: 90, g: 160, b: 200 }, 40);
  slack.addFile({ user: userId, channel, name: 'photo.png', mimetype: 'image/png', data });
  return userId;
}

/** Sends `/edit`, waits for the job and for its status line to carry the Cancel button. */
async function startEdit(userId: string, channel: string, instruction: string) {
  const sent = await slack.sendSlashCommand(botUrl, {
    text: `${instruction} strength:0.5`,
    userId,
    channelId: channel,
  });
  assert.equal(sent.status, 200);
  const jobId = jobIdFor('slack', sent.triggerId);
  let status: PostedMessage | undefined;
  await waitFor(
    async () => {
      const job = await services.queue.queue.getJob(jobId);
      status = slack.messages.find((m) => m.ts === job?.data.replyTo.statusTs);
      return status !== undefined && buttonIds(status).includes(CANCEL_ACTION_ID);
    },
    5000,
    `the Cancel button on ${jobId}'s status line`,
  );
  return { jobId, status: status as PostedMessage };
}

function uploadsMentioning(channel: string, instruction: string) {
  return slack
    .callsOf('files.completeUploadExternal')
    .filter((c) => c.body.channel_id === channel && (c.body.initial_comment ?? '').includes(instruction));
}

function responsesTo(responseId: string) {
  return slack.responses.filter((r) => r.id === responseId).map((r) => r.body);
}

test('the status line carries a danger Cancel button with the job id; the result message does not', async () => {
  const channel = 'C-button';
  const userId = await userWithImage(channel);
  const { jobId, status } = await startEdit(userId, channel, 'make it warmer');
  const cancel = findButton(status, CANCEL_ACTION_ID) as ReturnType<typeof findButton> & { style?: string };
  assert.deepEqual(
    [cancel.value, cancel.style, cancel.text],
    [jobId, 'danger', { type: 'plain_text', text: 'Cancel' }],
  );

  const findResult = () =>
    slack.messages.find(
      (m) => m.channel === channel && hasResultButtons(m) && JSON.stringify(m.blocks).includes(jobId),
    );
  await waitFor(() => findResult() !== undefined, 10_000, 'the result buttons');
  const result = findResult() as PostedMessage;
  assert.equal(uploadsMentioning(channel, 'make it warmer').length, 1);
  assert.ok(!buttonIds(result).includes(CANCEL_ACTION_ID), `result buttons: ${buttonIds(result).join(', ')}`);
  await waitFor(() => status.deleted === true, 5000, 'the status line deleted');
});

test('Cancel on a queued edit: the line says Cancelled. without buttons, and nothing is ever uploaded', async (t) => {
  const channel = 'C-queued';
  runner.hold();
  t.after(() => runner.open());
  await startEdit(await userWithImage(channel), channel, 'the running one');
  await waitFor(() => runner.started.includes('the running one'), 5000, 'the first job running');
  const userId = await userWithImage(channel);
  const { jobId, status } = await startEdit(userId, channel, 'the queued one');
  const state = await (await services.queue.queue.getJob(jobId))?.getState();
  assert.ok(state === 'waiting' || state === 'prioritized', `queued behind the running one: ${state}`);

  const click = await slack.clickButton(botUrl, status, CANCEL_ACTION_ID, { userId });
  assert.equal(click.status, 200);
  await waitFor(() => /Cancelled\.$/.test(status.text), 5000, `"Cancelled." (now: ${status.text})`);
  assert.match(status.text, new RegExp(`<@${userId}> /edit the queued one`));
  assert.deepEqual(buttonIds(status), [], 'no Cancel button left');
  assert.equal(await services.queue.queue.getJob(jobId), undefined, 'the job was removed');

  runner.open();
  await waitFor(() => uploadsMentioning(channel, 'the running one').length === 1, 10_000, 'the first result');
  // The worker is idle again, so a job still queued would have run by now.
  await waitFor(async () => (await services.queue.queue.getActiveCount()) === 0, 5000, 'an idle worker');
  assert.equal(
    uploadsMentioning(channel, 'the queued one').length,
    0,
    'nothing uploaded for the cancelled edit',
  );
  assert.ok(!runner.started.includes('the queued one'), 'the cancelled job never ran');
  assert.match(status.text, /Cancelled\.$/, 'no later write overwrote the line');
  assert.notEqual(status.deleted, true);
  assert.deepEqual(responsesTo(click.responseId), [], 'no ephemeral message for a successful cancel');
});

test('Cancel on a running edit: "Cancelling...", then the failure message for a cancelled edit', async (t) => {
  const channel = 'C-running';
  runner.hold();
  t.after(() => runner.open());
  const userId = await userWithImage(channel);
  const { jobId, status } = await startEdit(userId, channel, 'stop me');
  await waitFor(() => runner.started.includes('stop me'), 5000, 'the job running');

  await slack.clickButton(botUrl, status, CANCEL_ACTION_ID, { userId });
  const updates = () => slack.callsOf('chat.update').filter((c) => c.body.ts === status.ts);
  await waitFor(
    () => updates().some((c) => /Cancelling\.\.\.$/.test(c.body.text ?? '')),
    5000,
    '"Cancelling..."',
  );
  const cancelling = updates().find((c) => /Cancelling/.test(c.body.text ?? ''));
  assert.ok(
    !(cancelling?.body.blocks ?? '').includes(CANCEL_ACTION_ID),
    'no Cancel button on "Cancelling..."',
  );

  let failure: PostedMessage | undefined;
  await waitFor(
    () => {
      failure = slack.messages.find((m) => m.channel === channel && m.text.startsWith(':x:'));
      return failure !== undefined;
    },
    10_000,
    'the failure message',
  );
  assert.match(failure?.text ?? '', new RegExp(`<@${userId}> /edit stop me .* - Edit cancelled\\.$`));
  await waitFor(() => status.deleted === true, 5000, 'the status line deleted');
  assert.equal(await (await services.queue.queue.getJob(jobId))?.getState(), 'failed');
  assert.equal(uploadsMentioning(channel, 'stop me').length, 0);
  runner.open();
});

test("someone else's Cancel is refused ephemerally and the edit still completes", async (t) => {
  const channel = 'C-other';
  runner.hold();
  t.after(() => runner.open());
  const owner = await userWithImage(channel);
  const { jobId, status } = await startEdit(owner, channel, 'not yours');
  await waitFor(() => runner.started.includes('not yours'), 5000, 'the job running');

  const click = await slack.clickButton(botUrl, status, CANCEL_ACTION_ID, { userId: 'U-stranger' });
  await waitFor(() => responsesTo(click.responseId).length === 1, 5000, 'the ephemeral refusal');
  const [refusal] = responsesTo(click.responseId);
  assert.equal(refusal?.response_type, 'ephemeral');
  assert.equal(refusal?.replace_original, false);
  assert.match(String(refusal?.text), /Only the person who asked for this edit can cancel it/);
  assert.ok(buttonIds(status).includes(CANCEL_ACTION_ID), 'the line keeps its Cancel button');

  runner.open();
  await waitFor(() => uploadsMentioning(channel, 'not yours').length === 1, 10_000, 'the result');
  assert.equal(await (await services.queue.queue.getJob(jobId))?.getState(), 'completed');

  // Pressing Cancel once the edit is done says so, also only to the clicker.
  const late = await slack.clickButton(botUrl, status, CANCEL_ACTION_ID, { userId: owner });
  await waitFor(() => responsesTo(late.responseId).length === 1, 5000, 'the late answer');
  assert.match(String(responsesTo(late.responseId)[0]?.text), /This edit has already finished/);
});

/**
 * The Slack adapter in Socket Mode (SLACK_APP_TOKEN set) on real parts: real Bolt and its Socket Mode
 * client open the connection with `apps.connections.open` and take commands and clicks as envelopes over
 * the stand-in's WebSocket; the real queue on Redis, a real worker (the tint runner) and the real delivery
 * do the rest, exactly as in HTTP mode.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { jobIdFor } from '../../../queue/edit-job.ts';
import type { QueueServices } from '../../../queue/queue-services.ts';
import { createSlackBot, type SlackBot } from '../../../bots/slack/index.ts';
import { solidPng, uniquePrefix, waitFor } from '../../queue/helpers.ts';
import { TintRunner } from '../../queue/tint-runner.ts';
import { startSlackHarness, type SlackHarness } from './slack-harness.ts';
import { StandInSlack, buttonIds, hasResultButtons, type PostedMessage } from './stand-in-slack.ts';

const prefix = uniquePrefix('slack-socket');
const BOT_TOKEN = 'xoxb-stand-in-bot-token';
const APP_TOKEN = 'xapp-1-stand-in-app-token';
const slack = new StandInSlack({ botToken: BOT_TOKEN, signingSecret: 'unused', appToken: APP_TOKEN });
const runner = new TintRunner({ stepMs: 10 });
let services: QueueServices;
let bot: SlackBot;

let harness: SlackHarness;

before(async () => {
  harness = await startSlackHarness({
    slack,
    prefix,
    runner,
    env: { KK_BLOB_MAX_BYTES: String(64 * 1024), SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_APP_TOKEN: APP_TOKEN },
    bot: { progressIntervalMs: 0 },
  });
  ({ bot, services } = harness);
});

after(() => harness.close());

async function photoIn(channel: string, userId: string) {
  const data = await solidPng({ r: 90, g: 160, b: 200 }, 40);
  slack.addFile({ user: userId, channel, name: 'photo.png', mimetype: 'image/png', data });
}

async function resultFor(channel: string, jobId: string): Promise<PostedMessage> {
  let found: PostedMessage | undefined;
  await waitFor(
    () => {
      found = slack.messages.find(
        (m) => m.channel === channel && hasResultButtons(m) && JSON.stringify(m.blocks).includes(jobId),
      );
      return found !== undefined;
    },
    10_000,
    `the result of ${jobId}`,
  );
  return found as PostedMessage;
}

test('start() opens one connection with the app-level token and no HTTP listener', () => {
  assert.equal(bot.mode, 'socket');
  assert.equal(bot.port, undefined);
  const opens = slack.callsOf('apps.connections.open');
  assert.equal(opens.length, 1);
  assert.equal(opens[0]?.authorized, true, 'apps.connections.open carried the xapp- token');
  assert.equal(slack.sockets.length, 1);
});

test('/edit over the socket: acked, queued, and the edit posted with its buttons', async () => {
  await photoIn('C-sock', 'U-sock');
  const sent = await slack.sendSlashCommandOverSocket({
    text: 'make it warmer strength:0.6',
    userId: 'U-sock',
    channelId: 'C-sock',
  });
  assert.deepEqual(sent.ack, {}, 'the bot acks at once, with an empty payload');

  const jobId = jobIdFor('slack', sent.triggerId);
  await waitFor(async () => (await services.queue.queue.getJob(jobId)) !== undefined, 5000, `job ${jobId}`);
  const job = await services.queue.queue.getJob(jobId);
  assert.deepEqual(job?.data.requester, {
    platform: 'slack',
    teamId: 'T0001',
    channelId: 'C-sock',
    userId: 'U-sock',
  });
  assert.deepEqual(job?.data.request.strength, { kind: 'single', value: 0.6 });

  const result = await resultFor('C-sock', jobId);
  assert.deepEqual(buttonIds(result), [
    'kk_edit_weaker',
    'kk_edit_stronger',
    'kk_edit_sweep',
    'kk_edit_new-seed',
  ]);
  assert.ok(slack.callsOf('files.completeUploadExternal').some((c) => c.body.channel_id === 'C-sock'));

  // A click arrives as an `interactive` envelope and enqueues the child edit.
  const click = await slack.clickButtonOverSocket(result, 'kk_edit_stronger', { userId: 'U-sock' });
  assert.deepEqual(click.ack, {});
  const childId = jobIdFor('slack', click.triggerId);
  await waitFor(
    async () => (await services.queue.queue.getJob(childId)) !== undefined,
    5000,
    `job ${childId}`,
  );
  const child = await services.queue.queue.getJob(childId);
  assert.equal(child?.data.parentEditId, jobId);
  assert.deepEqual(child?.data.request.strength, { kind: 'single', value: 0.85 });
  await resultFor('C-sock', childId);
});

test('a grammar error over the socket comes back ephemerally through response_url, and nothing is queued', async () => {
  const sent = await slack.sendSlashCommandOverSocket({
    text: 'make it warmer strength:2',
    userId: 'U-bad',
    channelId: 'C-bad',
  });
  assert.deepEqual(sent.ack, {});
  await waitFor(() => slack.responses.some((r) => r.id === sent.responseId), 5000, 'the ephemeral reply');
  const reply = slack.responses.find((r) => r.id === sent.responseId)?.body;
  assert.equal(reply?.response_type, 'ephemeral');
  assert.match(String(reply?.text), /strength/i);
  assert.equal(await services.queue.queue.getJob(jobIdFor('slack', sent.triggerId)), undefined);
});

test('an app-level token Slack refuses fails start() with the reason, and close() after it is harmless', async () => {
  const config = { ...harness.config, SLACK_APP_TOKEN: 'xapp-1-revoked' };
  const refused = createSlackBot({ config, progressIntervalMs: 0, apiRetries: 0 });
  await assert.rejects(refused.start(services), /invalid_auth/);
  await refused.close();
  assert.equal(slack.sockets.length, 1, 'no connection was opened for the refused token');
});

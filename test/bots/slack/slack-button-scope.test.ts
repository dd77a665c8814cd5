/**
 * A button acts only on an edit of its own platform and conversation (issue 13 item 10): stand-in Slack
 * -> real Bolt over HTTP -> the real queue on Redis with one worker. The clicks below carry a job id the
 * clicked message never had (`forgedValue`), as a click signed elsewhere or replayed may.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { CANCEL_ACTION_ID } from '../../../bots/slack/index.ts';
import { jobIdFor } from '../../../queue/edit-job.ts';
import type { QueueServices } from '../../../queue/queue-services.ts';
import { solidPng, uniquePrefix, waitFor } from '../../queue/helpers.ts';
import { TintRunner } from '../../queue/tint-runner.ts';
import { startSlackHarness, type SlackHarness } from './slack-harness.ts';
import { StandInSlack, buttonIds, hasResultButtons, type PostedMessage } from './stand-in-slack.ts';

const prefix = uniquePrefix('slack-button-scope');
const BOT_TOKEN = 'xoxb-stand-in-bot-token';
const SECRET = 'stand-in-signing-secret';
const slack = new StandInSlack({ botToken: BOT_TOKEN, signingSecret: SECRET, teamId: 'T0001' });
// 150 ms a step: an edit with steps:40 runs for 6 s, long enough to click under it.
const runner = new TintRunner({ stepMs: 150 });
const FOREIGN = /That button belongs to an edit in another conversation/;
let services: QueueServices;
let botUrl: string;
let harness: SlackHarness;
let users = 0;

before(async () => {
  harness = await startSlackHarness({
    slack,
    prefix,
    runner,
    env: {
      KK_WORKER_CONCURRENCY: '1',
      KK_USER_INFLIGHT_CAP: '10',
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_PORT: '0',
    },
    bot: { progressIntervalMs: 0 },
  });
  ({ services } = harness);
  botUrl = harness.botUrl!;
});

after(() => harness.close());

/** A fresh user (or `userId`) with a photo shared in `channel`. */
async function userWithImage(
  channel: string,
  userId = `U${String(++users).padStart(4, '0')}`,
): Promise<string> {
  const data = await solidPng({ r: 40, g: 90, b: 160 + users }, 40);
  slack.addFile({ user: userId, channel, name: 'photo.png', mimetype: 'image/png', data });
  return userId;
}

/** `/edit` in `channel`; resolves with the job id. */
async function edit(userId: string, channel: string, text: string): Promise<string> {
  const sent = await slack.sendSlashCommand(botUrl, { text, userId, channelId: channel });
  assert.equal(sent.status, 200);
  const jobId = jobIdFor('slack', sent.triggerId);
  await waitFor(async () => (await services.queue.queue.getJob(jobId)) !== undefined, 5000, `job ${jobId}`);
  return jobId;
}

async function waitForMessage(find: () => PostedMessage | undefined, what: string): Promise<PostedMessage> {
  let found: PostedMessage | undefined;
  await waitFor(
    () => {
      found = find();
      return found !== undefined;
    },
    15_000,
    what,
  );
  return found as PostedMessage;
}

const resultOf = (channel: string, jobId: string) =>
  waitForMessage(
    () =>
      slack.messages.find(
        (m) => m.channel === channel && hasResultButtons(m) && JSON.stringify(m.blocks).includes(jobId),
      ),
    `the result buttons of ${jobId}`,
  );

async function refusal(responseId: string): Promise<Record<string, unknown>> {
  const answers = () => slack.responses.filter((r) => r.id === responseId).map((r) => r.body);
  await waitFor(() => answers().length === 1, 5000, 'the ephemeral refusal');
  const [answer] = answers();
  assert.equal(answer?.response_type, 'ephemeral');
  return answer as Record<string, unknown>;
}

test("Stronger under one channel's result, naming another channel's edit, is refused and enqueues nothing", async () => {
  const owner = await userWithImage('C-alice');
  const target = await edit(owner, 'C-alice', 'make it warmer strength:0.5');
  const stranger = await userWithImage('C-mallory');
  const own = await edit(stranger, 'C-mallory', 'make it colder strength:0.5');
  await resultOf('C-alice', target);
  const buttons = await resultOf('C-mallory', own);

  const click = await slack.clickButton(botUrl, buttons, 'kk_edit_stronger', {
    userId: stranger,
    forgedValue: target,
  });
  assert.equal(click.status, 200);
  assert.match(String((await refusal(click.responseId)).text), FOREIGN);
  assert.equal(await services.queue.queue.getJob(jobIdFor('slack', click.triggerId)), undefined);

  // The same button with its own job id still works.
  const fair = await slack.clickButton(botUrl, buttons, 'kk_edit_stronger', { userId: stranger });
  await resultOf('C-mallory', jobIdFor('slack', fair.triggerId));
});

test('a Slack button naming a cli- (or Discord) job is refused', async () => {
  const image = await solidPng({ r: 5, g: 5, b: 5 }, 32);
  const request = { instruction: 'make it red', strength: { kind: 'single' as const, value: 0.5 }, seed: 1 };
  const foreign = [];
  for (const platform of ['cli', 'discord'] as const) {
    const { jobId } = await services.queue.enqueueEdit({
      platform,
      interactionId: `${platform}${Date.now()}`,
      request,
      image,
      // The same team and channel ids as the Slack edit below: only the platform differs.
      requester: { teamId: 'T0001', channelId: 'C-cli', userId: 'U-local' },
      replyTo: {},
    });
    foreign.push(jobId);
  }
  const userId = await userWithImage('C-cli');
  const buttons = await resultOf('C-cli', await edit(userId, 'C-cli', 'make it blue strength:0.5'));
  for (const jobId of foreign) {
    const click = await slack.clickButton(botUrl, buttons, 'kk_edit_stronger', {
      userId,
      forgedValue: jobId,
    });
    assert.match(String((await refusal(click.responseId)).text), FOREIGN, jobId);
    assert.equal(await services.queue.queue.getJob(jobIdFor('slack', click.triggerId)), undefined);
  }
});

test("the requester's own Cancel in another channel does not cancel the edit", async () => {
  const userId = await userWithImage('C-one');
  const running = await edit(userId, 'C-one', 'the long one steps:40');
  await userWithImage('C-two', userId);
  const queued = await edit(userId, 'C-two', 'the queued one steps:1');
  const job = await services.queue.queue.getJob(queued);
  const status = await waitForMessage(
    () =>
      slack.messages.find(
        (m) => m.ts === job?.data.replyTo.statusTs && buttonIds(m).includes(CANCEL_ACTION_ID),
      ),
    'the Cancel button in C-two',
  );

  const click = await slack.clickButton(botUrl, status, CANCEL_ACTION_ID, { userId, forgedValue: running });
  assert.match(String((await refusal(click.responseId)).text), FOREIGN);
  assert.equal(await services.queue.queue.getJob(running).then((j) => j?.getState()), 'active');
  await resultOf('C-one', running);
  await resultOf('C-two', queued);
});

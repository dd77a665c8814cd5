/**
 * The Slack adapter end to end on real parts: a stand-in Slack (signed requests, Web API, private
 * files, uploads) talking to the real Bolt app over HTTP, the real queue on Redis, a real worker (the
 * tint runner, for speed) and the real delivery.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { parseConfig } from '../../../config/config.ts';
import { parseEditCommand, CommandError } from '../../../commands/index.ts';
import { jobIdFor } from '../../../queue/edit-job.ts';
import type { QueueServices } from '../../../queue/queue-services.ts';
import {
  EDIT_MODAL_CALLBACK_ID,
  EDIT_SHORTCUT_CALLBACK_ID,
  SlackConfigError,
  createSlackBot,
  type SlackBot,
} from '../../../bots/slack/index.ts';
import { REDIS_URL, solidPng, uniquePrefix, waitFor } from '../../queue/helpers.ts';
import { TintRunner } from '../../queue/tint-runner.ts';
import { startSlackHarness, type SlackHarness } from './slack-harness.ts';
import { StandInSlack, buttonIds, hasResultButtons, type PostedMessage } from './stand-in-slack.ts';

const prefix = uniquePrefix('slack-bot');
const BOT_TOKEN = 'xoxb-stand-in-bot-token';
const SECRET = 'stand-in-signing-secret';
const slack = new StandInSlack({ botToken: BOT_TOKEN, signingSecret: SECRET, teamId: 'T0001' });
const runner = new TintRunner({ stepMs: 25 });
let services: QueueServices;
let bot: SlackBot;
let botUrl: string;
let users = 0;

let harness: SlackHarness;

before(async () => {
  harness = await startSlackHarness({
    slack,
    prefix,
    runner,
    env: {
      KK_BLOB_MAX_BYTES: String(64 * 1024),
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_PORT: '0',
    },
    bot: {
      progressIntervalMs: 0,
      helpCapabilities: { summary: 'colour edits', edits: [{ name: 'sepia', examples: ['make it sepia'] }] },
    },
  });
  ({ bot, services } = harness);
  botUrl = harness.botUrl!;
});

after(() => harness.close());

/** A fresh user (the in-flight cap is per user) with a red-ish photo shared in `channel`. */
async function userWithImage(channel = 'C0001', color = { r: 90, g: 160, b: 200 }) {
  users += 1;
  const userId = `U${String(users).padStart(4, '0')}`;
  const data = await solidPng(color, 40);
  const file = slack.addFile({ user: userId, channel, name: 'photo.png', mimetype: 'image/png', data });
  return { userId, channel, file };
}

/** Result button rows (status lines carry a Cancel button too, and are not counted). */
function messagesWithButtons(channel: string): PostedMessage[] {
  return slack.messages.filter((m) => m.channel === channel && hasResultButtons(m));
}

/** A status line: neither the result's button row nor the shared upload's message. */
function isStatusLine(message: PostedMessage): boolean {
  return !hasResultButtons(message) && message.fileIds === undefined;
}

function responsesTo(responseId: string) {
  return slack.responses.filter((r) => r.id === responseId).map((r) => r.body);
}

async function waitForJob(triggerId: string) {
  const jobId = jobIdFor('slack', triggerId);
  await waitFor(async () => (await services.queue.queue.getJob(jobId)) !== undefined, 5000, `job ${jobId}`);
  const job = await services.queue.queue.getJob(jobId);
  assert.ok(job);
  return job;
}

async function waitForButtons(channel: string, jobId: string): Promise<PostedMessage> {
  let found: PostedMessage | undefined;
  await waitFor(
    () => {
      found = messagesWithButtons(channel).find((m) => JSON.stringify(m.blocks).includes(jobId));
      return found !== undefined;
    },
    10_000,
    `buttons for ${jobId}`,
  );
  return found as PostedMessage;
}

test('/edit with a recent image: queued status, then the PNG uploaded to the channel and the buttons', async () => {
  const { userId, channel } = await userWithImage('C-single');
  const sent = await slack.sendSlashCommand(botUrl, {
    text: 'make it warmer strength:0.7',
    userId,
    channelId: channel,
  });
  assert.equal(sent.status, 200, 'Bolt acks at once');

  const job = await waitForJob(sent.triggerId);
  assert.equal(job.data.requester.platform, 'slack');
  assert.deepEqual(job.data.requester, { platform: 'slack', teamId: 'T0001', channelId: channel, userId });
  assert.equal(job.data.request.instruction, 'make it warmer');
  assert.deepEqual(job.data.request.strength, { kind: 'single', value: 0.7 });
  assert.equal(job.data.replyTo.channelId, channel);
  assert.equal(job.data.replyTo.responseUrl, `${slack.baseUrl}/respond/${sent.responseId}`);

  // The image was found with files.list and fetched with the bot token.
  assert.deepEqual(
    slack.calls.filter((c) => !c.authorized).map((c) => c.method),
    [],
    'every Web API call carries the bot token',
  );
  const list = slack.callsOf('files.list').find((c) => c.body.user === userId);
  assert.deepEqual([list?.body.channel, list?.body.types], [channel, 'images']);

  const buttons = await waitForButtons(channel, job.id as string);
  const status = slack.messages.find((m) => m.ts === job.data.replyTo.statusTs);
  assert.ok(status, 'the status message was posted before the job was queued');
  await waitFor(() => status.deleted === true, 5000, 'the status line removed once the result is up');
  assert.match(
    status.text,
    new RegExp(`<@${userId}> /edit make it warmer strength:0.7 seed:${job.data.request.seed}`),
  );
  const updates = slack
    .callsOf('chat.update')
    .filter((c) => c.body.ts === status.ts)
    .map((c) => c.body.text);
  assert.ok(
    updates.some((t) => /in queue|running/.test(t ?? '')),
    `a queue position was shown: ${updates.join(' | ')}`,
  );
  assert.ok(
    updates.some((t) => /editing \d\/4/.test(t ?? '')),
    `progress was shown: ${updates.join(' | ')}`,
  );

  // The external upload: one getUploadURLExternal, the bytes, one completeUploadExternal with channel + comment.
  const complete = slack.callsOf('files.completeUploadExternal').find((c) => c.body.channel_id === channel);
  assert.ok(complete);
  assert.match(complete.body.initial_comment ?? '', /make it warmer strength:0\.7/);
  const [uploaded] = JSON.parse(complete.body.files ?? '[]') as { id: string }[];
  const upload = slack.uploads.get(uploaded?.id ?? '');
  assert.equal(upload?.filename, 'edit.png');
  const urlCall = slack.callsOf('files.getUploadURLExternal').find((c) => c.body.filename === 'edit.png');
  // Slack documents the description as alt_txt (the stand-in refuses any undocumented argument).
  assert.equal(urlCall?.body.alt_txt, 'make it warmer');
  assert.equal(upload?.data?.byteLength, upload?.length);
  const meta = await sharp(upload?.data).metadata();
  assert.equal(meta.format, 'png');
  // The tint runner scales green and blue by 1 - s: the upload is the edit, not the source.
  const { data } = await sharp(upload?.data).raw().toBuffer({ resolveWithObject: true });
  assert.ok(Math.abs((data[1] ?? 0) - Math.round(160 * 0.3)) <= 2, `green ${data[1]}`);

  assert.deepEqual(buttonIds(buttons), [
    'kk_edit_weaker',
    'kk_edit_stronger',
    'kk_edit_sweep',
    'kk_edit_new-seed',
  ]);
  // Slack shares the upload after completeUploadExternal answers; the buttons still come below it.
  const fileMessage = slack.messages.findIndex((m) => m.fileIds?.includes(uploaded?.id ?? ''));
  assert.ok(fileMessage >= 0, 'the upload was shared in the channel');
  assert.ok(
    fileMessage < slack.messages.indexOf(buttons),
    'the buttons message comes after the image in the channel',
  );
});

test('buttons wait for a slow share of the upload, and are posted once files.info shows it', async () => {
  slack.shareDelayMs = 600;
  try {
    const { userId, channel } = await userWithImage('C-slow-share');
    const sent = await slack.sendSlashCommand(botUrl, { text: 'make it warmer', userId, channelId: channel });
    const job = await waitForJob(sent.triggerId);
    const buttons = await waitForButtons(channel, job.id as string);
    const fileMessage = slack.messages.find((m) => m.channel === channel && m.fileIds !== undefined);
    assert.ok(fileMessage, 'the upload was shared');
    assert.ok(
      slack.messages.indexOf(fileMessage) < slack.messages.indexOf(buttons),
      'the buttons come after the image',
    );
    assert.ok(
      slack.callsOf('files.info').some((c) => fileMessage.fileIds?.includes(c.body.file ?? '')),
      'the share was checked with files.info',
    );
  } finally {
    slack.shareDelayMs = 50;
  }
});

test('/edit in a channel the bot is not in: the invite hint, before any file lookup (public and private)', async () => {
  for (const [channel, isPrivate] of [
    ['C-not-member', false],
    ['G-not-member', true],
  ] as const) {
    const { userId } = await userWithImage(channel);
    slack.notInChannel.add(channel);
    if (isPrivate) slack.privateChannels.add(channel);
    const listsBefore = slack.callsOf('files.list').filter((c) => c.body.channel === channel).length;
    const sent = await slack.sendSlashCommand(botUrl, { text: 'make it warmer', userId, channelId: channel });
    await waitFor(() => responsesTo(sent.responseId).length > 0, 5000, `the answer in ${channel}`);
    const [answer] = responsesTo(sent.responseId);
    assert.equal(answer?.response_type, 'ephemeral');
    assert.match(String(answer?.text), /I'm not in this channel/, `${channel}: ${String(answer?.text)}`);
    assert.match(String(answer?.text), /\/invite @kontext/, "says how to fix it, with the bot's name");
    assert.equal(
      slack.callsOf('files.list').filter((c) => c.body.channel === channel).length,
      listsBefore,
      'membership is checked before looking for the image',
    );
    assert.equal(await services.queue.queue.getJob(jobIdFor('slack', sent.triggerId)), undefined);
  }
});

test('a request with a bad signature is refused with 401 and enqueues nothing', async () => {
  const { userId, channel } = await userWithImage('C-forged');
  const listsBefore = slack.callsOf('files.list').length;
  const sent = await slack.sendSlashCommand(
    botUrl,
    { text: 'make it warmer', userId, channelId: channel },
    { secret: 'wrong' },
  );
  assert.equal(sent.status, 401);
  assert.equal(await services.queue.queue.getJob(jobIdFor('slack', sent.triggerId)), undefined);
  assert.equal(slack.callsOf('files.list').length, listsBefore);
  assert.equal(slack.messages.filter((m) => m.channel === channel).length, 0);
});

test('a grammar error comes back ephemerally with its hint', async () => {
  const { userId, channel } = await userWithImage('C-grammar');
  const text = 'make it warmer strength:2';
  const expected = (() => {
    try {
      parseEditCommand(text);
    } catch (err) {
      if (err instanceof CommandError) return err;
    }
    throw new Error('expected a CommandError');
  })();
  const sent = await slack.sendSlashCommand(botUrl, { text, userId, channelId: channel });
  assert.equal(sent.status, 200);
  await waitFor(() => responsesTo(sent.responseId).length === 1, 5000, 'ephemeral reply');
  const [reply] = responsesTo(sent.responseId);
  assert.equal(reply?.response_type, 'ephemeral');
  assert.ok(String(reply?.text).includes(expected.userMessage), String(reply?.text));
  assert.ok(expected.hint && String(reply?.text).includes(expected.hint), String(reply?.text));
  assert.equal(await services.queue.queue.getJob(jobIdFor('slack', sent.triggerId)), undefined);
});

test('/edit help answers with the help text, ephemerally', async () => {
  const sent = await slack.sendSlashCommand(botUrl, { text: 'help' });
  await waitFor(() => responsesTo(sent.responseId).length === 1, 5000, 'help reply');
  const [reply] = responsesTo(sent.responseId);
  assert.equal(reply?.response_type, 'ephemeral');
  assert.match(String(reply?.text), /most recent image you shared/);
  assert.match(String(reply?.text), /make it sepia/, 'the model capabilities are listed');
});

test('no recent image: a clear ephemeral message and no job', async () => {
  users += 1;
  const userId = `U-noimage-${users}`;
  // An old image does not count (files.list is asked for the last day only).
  slack.addFile({
    user: userId,
    channel: 'C-old',
    name: 'old.png',
    mimetype: 'image/png',
    data: await solidPng({ r: 1, g: 2, b: 3 }),
    created: Math.floor(Date.now() / 1000) - 3 * 86_400,
  });
  const sent = await slack.sendSlashCommand(botUrl, { text: 'make it snowy', userId, channelId: 'C-old' });
  await waitFor(() => responsesTo(sent.responseId).length === 1, 5000, 'ephemeral reply');
  const [reply] = responsesTo(sent.responseId);
  assert.equal(reply?.response_type, 'ephemeral');
  assert.match(String(reply?.text), /couldn't find an image from you in this channel/);
  assert.match(String(reply?.text), /upload the image here first/);
  assert.equal(await services.queue.queue.getJob(jobIdFor('slack', sent.triggerId)), undefined);
  assert.equal(slack.messages.filter((m) => m.channel === 'C-old').length, 0, 'no status message');
});

test('an image over KK_BLOB_MAX_BYTES is refused before anything is queued', async () => {
  users += 1;
  const userId = `U-big-${users}`;
  const big = await sharp({
    create: { width: 400, height: 400, channels: 3, background: { r: 0, g: 0, b: 0 } },
  })
    .png({ compressionLevel: 0 })
    .toBuffer();
  assert.ok(big.byteLength > 64 * 1024);
  slack.addFile({ user: userId, channel: 'C-big', name: 'big.png', mimetype: 'image/png', data: big });
  const sent = await slack.sendSlashCommand(botUrl, { text: 'make it snowy', userId, channelId: 'C-big' });
  await waitFor(() => responsesTo(sent.responseId).length === 1, 5000, 'ephemeral reply');
  assert.match(String(responsesTo(sent.responseId)[0]?.text), /too large/);
  assert.equal(await services.queue.queue.getJob(jobIdFor('slack', sent.triggerId)), undefined);
});

test('a channel the bot is not in: an ephemeral hint to invite it, and no job', async () => {
  const { userId, channel } = await userWithImage('C-private');
  slack.notInChannel.add(channel);
  const sent = await slack.sendSlashCommand(botUrl, { text: 'make it snowy', userId, channelId: channel });
  await waitFor(() => responsesTo(sent.responseId).length === 1, 5000, 'ephemeral reply');
  assert.match(String(responsesTo(sent.responseId)[0]?.text), /invite me/);
  assert.equal(await services.queue.queue.getJob(jobIdFor('slack', sent.triggerId)), undefined);
});

test('a sweep uploads the GIF and the contact sheet in one message; only New seed is offered', async () => {
  const { userId, channel } = await userWithImage('C-sweep');
  const sent = await slack.sendSlashCommand(botUrl, {
    text: 'make it foggy strength:sweep:3',
    userId,
    channelId: channel,
  });
  const job = await waitForJob(sent.triggerId);
  const buttons = await waitForButtons(channel, job.id as string);
  const complete = slack.callsOf('files.completeUploadExternal').find((c) => c.body.channel_id === channel);
  const files = JSON.parse(complete?.body.files ?? '[]') as { id: string }[];
  const uploads = files.map((f) => slack.uploads.get(f.id));
  assert.deepEqual(uploads.map((u) => u?.filename).sort(), ['sweep-sheet.png', 'sweep.gif']);
  const gif = uploads.find((u) => u?.filename === 'sweep.gif');
  const gifMeta = await sharp(gif?.data, { animated: true }).metadata();
  assert.deepEqual([gifMeta.format, gifMeta.pages], ['gif', 3]);
  assert.deepEqual(buttonIds(buttons), ['kk_edit_new-seed']);
});

test('Stronger enqueues a child job: parentEditId, strength + 0.25, same seed and source, by the clicker', async () => {
  const { userId, channel } = await userWithImage('C-stronger');
  const sent = await slack.sendSlashCommand(botUrl, {
    text: 'make it warmer strength:0.5',
    userId,
    channelId: channel,
  });
  const parent = await waitForJob(sent.triggerId);
  const buttons = await waitForButtons(channel, parent.id as string);

  const clicker = `${userId}-friend`;
  const click = await slack.clickButton(botUrl, buttons, 'kk_edit_stronger', { userId: clicker });
  assert.equal(click.status, 200);
  const child = await waitForJob(click.triggerId);
  assert.equal(child.data.parentEditId, parent.id);
  assert.deepEqual(child.data.request.strength, { kind: 'single', value: 0.75 });
  assert.equal(child.data.request.seed, parent.data.request.seed);
  assert.equal(child.data.request.instruction, parent.data.request.instruction);
  assert.equal(child.data.source.blob, parent.data.source.blob);
  assert.deepEqual(child.data.requester, {
    platform: 'slack',
    teamId: 'T0001',
    channelId: channel,
    userId: clicker,
  });
  await waitForButtons(channel, child.id as string);
});

test('a button whose parent job is gone says so ephemerally', async () => {
  const { channel } = await userWithImage('C-expired');
  const stale: PostedMessage = {
    channel,
    ts: '1.000001',
    text: 'Adjust this edit:',
    blocks: [
      {
        type: 'actions',
        block_id: 'b',
        elements: [
          {
            type: 'button',
            action_id: 'kk_edit_weaker',
            value: 'slack-gone',
            text: { type: 'plain_text', text: 'Weaker' },
          },
        ],
      },
    ],
  };
  const click = await slack.clickButton(botUrl, stale, 'kk_edit_weaker');
  await waitFor(() => responsesTo(click.responseId).length === 1, 5000, 'ephemeral reply');
  const [reply] = responsesTo(click.responseId);
  assert.equal(reply?.response_type, 'ephemeral');
  assert.equal(reply?.replace_original, false);
  assert.match(String(reply?.text), /expired.*run \/edit again/);
  assert.equal(await services.queue.queue.getJob(jobIdFor('slack', click.triggerId)), undefined);
});

test('the same command redelivered by Slack (X-Slack-Retry-Num) makes one job and one status message', async () => {
  const { userId, channel } = await userWithImage('C-retry');
  const first = await slack.sendSlashCommand(botUrl, {
    text: 'make it warmer strength:0.3',
    userId,
    channelId: channel,
  });
  await waitForJob(first.triggerId);
  const again = await slack.sendSlashCommand(
    botUrl,
    { text: 'make it warmer strength:0.3', userId, channelId: channel, triggerId: first.triggerId },
    { retryNum: 1 },
  );
  assert.equal(again.status, 200);
  const job = await waitForJob(first.triggerId);
  await waitForButtons(channel, job.id as string);
  const counts = await services.queue.queue.getJobs([
    'completed',
    'active',
    'waiting',
    'prioritized',
    'failed',
  ]);
  assert.equal(counts.filter((j) => j.data.requester.userId === userId).length, 1);
  const statuses = slack.messages.filter((m) => m.channel === channel && isStatusLine(m));
  assert.equal(statuses.length, 1, statuses.map((m) => m.text).join(' | '));
  assert.equal(messagesWithButtons(channel).length, 1, 'delivered once');
});

test('a failed edit is posted as the user message and its status line removed', async () => {
  users += 1;
  const userId = `U-broken-${users}`;
  // Slack says PNG, the bytes are not an image: the worker fails it with a user-facing input_image error.
  slack.addFile({
    user: userId,
    channel: 'C-broken',
    name: 'broken.png',
    mimetype: 'image/png',
    data: Buffer.from('not a png at all'),
  });
  const sent = await slack.sendSlashCommand(botUrl, {
    text: 'make it warmer',
    userId,
    channelId: 'C-broken',
  });
  const job = await waitForJob(sent.triggerId);
  const failure = () => slack.messages.find((m) => m.channel === 'C-broken' && m.text.startsWith(':x:'));
  await waitFor(() => failure() !== undefined, 10_000, 'failure message');
  assert.match(
    failure()?.text ?? '',
    new RegExp(`<@${userId}> /edit make it warmer .*not an image I can read`),
  );
  const status = slack.messages.find((m) => m.ts === job.data.replyTo.statusTs);
  await waitFor(() => status?.deleted === true, 5000, 'status line removed');
  assert.equal(messagesWithButtons('C-broken').length, 0);
});

test('config: a bot token is required, HTTP mode needs the signing secret, an app token selects Socket Mode', async () => {
  const base = { REDIS_URL, KK_QUEUE_PREFIX: prefix };
  assert.throws(
    () => createSlackBot({ config: parseConfig({ ...base, SLACK_SIGNING_SECRET: 's' }) }),
    SlackConfigError,
  );
  assert.throws(
    () => createSlackBot({ config: parseConfig({ ...base, SLACK_BOT_TOKEN: 'xoxb-1' }) }),
    SlackConfigError,
  );
  const socket = createSlackBot({
    config: parseConfig({ ...base, SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1' }),
  });
  assert.equal(socket.mode, 'socket');
  assert.equal(socket.port, undefined);
  await socket.close();
  await socket.close();
  assert.equal(bot.mode, 'http');
});

test('a result served from the cache at once still leaves no stale status line', async () => {
  const { userId, channel } = await userWithImage('C-cached');
  const text = 'make it warmer strength:0.4 seed:5';
  const first = await slack.sendSlashCommand(botUrl, { text, userId, channelId: channel });
  await waitForButtons(channel, (await waitForJob(first.triggerId)).id as string);
  const second = await slack.sendSlashCommand(botUrl, { text, userId, channelId: channel });
  const job = await waitForJob(second.triggerId);
  await waitForButtons(channel, job.id as string);
  await waitFor(async () => (await job.getState()) === 'completed', 5000, 'completed');
  assert.equal((await services.queue.queue.getJob(job.id as string))?.returnvalue?.cached, true);
  const status = slack.messages.find((m) => m.ts === job.data.replyTo.statusTs);
  await waitFor(() => status?.deleted === true, 5000, 'status line removed');
  assert.deepEqual(
    slack.messages.filter((m) => m.channel === channel && isStatusLine(m) && !m.deleted),
    [],
    'no status line left behind',
  );
});

test('a bot token Slack refuses fails start() (auth.test), and close() after it is harmless', async () => {
  const config = parseConfig({
    REDIS_URL,
    KK_QUEUE_PREFIX: prefix,
    SLACK_BOT_TOKEN: 'xoxb-revoked',
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_PORT: '0',
    SLACK_API_URL: slack.apiUrl,
  });
  const refused = createSlackBot({ config, apiRetries: 0 });
  await assert.rejects(refused.start(services));
  assert.equal(refused.port, undefined);
  await refused.close();
});

test('"Edit this image" shortcut: a modal, then the edit of exactly that image', async () => {
  const { userId, channel, file } = await userWithImage('C-shortcut', { r: 200, g: 100, b: 50 });
  // A newer image exists too: the shortcut must still edit the one it was used on.
  slack.addFile({
    user: userId,
    channel,
    name: 'newer.png',
    mimetype: 'image/png',
    data: await solidPng({ r: 1, g: 1, b: 1 }, 40),
    created: file.created + 5,
  });
  const used = await slack.sendMessageShortcut(botUrl, {
    callbackId: EDIT_SHORTCUT_CALLBACK_ID,
    userId,
    channelId: channel,
    files: [file],
  });
  assert.equal(used.status, 200);
  await waitFor(() => slack.views.some((v) => v.triggerId === used.triggerId), 5000, 'views.open');
  const opened = slack.views.find((v) => v.triggerId === used.triggerId);
  assert.ok(opened);
  assert.equal(opened.view.callback_id, EDIT_MODAL_CALLBACK_ID);

  const submitted = await slack.submitView(
    botUrl,
    opened,
    {
      kk_instruction: { value: { type: 'plain_text_input', value: 'make it snowy' } },
      kk_strength: { value: { type: 'plain_text_input', value: '40%' } },
    },
    { userId },
  );
  assert.equal(submitted.status, 200);
  assert.equal(submitted.text, '', 'a plain ack closes the modal');
  const job = await waitForJob(opened.id);
  assert.deepEqual(job.data.request.strength, { kind: 'single', value: 0.4 });
  assert.equal(job.data.request.instruction, 'make it snowy');
  assert.equal(job.data.source.bytes, file.data.byteLength);
  assert.deepEqual(await services.queue.blobs.get(job.data.source.blob), Buffer.from(file.data));
  assert.deepEqual(job.data.requester, { platform: 'slack', teamId: 'T0001', channelId: channel, userId });
  await waitForButtons(channel, job.id as string);
});

test('the modal shows a grammar error under its field and queues nothing', async () => {
  const { userId, channel, file } = await userWithImage('C-modal-error');
  const used = await slack.sendMessageShortcut(botUrl, {
    callbackId: EDIT_SHORTCUT_CALLBACK_ID,
    userId,
    channelId: channel,
    files: [file],
  });
  await waitFor(() => slack.views.some((v) => v.triggerId === used.triggerId), 5000, 'views.open');
  const opened = slack.views.find((v) => v.triggerId === used.triggerId);
  assert.ok(opened);
  const submitted = await slack.submitView(
    botUrl,
    opened,
    {
      kk_instruction: { value: { type: 'plain_text_input', value: 'make it snowy' } },
      kk_strength: { value: { type: 'plain_text_input', value: '2' } },
    },
    { userId },
  );
  assert.equal(submitted.status, 200);
  const answer = JSON.parse(submitted.text) as { response_action: string; errors: Record<string, string> };
  assert.equal(answer.response_action, 'errors');
  assert.deepEqual(Object.keys(answer.errors), ['kk_strength']);
  assert.match(answer.errors.kk_strength ?? '', /between 0 and 1/);
  assert.equal(await services.queue.queue.getJob(jobIdFor('slack', opened.id)), undefined);
});

test('the shortcut on a message without an image says so ephemerally', async () => {
  const used = await slack.sendMessageShortcut(botUrl, { callbackId: EDIT_SHORTCUT_CALLBACK_ID, files: [] });
  await waitFor(() => responsesTo(used.responseId).length === 1, 5000, 'ephemeral reply');
  const [reply] = responsesTo(used.responseId);
  assert.equal(reply?.response_type, 'ephemeral');
  assert.match(String(reply?.text), /no image I can edit/);
  assert.ok(!slack.views.some((v) => v.triggerId === used.triggerId));
});

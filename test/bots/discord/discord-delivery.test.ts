/**
 * The delivery adapter's own rules against the stand-in: ordering, progress throttling, expired tokens,
 * and what a cancel leaves room for.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DiscordDelivery,
  discordReplyToSchema,
  type DiscordReplyTo,
} from '../../../bots/discord/discord-delivery.ts';
import { createDiscordRest } from '../../../bots/discord/discord-rest.ts';
import {
  buildCancelledMessage,
  buildCancellingMessage,
  buildQueuedMessage,
} from '../../../bots/discord/payloads.ts';
import type { EditJobData, EditJobResult } from '../../../queue/edit-job.ts';
import { startStandInDiscord, type StandInDiscord } from './stand-in-discord.ts';
import { APP_ID, CHANNEL_ID } from './interactions.ts';

let standIn: StandInDiscord;
before(async () => {
  standIn = await startStandInDiscord();
});
after(async () => {
  await standIn.close();
});

let n = 0;
function job(): { jobId: string; token: string; data: EditJobData } {
  n += 1;
  const token = `delivery-token-${n}-${Date.now()}`;
  return {
    jobId: `discord-9${n}`,
    token,
    data: {
      v: 1,
      request: { instruction: 'make it red', strength: { kind: 'single', value: 0.5 }, seed: 4 },
      source: { blob: `sha256-${'0'.repeat(64)}`, bytes: 10 },
      modelId: 'm',
      requester: { platform: 'discord', channelId: CHANNEL_ID, userId: 'u1' },
      replyTo: { applicationId: APP_ID, token, channelId: CHANNEL_ID, userId: 'u1' },
      createdAt: Date.now(),
    },
  };
}

const result: EditJobResult = {
  v: 1,
  kind: 'single',
  files: [{ name: 'edit.png', mime: 'image/png', blob: `sha256-${'1'.repeat(64)}`, bytes: 3 }],
  width: 8,
  height: 8,
  strengths: [0.5],
  seed: 4,
  steps: 2,
  modelId: 'm',
  timings: { total: 1200 },
  cached: false,
};
const files = [{ name: 'edit.png', mime: 'image/png', data: new Uint8Array([1, 2, 3]) }];

function delivery(options: { botToken?: string; progressIntervalMs?: number } = {}): DiscordDelivery {
  return new DiscordDelivery({
    rest: createDiscordRest({
      apiUrl: standIn.apiUrl,
      ...(options.botToken ? { botToken: options.botToken } : {}),
    }),
    canPostInChannel: options.botToken !== undefined,
    progressIntervalMs: options.progressIntervalMs ?? 2000,
  });
}

const edits = (token: string) => standIn.calls.filter((c) => c.route.includes(token));

test('progress edits are throttled per job; the first always goes out', async () => {
  const adapter = delivery({ progressIntervalMs: 60_000 });
  const a = job();
  const b = job();
  for (let step = 1; step <= 5; step++) {
    await adapter.onProgress({ jobId: a.jobId, job: a.data, progress: { stage: 'denoise', step, total: 5 } });
    await adapter.onProgress({ jobId: b.jobId, job: b.data, progress: { stage: 'denoise', step, total: 5 } });
  }
  await adapter.close();
  assert.deepEqual(
    edits(a.token).map((c) => c.json?.content),
    ['`/edit make it red strength:0.5 seed:4` - editing 1/5'],
  );
  assert.equal(edits(b.token).length, 1);
});

test('no status edit goes out after the result, even one asked for later', async () => {
  const adapter = delivery();
  const a = job();
  const replyTo = a.data.replyTo as {
    applicationId: string;
    token: string;
    channelId: string;
    userId: string;
  };
  const queued = adapter.showStatus(
    a.jobId,
    replyTo,
    buildQueuedMessage(a.jobId, a.data.request, { state: 'queued', position: 2 }),
  );
  const done = adapter.onCompleted({ jobId: a.jobId, job: a.data, result, files });
  const late = adapter.showStatus(
    a.jobId,
    replyTo,
    buildQueuedMessage(a.jobId, a.data.request, { state: 'running' }),
  );
  await Promise.all([queued, done, late]);
  await adapter.onProgress({ jobId: a.jobId, job: a.data, progress: { stage: 'render', step: 1, total: 1 } });
  await adapter.close();
  assert.deepEqual(
    edits(a.token).map((c) => [String(c.json?.content), c.files.length]),
    [
      ['`/edit make it red strength:0.5 seed:4` - #2 in queue', 0],
      ['`/edit make it red strength:0.5 seed:4` - 8x8, 1.2 s', 1],
    ],
  );
});

test('an expired token without DISCORD_TOKEN: logged and dropped, not retried', async () => {
  const adapter = delivery();
  const a = job();
  standIn.expiredTokens.add(a.token);
  await adapter.onFailed({ jobId: a.jobId, job: a.data, code: 'internal', userMessage: 'It broke.' });
  await adapter.close();
  assert.deepEqual(
    edits(a.token).map((c) => c.status),
    [404],
  );
  assert.equal(
    standIn.calls.filter((c) => c.route.startsWith('/channels/')).length,
    0,
    'no channel post without a bot token',
  );
});

test('a failure with an expired token is posted in the channel when a bot token is set', async () => {
  const adapter = delivery({ botToken: standIn.botToken });
  const a = job();
  standIn.expiredTokens.add(a.token);
  await adapter.onFailed({
    jobId: a.jobId,
    job: a.data,
    code: 'input_image',
    userMessage: 'Not an image.',
    hint: 'attach a PNG',
  });
  await adapter.close();
  const post = standIn.calls.find(
    (c) => c.route === `/channels/${CHANNEL_ID}/messages` && /Not an image/.test(String(c.json?.content)),
  );
  assert.equal(
    post?.json?.content,
    '<@u1> `/edit make it red strength:0.5 seed:4` - Not an image.\n-# attach a PNG',
  );
});

test('after a 401 on an interaction token, no later edit uses it: the result goes to the channel', async () => {
  const adapter = delivery({ botToken: standIn.botToken, progressIntervalMs: 0 });
  const a = job();
  standIn.deadTokens.add(a.token);
  const invalidBefore = standIn.invalidRequestCount();
  const callsBefore = standIn.calls.length;
  await adapter.showStatus(
    a.jobId,
    replyToOf(a),
    buildQueuedMessage(a.jobId, a.data.request, { state: 'queued', position: 1 }),
  );
  for (let step = 1; step <= 5; step++)
    await adapter.onProgress({ jobId: a.jobId, job: a.data, progress: { stage: 'denoise', step, total: 5 } });
  await adapter.onCompleted({ jobId: a.jobId, job: a.data, result, files });
  await adapter.close();
  assert.deepEqual(
    edits(a.token).map((c) => c.status),
    [401],
    'one request on the dead token, then none: each would count toward the invalid-request limit',
  );
  assert.equal(standIn.invalidRequestCount() - invalidBefore, 1);
  const post = standIn.calls.slice(callsBefore).find((c) => c.route === `/channels/${CHANNEL_ID}/messages`);
  assert.ok(post && post.files.length === 1, 'the result is posted in the channel instead');
});

test('a 404 Unknown Webhook also retires the token', async () => {
  const adapter = delivery({ progressIntervalMs: 0 });
  const a = job();
  standIn.expiredTokens.add(a.token);
  for (let step = 1; step <= 3; step++)
    await adapter.onProgress({ jobId: a.jobId, job: a.data, progress: { stage: 'denoise', step, total: 3 } });
  await adapter.onFailed({ jobId: a.jobId, job: a.data, code: 'internal', userMessage: 'It broke.' });
  await adapter.close();
  assert.deepEqual(
    edits(a.token).map((c) => c.status),
    [404],
  );
});

function replyToOf(a: ReturnType<typeof job>): DiscordReplyTo {
  return discordReplyToSchema.parse(a.data.replyTo);
}

test('"Cancelled." is final: no status or progress edit follows it', async () => {
  const adapter = delivery({ progressIntervalMs: 0 });
  const a = job();
  const replyTo = replyToOf(a);
  const queued = adapter.showStatus(
    a.jobId,
    replyTo,
    buildQueuedMessage(a.jobId, a.data.request, { state: 'queued', position: 3 }),
  );
  const cancelled = adapter.showCancelled(a.jobId, replyTo, buildCancelledMessage());
  const late = adapter.showStatus(
    a.jobId,
    replyTo,
    buildQueuedMessage(a.jobId, a.data.request, { state: 'running' }),
  );
  await Promise.all([queued, cancelled, late]);
  await adapter.onProgress({
    jobId: a.jobId,
    job: a.data,
    progress: { stage: 'denoise', step: 1, total: 4 },
  });
  await adapter.close();
  assert.deepEqual(
    edits(a.token).map((c) => [String(c.json?.content), (c.json?.components as unknown[]).length]),
    [
      ['`/edit make it red strength:0.5 seed:4` - #3 in queue', 1],
      ['Cancelled.', 0],
    ],
  );
});

test('after "Cancelling..." progress stops, and the cancelled failure still replaces it', async () => {
  const adapter = delivery({ progressIntervalMs: 0 });
  const a = job();
  await adapter.onProgress({
    jobId: a.jobId,
    job: a.data,
    progress: { stage: 'denoise', step: 1, total: 4 },
  });
  await adapter.showCancelling(a.jobId, replyToOf(a), buildCancellingMessage());
  await adapter.onProgress({
    jobId: a.jobId,
    job: a.data,
    progress: { stage: 'denoise', step: 2, total: 4 },
  });
  await adapter.onFailed({ jobId: a.jobId, job: a.data, code: 'cancelled', userMessage: 'Edit cancelled.' });
  await adapter.close();
  assert.deepEqual(
    edits(a.token).map((c) => [String(c.json?.content), (c.json?.components as unknown[]).length]),
    [
      ['`/edit make it red strength:0.5 seed:4` - editing 1/4', 1],
      ['Cancelling...', 0],
      ['`/edit make it red strength:0.5 seed:4` - Edit cancelled.', 0],
    ],
  );
});

/**
 * Issue 13, item 8: while Redis is down, an enqueue fails within a bounded time with the user-facing
 * `QueueUnavailableError`, never hanging for ioredis's growing reconnect backoff (measured: 0.6, 5 and
 * 19 s, then ioredis's own error text). And an enqueue given up on during a stall, whose commands then run
 * when Redis wakes, is withdrawn: the user was told it was not queued.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { parseConfig } from '../../config/config.ts';
import { EditQueue } from '../../queue/edit-queue.ts';
import { QueueUnavailableError } from '../../queue/errors.ts';
import { createRedis, type RedisClient } from '../../queue/redis-connection.ts';
import { editInput, sleep, solidPng, waitFor } from './helpers.ts';
import { SideRedis, hasRedisServer } from './side-redis.ts';

const skip = hasRedisServer ? false : 'redis-server is not installed';
const side = new SideRedis();
let redis: RedisClient;
let image: Buffer;

function queueOn(client: RedisClient, extra: Partial<ConstructorParameters<typeof EditQueue>[0]> = {}) {
  const queue = new EditQueue({
    connection: client,
    prefix: 'kkdown',
    modelId: 'm',
    sweepFrames: 4,
    ...extra,
  });
  queue.queue.on('error', () => undefined); // the outage itself is not under test here
  return queue;
}

before(async () => {
  if (skip) return;
  await side.start();
  redis = createRedis(parseConfig({ REDIS_URL: side.url, KK_QUEUE_PREFIX: 'kkdown' }), 'command');
  redis.on('error', () => undefined);
  image = await solidPng({ r: 10, g: 20, b: 30 });
});
after(async () => {
  redis?.disconnect();
  await side.kill();
});

test(
  'an enqueue stalled past the limit fails fast, and if it lands later it is withdrawn',
  { skip },
  async () => {
    const queue = queueOn(redis, { failFast: { readyWaitMs: 1000, timeoutMs: 500 } });
    try {
      await queue.enqueueEdit(editInput(image)); // warm: the connection is up and the scripts loaded
      const input = editInput(image, { requester: { teamId: 't', channelId: 'c', userId: 'stalled' } });
      const stall = side.stall(1500);
      const startedAt = performance.now();
      await assert.rejects(queue.enqueueEdit(input), QueueUnavailableError);
      assert.ok(performance.now() - startedAt < 1200, 'bounded by timeoutMs');
      await stall;
      const jobId = `discord-${input.interactionId}`;
      // Redis wakes and runs the queued commands; the late job must then disappear again.
      await waitFor(async () => (await queue.queue.getJob(jobId)) === undefined, 5000, 'the withdrawal');
      await sleep(200);
      assert.equal(await queue.queue.getJob(jobId), undefined);
      assert.equal(await redis.zcard(queue.keys.userInflight('discord', 'stalled')), 0);
    } finally {
      await queue.close();
    }
  },
);

test(
  'while Redis is down every enqueue fails within 2.5 s with QueueUnavailableError',
  { skip },
  async () => {
    const queue = queueOn(redis, { userInflightCap: 100 });
    try {
      await queue.enqueueEdit(
        editInput(image, { requester: { teamId: 't2', channelId: 'c', userId: 'u2' } }),
      );
      await side.kill();
      const times: number[] = [];
      // Spread over several seconds, so later attempts meet ioredis's longer reconnect backoff.
      for (let i = 0; i < 5; i++) {
        const startedAt = performance.now();
        await assert.rejects(
          queue.enqueueEdit(editInput(image, { requester: { teamId: 't2', channelId: 'c', userId: 'u2' } })),
          (err: unknown) => {
            assert.ok(err instanceof QueueUnavailableError, `got ${String(err)}`);
            assert.equal(err.code, 'queue_unavailable');
            assert.match(err.userMessage, /not queued/);
            return true;
          },
        );
        times.push(performance.now() - startedAt);
        await sleep(1500);
      }
      assert.ok(
        times.every((ms) => ms < 2500),
        `enqueue times while down: ${times.map(Math.round).join(', ')} ms`,
      );
      await assert.rejects(queue.cancelEdit('discord-1', 'u2'), QueueUnavailableError);
    } finally {
      await queue.close();
    }
  },
);

/**
 * Jobs that vanish from Redis are reported to their users (issue 13 item 5), and a worker says at start
 * when Redis is not configured to keep them. Every case runs on a side Redis of its own: a restart
 * without persistence, deleted keys and FLUSHALL are faults the shared test Redis must not see.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { parseConfig } from '../../config/config.ts';
import { EditDelivery } from '../../queue/delivery.ts';
import { EditQueue } from '../../queue/edit-queue.ts';
import { createEditWorker } from '../../queue/edit-worker.ts';
import { createQueueMetrics } from '../../queue/metrics.ts';
import { startQueueServices } from '../../queue/queue-services.ts';
import { checkRedisDurability } from '../../queue/redis-durability.ts';
import { RecordingAdapter, editInput, solidPng, waitFor } from './helpers.ts';
import { startSideRedis, type SideRedis } from './side-redis.ts';
import { TINT_SWEEP_FRAMES, TintRunner } from './tint-runner.ts';

const LOST = 'This edit was lost (the queue restarted and forgot it).';
let side: SideRedis;
let image: Buffer;

before(async () => {
  side = await startSideRedis();
  image = await solidPng({ r: 120, g: 30, b: 200 });
});
after(() => side.stop());

function clients() {
  const command = new Redis(side.url, { maxRetriesPerRequest: 3 });
  const blocking = new Redis(side.url, { maxRetriesPerRequest: null });
  // The restarts below refuse connections for a moment; ioredis reconnects by itself.
  for (const client of [command, blocking]) client.on('error', () => undefined);
  return { command, blocking, quit: () => Promise.all([command.quit(), blocking.quit()]) };
}

/** Records JSON log lines in memory. */
function recordingLogger() {
  const lines: { level: number; msg: string; [key: string]: unknown }[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { logger, lines };
}

test('a queued job whose keys vanish is reported once as lost; cancelled and untouched ones are not', async () => {
  const { command, blocking, quit } = clients();
  const metrics = createQueueMetrics();
  const common = { connection: command, prefix: 'lost-a', metrics };
  const adapter = new RecordingAdapter();
  const delivery = new EditDelivery({ ...common, connection: blocking, adapters: { discord: adapter } });
  const queue = new EditQueue({
    ...common,
    modelId: 'tint',
    sweepFrames: TINT_SWEEP_FRAMES,
    onEnqueued: (jobId, job) => delivery.watch(jobId, job),
  });
  try {
    await delivery.start();
    const as = (userId: string) =>
      editInput(image, { requester: { teamId: 'g', channelId: 'c', userId }, replyTo: { token: userId } });
    const evicted = await queue.enqueueEdit(as('user-evicted'));
    const cancelled = await queue.enqueueEdit(as('user-cancelled'));
    const waiting = await queue.enqueueEdit(as('user-waiting'));
    assert.equal(await queue.cancelEdit(cancelled.jobId, 'user-cancelled'), 'removed');
    // What eviction under memory pressure does: the job's hash is gone, nothing else says so.
    await command.del(queue.keys.job(evicted.jobId));

    assert.equal(await delivery.scan(), 1);
    assert.deepEqual(
      adapter.failed.map((f) => [f.jobId, f.code, f.userMessage, f.hint, f.job.replyTo]),
      [[evicted.jobId, 'job_lost', LOST, 'please send it again', { token: 'user-evicted' }]],
    );
    assert.equal(await delivery.scan(), 0, 'reported once');
    assert.equal(adapter.count(cancelled.jobId) + adapter.count(waiting.jobId), 0);

    // A restart without persistence forgets everything: the job still waiting is lost too.
    await side.restart();
    await waitFor(() => adapter.count(waiting.jobId) === 1, 20_000, 'the lost report after a restart');
    assert.equal(adapter.failed.at(-1)?.code, 'job_lost');
    assert.equal(adapter.count(cancelled.jobId), 0, 'a job cancelled on purpose is never reported lost');
  } finally {
    await delivery.close();
    await queue.close();
    await quit();
  }
});

test('of two vanished jobs, only the undelivered one is reported: a delivered one went by retention', async () => {
  const { command, blocking, quit } = clients();
  const metrics = createQueueMetrics();
  const common = { prefix: 'lost-b', metrics };
  const adapter = new RecordingAdapter();
  const runner = new TintRunner();
  const delivery = new EditDelivery({ ...common, connection: blocking, adapters: { discord: adapter } });
  const queue = new EditQueue({
    ...common,
    connection: command,
    modelId: runner.modelId,
    sweepFrames: TINT_SWEEP_FRAMES,
    onEnqueued: (jobId, job) => delivery.watch(jobId, job),
  });
  const worker = createEditWorker(runner, { ...common, connection: blocking });
  try {
    await delivery.start();
    const { jobId } = await queue.enqueueEdit(editInput(image));
    await waitFor(() => adapter.completed.length === 1, 10_000, 'the result');
    await worker.close();
    const waiting = await queue.enqueueEdit(
      editInput(image, { request: { ...editInput(image).request, seed: 8 } }),
    );
    await command.del(queue.keys.job(jobId), queue.keys.job(waiting.jobId));
    assert.equal(await delivery.scan(), 1);
    assert.deepEqual(
      adapter.failed.map((f) => [f.jobId, f.code]),
      [[waiting.jobId, 'job_lost']],
    );
    assert.equal(adapter.count(jobId), 1, 'the delivered one: its result only');
  } finally {
    await worker.close();
    await delivery.close();
    await queue.close();
    await quit();
  }
});

test('npm start wiring: Redis flushed while the job runs -> the user is told; the worker warns at start', async () => {
  await side.restart();
  const { logger, lines } = recordingLogger();
  const runner = new TintRunner({ stepMs: 100 });
  const adapter = new RecordingAdapter();
  const services = await startQueueServices({
    config: parseConfig({ REDIS_URL: side.url, KK_QUEUE_PREFIX: 'lost-c', KK_METRICS_PORT: '0' }),
    modelId: runner.modelId,
    sweepFrames: TINT_SWEEP_FRAMES,
    runner,
    adapters: { discord: adapter },
    logger,
    metrics: createQueueMetrics(),
  });
  try {
    await waitFor(() => lines.some((l) => /Redis may lose queued edits/.test(l.msg)), 5000, 'the warning');
    const warning = lines.find((l) => /Redis may lose queued edits/.test(l.msg));
    assert.equal(warning?.level, 40, 'a warning');
    assert.deepEqual(warning?.problems, ['appendonly is "no" (needs "yes")']);

    const input = editInput(image, { request: { ...editInput(image).request, steps: 20 } });
    const { jobId } = await services.queue.enqueueEdit(input);
    await waitFor(() => runner.calls.length === 1, 5000, 'the run under way');
    const admin = new Redis(side.url);
    await admin.flushall(); // the side server's own data: what a restart without persistence leaves
    await admin.quit();
    await services.delivery?.scan();
    await waitFor(() => adapter.failed.length === 1, 5000, 'the lost report');
    assert.deepEqual([adapter.failed[0]?.jobId, adapter.failed[0]?.code], [jobId, 'job_lost']);
    // The worker finishes its 2 s run into an empty Redis ("Missing key"); the user still hears once.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    await services.delivery?.scan();
    assert.equal(adapter.count(jobId), 1);
  } finally {
    await services.close();
  }
});

test('the durability check: AOF + noeviction is fine, eviction is named, a disabled CONFIG is unknown', async () => {
  const cases: [string[], string][] = [
    [['--appendonly', 'yes', '--maxmemory-policy', 'noeviction'], '{"status":"ok"}'],
    [
      ['--maxmemory-policy', 'allkeys-lru'],
      '{"status":"not_durable","problems":["appendonly is \\"no\\" (needs \\"yes\\")","maxmemory-policy is \\"allkeys-lru\\" (needs \\"noeviction\\")"]}',
    ],
  ];
  for (const [args, expected] of cases) {
    const server = await startSideRedis(args);
    const redis = new Redis(server.url);
    try {
      assert.equal(JSON.stringify(await checkRedisDurability(redis)), expected, args.join(' '));
    } finally {
      await redis.quit();
      await server.stop();
    }
  }
  const locked = await startSideRedis(['--rename-command', 'CONFIG', '']);
  const redis = new Redis(locked.url);
  try {
    const result = await checkRedisDurability(redis);
    assert.equal(result.status, 'unknown');
  } finally {
    await redis.quit();
    await locked.stop();
  }
});

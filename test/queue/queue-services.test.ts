import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../config/config.ts';
import { createQueueMetrics } from '../../queue/metrics.ts';
import { startQueueServices } from '../../queue/queue-services.ts';
import {
  REDIS_URL,
  RecordingAdapter,
  commandClient,
  deleteKeys,
  editInput,
  solidPng,
  uniquePrefix,
  waitFor,
} from './helpers.ts';
import { TINT_SWEEP_FRAMES, TintRunner } from './tint-runner.ts';

const prefix = uniquePrefix('services');
const redis = commandClient();

after(async () => {
  await deleteKeys(redis, prefix);
  await redis.quit();
});

test('startQueueServices wires queue, worker, delivery and /healthz from config, and closes in order', async () => {
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const config = parseConfig({
    REDIS_URL,
    KK_QUEUE_PREFIX: prefix,
    KK_METRICS_PORT: String(port),
    KK_WORKER_CONCURRENCY: '2',
    KK_USER_INFLIGHT_CAP: '3',
  });
  const runner = new TintRunner();
  const adapter = new RecordingAdapter();
  const services = await startQueueServices({
    config,
    modelId: runner.modelId,
    sweepFrames: TINT_SWEEP_FRAMES,
    runner,
    adapters: { cli: adapter },
    metrics: createQueueMetrics(),
  });
  try {
    assert.equal(services.worker?.worker.concurrency, 2);
    assert.deepEqual(services.delivery?.platforms, ['cli']);
    const { jobId } = await services.queue.enqueueEdit(
      editInput(await solidPng({ r: 1, g: 2, b: 3 }), { platform: 'cli' }),
    );
    assert.match(jobId, /^cli-/);
    await waitFor(() => adapter.completed.length === 1, 5000, 'delivery');
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    assert.deepEqual(await health.json(), { ok: true, checks: { redis: true, worker: true } });
  } finally {
    const closing = services.close();
    assert.equal(services.close(), closing);
    await closing;
  }
  await assert.rejects(fetch(`http://127.0.0.1:${port}/healthz`), 'the health server is closed');
});

test('KK_WORKER=0 (a bot-only replica) runs no worker; KK_METRICS_PORT=0 no server', async () => {
  const config = parseConfig({ REDIS_URL, KK_QUEUE_PREFIX: prefix, KK_WORKER: '0', KK_METRICS_PORT: '0' });
  const services = await startQueueServices({
    config,
    modelId: 'm',
    sweepFrames: TINT_SWEEP_FRAMES,
    runner: new TintRunner(),
    metrics: createQueueMetrics(),
  });
  try {
    assert.equal(services.worker, undefined);
    assert.equal(services.delivery, undefined);
    assert.equal(services.health, undefined);
  } finally {
    await services.close();
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startHealthServer } from '../../queue/health-server.ts';
import { harnessSuite } from './harness.ts';
import { RecordingAdapter, editInput, solidPng, sleep, waitFor } from './helpers.ts';
import { TintRunner } from './tint-runner.ts';

const { command, setup } = harnessSuite('delivery');
const image = await solidPng({ r: 30, g: 60, b: 90 });

test('restart recovery: jobs that finished while no bot listened are delivered on start, once', async () => {
  const runner = new TintRunner();
  const h = await setup(runner, { delivery: false });
  try {
    const done = await h.queue.enqueueEdit(editInput(image));
    const failed = await h.queue.enqueueEdit(editInput(new TextEncoder().encode('not an image')));
    await waitFor(
      async () => (await h.queue.queue.getJobCounts('completed', 'failed')).failed === 1,
      5000,
      'finish',
    );
    await waitFor(
      async () => (await h.queue.queue.getJobCounts('completed')).completed === 1,
      5000,
      'finish',
    );

    // Two bot replicas come up at once; each scans at start.
    const other = new RecordingAdapter();
    const [d1, d2] = await Promise.all([
      h.startDelivery(),
      h.startDelivery({ adapters: { discord: other } }),
    ]);
    await sleep(500); // several scans of both replicas
    assert.equal(h.adapter.count(done.jobId) + other.count(done.jobId), 1, 'completed job delivered once');
    assert.equal(h.adapter.count(failed.jobId) + other.count(failed.jobId), 1, 'failed job delivered once');
    assert.equal([...h.adapter.failed, ...other.failed][0]?.code, 'input_image');
    assert.equal(await d1.scan(), 0);
    assert.equal(await d2.scan(), 0);
    assert.equal(await command.zcard(h.queue.keys.pendingDelivery('discord')), 0, 'pending index drained');
  } finally {
    await h.close();
  }
});

test('live events with several replicas: each result is delivered exactly once', async () => {
  const runner = new TintRunner();
  const h = await setup(runner, { delivery: { scanIntervalMs: 50 } });
  const second = new RecordingAdapter();
  const third = new RecordingAdapter();
  try {
    await h.startDelivery({ adapters: { discord: second }, scanIntervalMs: 50 });
    await h.startDelivery({ adapters: { discord: third }, scanIntervalMs: 50 });
    const ids = [];
    for (let i = 0; i < 6; i++)
      ids.push(
        (
          await h.queue.enqueueEdit(
            editInput(image, {
              requester: { channelId: 'c', userId: `user-${i}` },
              request: { instruction: `e${i}`, strength: { kind: 'single', value: 0.1 }, seed: i },
            }),
          )
        ).jobId,
      );
    const total = () => [h.adapter, second, third].reduce((sum, a) => sum + a.completed.length, 0);
    await waitFor(() => total() === 6, 5000, 'six deliveries');
    await sleep(300);
    assert.equal(total(), 6);
    for (const id of ids) assert.equal(h.adapter.count(id) + second.count(id) + third.count(id), 1, id);
    const delivered = (await h.metrics.deliveries.get()).values.find((v) => v.labels.outcome === 'ok');
    assert.equal(delivered?.value, 6);
  } finally {
    await h.close();
  }
});

test('an adapter that throws is retried by the next scan, and delivered once', async () => {
  const runner = new TintRunner();
  const h = await setup(runner);
  h.adapter.failNext = 2;
  try {
    const { jobId } = await h.queue.enqueueEdit(editInput(image));
    await waitFor(() => h.adapter.completed.length === 1, 5000, 'delivery after retries');
    assert.equal(h.adapter.failNext, 0);
    await sleep(300);
    assert.equal(h.adapter.count(jobId), 1);
    const errors = (await h.metrics.deliveries.get()).values.find((v) => v.labels.outcome === 'error');
    assert.equal(errors?.value, 2);
  } finally {
    await h.close();
  }
});

test('the worker closes gracefully: the running job finishes first; close() is idempotent', async () => {
  const runner = new TintRunner({ stepMs: 60 });
  const h = await setup(runner);
  try {
    const { jobId } = await h.queue.enqueueEdit(
      editInput(image, { request: { instruction: 'x', strength: { kind: 'single', value: 1 }, seed: 1 } }),
    );
    await runner.started;
    const worker = h.worker;
    assert.ok(worker);
    const [first, second] = [worker.close(), worker.close()];
    assert.equal(first, second);
    await first;
    const job = await h.queue.queue.getJob(jobId);
    assert.equal(await job?.getState(), 'completed');
    assert.equal(worker.isRunning(), false);
  } finally {
    await h.close();
  }
});

test('past the shutdown timeout a running job goes back to the queue and another worker finishes it', async () => {
  const runner = new TintRunner({ stepMs: 100, defaultSteps: 20 });
  const h = await setup(runner, { worker: { shutdownTimeoutMs: 100 } });
  try {
    const long = editInput(image, {
      request: { instruction: 'slow', strength: { kind: 'single', value: 1 }, seed: 5 },
    });
    const { jobId } = await h.queue.enqueueEdit(long);
    await runner.started;
    const closing = Date.now();
    await h.worker?.close();
    assert.ok(Date.now() - closing < 1000, 'close() did not wait for the 2 s job');
    assert.equal(runner.calls[0]?.signal?.aborted, true, 'the runner was told to stop');
    assert.equal(
      await (await h.queue.queue.getJob(jobId))?.getState(),
      'prioritized',
      'back in line, not failed',
    );
    assert.deepEqual(await h.queue.getQueuePosition(jobId), { state: 'queued', position: 1 });
    h.startWorker();
    await waitFor(() => h.adapter.count(jobId) === 1, 5000, 'requeued job delivered');
    assert.equal(runner.calls.length, 2);
    assert.equal(h.adapter.failed.length, 0);
  } finally {
    await h.close();
  }
});

test('/healthz reports Redis and the worker; /metrics lists the queue metrics', async () => {
  const runner = new TintRunner();
  const h = await setup(runner);
  const worker = h.worker;
  assert.ok(worker);
  const server = await startHealthServer({
    port: 0,
    host: '127.0.0.1',
    registry: h.metrics.registry,
    checks: { redis: async () => (await command.ping()) === 'PONG', worker: () => worker.isRunning() },
  });
  try {
    await h.queue.enqueueEdit(editInput(image));
    await waitFor(() => h.adapter.completed.length === 1, 5000, 'completion');
    const health = await fetch(`http://127.0.0.1:${server.port}/healthz`);
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { ok: true, checks: { redis: true, worker: true } });
    const metrics = await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text();
    for (const name of [
      'kk_queue_jobs{queue="',
      'kk_queue_enqueued_total',
      'kk_queue_wait_seconds_bucket',
      'kk_queue_run_seconds_bucket',
      'kk_queue_cache_misses_total 1',
      'kk_queue_deliveries_total{platform="discord",kind="completed",outcome="ok"} 1',
      'kk_queue_delivery_seconds_bucket',
    ])
      assert.ok(metrics.includes(name), `missing ${name}`);
    assert.match(metrics, /kk_queue_jobs\{queue="q\d+",state="completed"\} 1/);
    await worker.close();
    const down = await fetch(`http://127.0.0.1:${server.port}/healthz`);
    assert.equal(down.status, 503);
    assert.deepEqual(await down.json(), { ok: false, checks: { redis: true, worker: false } });
  } finally {
    await server.close();
    await h.close();
  }
});

test('a completed job whose result is unreadable is reported as an internal failure, once', async () => {
  class BrokenRunner extends TintRunner {
    override async run(input: Parameters<TintRunner['run']>[0]) {
      return { ...(await super.run(input)), width: 0 };
    }
  }
  const h = await setup(new BrokenRunner());
  try {
    const { jobId } = await h.queue.enqueueEdit(editInput(image));
    await waitFor(() => h.adapter.failed.length === 1, 5000, 'failure delivery');
    assert.equal(h.adapter.failed[0]?.code, 'internal');
    await sleep(300);
    assert.equal(h.adapter.count(jobId), 1);
  } finally {
    await h.close();
  }
});

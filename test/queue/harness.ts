/**
 * Wires an EditQueue, an EditWorker and an EditDelivery on one test queue (its own queue name under
 * the test file's prefix), with fast timings. `close()` shuts all of them down.
 */
import { TINT_SWEEP_FRAMES } from './tint-runner.ts';
import type { RedisClient } from '../../queue/redis-connection.ts';
import { EditDelivery, type EditDeliveryOptions } from '../../queue/delivery.ts';
import { EditQueue, type EditQueueOptions } from '../../queue/edit-queue.ts';
import { createEditWorker, type EditWorker, type EditWorkerOptions } from '../../queue/edit-worker.ts';
import { createQueueMetrics, type QueueMetrics } from '../../queue/metrics.ts';
import type { EditRunner } from '../../pipeline/types.ts';
import { after } from 'node:test';
import { RecordingAdapter, blockingClient, commandClient, deleteKeys, uniquePrefix } from './helpers.ts';

export interface HarnessOptions {
  prefix: string;
  queueName: string;
  command: RedisClient;
  blocking: RedisClient;
  runner: EditRunner;
  queue?: Partial<EditQueueOptions>;
  worker?: Partial<EditWorkerOptions> | false;
  delivery?: Partial<EditDeliveryOptions> | false;
}

export interface Harness {
  queue: EditQueue;
  worker: EditWorker | undefined;
  delivery: EditDelivery | undefined;
  adapter: RecordingAdapter;
  metrics: QueueMetrics;
  startWorker(overrides?: Partial<EditWorkerOptions>): EditWorker;
  startDelivery(overrides?: Partial<EditDeliveryOptions>): Promise<EditDelivery>;
  close(): Promise<void>;
}

export async function createHarness(options: HarnessOptions): Promise<Harness> {
  const metrics = createQueueMetrics();
  const adapter = new RecordingAdapter();
  const common = { prefix: options.prefix, queueName: options.queueName, metrics };
  const queue = new EditQueue({
    connection: options.command,
    modelId: options.runner.modelId,
    sweepFrames: TINT_SWEEP_FRAMES,
    ...common,
    ...options.queue,
  });
  const workers: EditWorker[] = [];
  const deliveries: EditDelivery[] = [];
  const harness: Harness = {
    queue,
    worker: undefined,
    delivery: undefined,
    adapter,
    metrics,
    startWorker(overrides = {}) {
      const worker = createEditWorker(options.runner, {
        connection: options.blocking,
        ...common,
        stalledInterval: 500,
        lockDuration: 2000,
        progressIntervalMs: 0,
        cancelPollMs: 50,
        backoff: { baseMs: 50, maxMs: 200, jitter: 0 },
        ...(options.worker || {}),
        ...overrides,
      });
      workers.push(worker);
      return worker;
    },
    async startDelivery(overrides = {}) {
      const delivery = new EditDelivery({
        connection: options.blocking,
        ...common,
        adapters: { discord: adapter, slack: adapter },
        scanIntervalMs: 200,
        ...(options.delivery || {}),
        ...overrides,
      });
      deliveries.push(delivery);
      await delivery.start();
      return delivery;
    },
    async close() {
      await Promise.all(workers.map((w) => w.close()));
      await Promise.all(deliveries.map((d) => d.close()));
      await queue.close();
    },
  };
  if (options.worker !== false) {
    harness.worker = harness.startWorker();
    await harness.worker.waitUntilReady();
  }
  if (options.delivery !== false) harness.delivery = await harness.startDelivery();
  return harness;
}

export interface HarnessSuite {
  prefix: string;
  command: RedisClient;
  blocking: RedisClient;
  /** A harness on a fresh queue name under this file's prefix. */
  setup(runner: EditRunner, extra?: Partial<HarnessOptions>): Promise<Harness>;
}

/**
 * The per-file wiring of a queue test: a unique prefix, a command and a blocking client, and an `after`
 * hook that deletes the file's keys and closes both clients.
 */
export function harnessSuite(name: string): HarnessSuite {
  const prefix = uniquePrefix(name);
  const command = commandClient();
  const blocking = blockingClient();
  let queueNo = 0;
  after(async () => {
    await deleteKeys(command, prefix);
    await Promise.all([command.quit(), blocking.quit()]);
  });
  return {
    prefix,
    command,
    blocking,
    setup: (runner, extra = {}) =>
      createHarness({ prefix, queueName: `q${++queueNo}`, command, blocking, runner, ...extra }),
  };
}

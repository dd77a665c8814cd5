/**
 * Queue benchmark: `npx tsx bench/queue.ts [--jobs N] [--rate R] [--burst N] [--concurrency C]`.
 *
 * 1. Overhead at an offered load: N jobs enqueued at R jobs/s (default 1000 at 100/s) through the real
 *    path (blob store, admission Lua, BullMQ, worker, result blobs, QueueEvents, delivery claim, blob
 *    loads) with a no-op runner, timing
 *      - enqueue -> worker start: `enqueueEdit()` called -> the runner is entered;
 *      - completion -> delivery: the runner returns -> the adapter's `onCompleted` is entered.
 * 2. Throughput: a burst of jobs enqueued as fast as 32 concurrent callers can, drained by one worker
 *    with `--concurrency` slots; jobs/s from the first enqueue to the last delivery. Everything runs in
 *    this one Node process, which is usually the limit; Redis's own CPU time per job (INFO cpu) gives the
 *    rate at which a single-threaded Redis would be saturated.
 *
 * Redis: REDIS_URL (default 127.0.0.1:6379); keys go under a fresh prefix, deleted at the end.
 * Prints a markdown table (for BENCHMARKS.md).
 */
import { randomUUID } from 'node:crypto';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { Redis } from 'ioredis';
import { parseConfig } from '../config/config.ts';
import type { EditInput, EditResult, EditRunner } from '../pipeline/types.ts';
import { EditDelivery, type DeliveryAdapter } from '../queue/delivery.ts';
import { EditQueue } from '../queue/edit-queue.ts';
import { createEditWorker } from '../queue/edit-worker.ts';
import { createQueueMetrics } from '../queue/metrics.ts';
import { createRedis } from '../queue/redis-connection.ts';

const { values } = parseArgs({
  options: {
    jobs: { type: 'string', default: '1000' },
    rate: { type: 'string', default: '100' },
    burst: { type: 'string', default: '3000' },
    concurrency: { type: 'string', default: '16' },
  },
});
const config = parseConfig({ ...process.env, KK_QUEUE_PREFIX: `kkbench-${randomUUID().slice(0, 8)}` });
const prefix = config.KK_QUEUE_PREFIX;

/** Returns a fixed tiny PNG at once: everything measured is queue overhead. */
class NoopRunner implements EditRunner {
  readonly modelId = 'noop';
  onStart: (instruction: string) => void = () => undefined;
  onReturn: (instruction: string) => void = () => undefined;
  constructor(private readonly png: Buffer) {}
  async run(input: EditInput): Promise<EditResult> {
    this.onStart(input.instruction);
    const result: EditResult = {
      kind: 'single',
      files: [{ name: 'edit.png', mime: 'image/png', data: this.png }],
      width: 8,
      height: 8,
      strengths: input.strengths,
      seed: input.seed,
      steps: 1,
      modelId: this.modelId,
      timings: { total: 0 },
    };
    this.onReturn(input.instruction);
    return result;
  }
  async dispose(): Promise<void> {}
}

async function runPhase(
  name: string,
  count: number,
  enqueueAll: (enqueue: (i: number) => Promise<void>) => Promise<void>,
  concurrency: number,
) {
  const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#777' } })
    .png()
    .toBuffer();
  const source = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#345' } })
    .png()
    .toBuffer();
  const runner = new NoopRunner(png);
  const command = createRedis(config, 'command');
  const blocking = createRedis(config, 'blocking');
  const metrics = createQueueMetrics();
  const common = { prefix, queueName: name, metrics };
  const queue = new EditQueue({
    connection: command,
    modelId: runner.modelId,
    // Only sweeps without a count read it; the benchmark's jobs give their strengths.
    sweepFrames: 8,
    userInflightCap: 1000,
    teamInflightCap: 100_000,
    ...common,
  });
  const worker = createEditWorker(runner, { connection: blocking, concurrency, ...common });
  const enqueuedAt = new Map<string, number>();
  const startLatency: number[] = [];
  const returnedAt = new Map<string, number>();
  const deliveryLatency: number[] = [];
  let delivered = 0;
  let lastDelivery = 0;
  runner.onStart = (id) => startLatency.push(performance.now() - (enqueuedAt.get(id) ?? NaN));
  runner.onReturn = (id) => returnedAt.set(id, performance.now());
  const adapter: DeliveryAdapter = {
    async onCompleted({ job }) {
      lastDelivery = performance.now();
      deliveryLatency.push(lastDelivery - (returnedAt.get(job.request.instruction) ?? NaN));
      delivered += 1;
    },
    async onFailed({ jobId, code }) {
      throw new Error(`bench job ${jobId} failed: ${code}`);
    },
  };
  const delivery = new EditDelivery({ connection: blocking, adapters: { cli: adapter }, ...common });
  await worker.waitUntilReady();
  await delivery.start();

  const started = performance.now();
  await enqueueAll(async (i) => {
    const instruction = `${name}-${i}`;
    enqueuedAt.set(instruction, performance.now());
    await queue.enqueueEdit({
      platform: 'cli',
      interactionId: `${name}-${i}`,
      request: { instruction, strength: { kind: 'single', value: 0.5 }, seed: 1 },
      image: source,
      requester: { channelId: 'bench', userId: `user-${i % 50}` },
      replyTo: {},
    });
  });
  const enqueued = performance.now();
  while (delivered < count) await new Promise((resolve) => setTimeout(resolve, 5));
  await worker.close();
  await delivery.close();
  await queue.close();
  await Promise.all([command.quit(), blocking.quit()]);
  return {
    startLatency,
    deliveryLatency,
    seconds: (lastDelivery - started) / 1000,
    enqueueSeconds: (enqueued - started) / 1000,
  };
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}
const ms = (v: number) => `${v.toFixed(1)} ms`;

const jobs = Number(values.jobs);
const rate = Number(values.rate);
const burst = Number(values.burst);
const concurrency = Number(values.concurrency);

// 1. Offered load: one enqueue every 1000/rate ms, without waiting for the previous one.
const paced = await runPhase(
  'paced',
  jobs,
  async (enqueue) => {
    const pending: Promise<void>[] = [];
    const t0 = performance.now();
    for (let i = 0; i < jobs; i++) {
      const due = t0 + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      pending.push(enqueue(i));
    }
    await Promise.all(pending);
  },
  1,
);

// 2. Burst: as fast as 32 callers can enqueue. Redis's own CPU time says whether Redis is the limit.
const probe = new Redis(config.REDIS_URL);
const redisCpu = async () => {
  const info = await probe.info('cpu');
  const field = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? 0);
  return field('used_cpu_user') + field('used_cpu_sys');
};
const cpuBefore = await redisCpu();
const flood = await runPhase(
  'burst',
  burst,
  async (enqueue) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (next < burst) await enqueue(next++);
      }),
    );
  },
  concurrency,
);

const redisBusy = (await redisCpu()) - cpuBefore;
const version = /redis_version:(\S+)/.exec(await probe.info('server'))?.[1] ?? '?';
let cursor = '0';
do {
  const [next, keys] = await probe.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
  cursor = next;
  if (keys.length > 0) await probe.del(...keys);
} while (cursor !== '0');
await probe.quit();

console.log(
  `\nQueue overhead, no-op runner (Redis ${version} on ${config.REDIS_URL}, ${cpus().length} CPU cores, Node ${process.version})\n`,
);
console.log('| measure | value |');
console.log('| --- | --- |');
console.log(`| offered load | ${jobs} jobs at ${rate} jobs/s, worker concurrency 1 |`);
console.log(
  `| enqueue -> worker start, p50 / p99 | ${ms(percentile(paced.startLatency, 50))} / ${ms(percentile(paced.startLatency, 99))} |`,
);
console.log(
  `| completion -> delivery, p50 / p99 | ${ms(percentile(paced.deliveryLatency, 50))} / ${ms(percentile(paced.deliveryLatency, 99))} |`,
);
console.log(`| burst | ${burst} jobs, 32 enqueuers, worker concurrency ${concurrency} |`);
console.log(`| enqueue rate | ${(burst / flood.enqueueSeconds).toFixed(0)} jobs/s |`);
console.log(
  `| end-to-end throughput (enqueue -> delivered) | ${(burst / flood.seconds).toFixed(0)} jobs/s |`,
);
const perJobMs = (1000 * redisBusy) / burst;
console.log(
  `| Redis CPU during the burst | ${((100 * redisBusy) / flood.seconds).toFixed(0)}% of one core |`,
);
console.log(`| Redis CPU per job (all commands of one job's life) | ${perJobMs.toFixed(3)} ms |`);
console.log(`| Redis ceiling implied by that (one core busy) | ~${(1000 / perJobMs).toFixed(0)} jobs/s |`);
console.log(
  `| burst: completion -> delivery, p50 / p99 | ${ms(percentile(flood.deliveryLatency, 50))} / ${ms(percentile(flood.deliveryLatency, 99))} |`,
);

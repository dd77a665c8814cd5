/**
 * `createEditWorker(runner, opts)`: a BullMQ worker that runs edit jobs on an `EditRunner`.
 * One per GPU host (`KK_WORKER=1`), or one in-process for the all-in-one `npm start`.
 *
 * Shutdown (`close()`, e.g. on SIGTERM): stop taking jobs, let the running ones finish for up to
 * `shutdownTimeoutMs`, then abort them and move them back to the queue for another worker. A runner
 * that ignores the abort is abandoned after a further `forceCloseAfterMs`; its lock then expires and
 * the stalled-job check of any other worker puts the job back in line. With no job running, a close that
 * has not finished after `idleCloseMs` (BullMQ waits for Redis, which may be down) is given up on: there
 * is nothing to hand back, so shutdown must not wait for Redis.
 */
import { hostname } from 'node:os';
import { Queue, Worker } from 'bullmq';
import type { Logger } from '../config/logger.ts';
import { silentLogger } from '../config/logger.ts';
import type { EditRunner } from '../pipeline/types.ts';
import { BlobStore } from './blob-store.ts';
import type { EditJobData, EditJobResult } from './edit-job.ts';
import { createEditProcessor } from './edit-processor.ts';
import { DEFAULT_QUEUE_NAME, QueueKeys } from './keys.ts';
import { sharedQueueMetrics, type QueueMetrics } from './metrics.ts';
import type { RedisClient } from './redis-connection.ts';
import { ResultCache } from './result-cache.ts';
import { withDefaults } from './options.ts';
import { BACKOFF_TYPE, DEFAULT_BACKOFF, retryDelayMs, type BackoffOptions } from './retry.ts';

export interface EditWorkerOptions {
  /** A 'blocking' client (redis-connection.ts); BullMQ duplicates it, it is not closed by `close()`. */
  connection: RedisClient;
  /** BullMQ key prefix: `queuePrefix(config)`. */
  prefix: string;
  /** @defaultValue 'edits' */
  queueName?: string;
  /** Jobs run at once by this worker. @defaultValue 1 (KK_WORKER_CONCURRENCY) */
  concurrency?: number;
  /** @defaultValue 86400 (KK_BLOB_TTL_SECONDS) */
  blobTtlSeconds?: number;
  /** @defaultValue 25 MiB (KK_BLOB_MAX_BYTES) */
  blobMaxBytes?: number;
  /** Byte budget per output file. @defaultValue 8 MiB (KK_OUTPUT_MAX_BYTES) */
  outputMaxBytes?: number;
  /** Delay between retries of a transient failure. @defaultValue DEFAULT_BACKOFF (2 s doubling, max 60 s) */
  backoff?: BackoffOptions;
  /** A job's lock; a worker silent this long loses the job to another. @defaultValue 30000 */
  lockDuration?: number;
  /** How often this worker looks for stalled jobs of dead workers. @defaultValue 30000 */
  stalledInterval?: number;
  /** Times a job may stall (its worker died) before it fails. @defaultValue 1 */
  maxStalledCount?: number;
  /** Grace for running jobs on `close()` before they are moved back to the queue. @defaultValue 25000 */
  shutdownTimeoutMs?: number;
  /** Extra wait for a runner that ignores the abort before `close()` gives up on it. @defaultValue 5000 */
  forceCloseAfterMs?: number;
  /**
   * With no job running, how long `close()` waits for BullMQ to close before giving up (Redis down or
   * stalled: nothing is lost, no job is held). @defaultValue 2000
   */
  idleCloseMs?: number;
  /** At most one progress write per job per this many ms (stage changes always pass). @defaultValue 500 */
  progressIntervalMs?: number;
  /** How often a running job checks its cancel flag besides on progress. @defaultValue 1000 */
  cancelPollMs?: number;
  /** Shown in BullMQ's job records. @defaultValue `${hostname()}:${pid}` */
  name?: string;
  /** Start taking jobs at once. @defaultValue true */
  autorun?: boolean;
  /** @defaultValue silentLogger */
  logger?: Logger;
  /** @defaultValue sharedQueueMetrics() */
  metrics?: QueueMetrics;
  /** Gets the worker's 'error' events (queue-services.ts: one line per Redis outage). @defaultValue log each */
  onError?: (err: Error) => void;
}

export interface EditWorker {
  readonly worker: Worker<EditJobData, EditJobResult>;
  readonly cache: ResultCache;
  waitUntilReady(): Promise<void>;
  isRunning(): boolean;
  /** Graceful, bounded shutdown; idempotent. Does not dispose the runner. */
  close(): Promise<void>;
}

export function createEditWorker(runner: EditRunner, options: EditWorkerOptions): EditWorker {
  const defaults = {
    queueName: DEFAULT_QUEUE_NAME,
    concurrency: 1,
    blobTtlSeconds: 24 * 3600,
    blobMaxBytes: 25 * 1024 * 1024,
    outputMaxBytes: 8 * 1024 * 1024,
    backoff: DEFAULT_BACKOFF,
    lockDuration: 30_000,
    stalledInterval: 30_000,
    maxStalledCount: 1,
    shutdownTimeoutMs: 25_000,
    forceCloseAfterMs: 5_000,
    idleCloseMs: 2_000,
    progressIntervalMs: 500,
    cancelPollMs: 1_000,
    name: `${hostname()}:${process.pid}`,
    autorun: true,
    logger: silentLogger,
    metrics: sharedQueueMetrics(),
  };
  const opts = withDefaults(defaults, options);
  for (const key of ['concurrency', 'lockDuration', 'stalledInterval', 'cancelPollMs'] as const)
    if (!(opts[key] > 0)) throw new RangeError(`${key} must be greater than 0`);
  if (opts.shutdownTimeoutMs < 0 || opts.forceCloseAfterMs < 0 || opts.idleCloseMs < 0)
    throw new RangeError('timeouts must be >= 0');

  const redis = options.connection;
  const keys = new QueueKeys(opts.prefix, opts.queueName);
  const blobs = new BlobStore(redis, keys, { ttlSeconds: opts.blobTtlSeconds, maxBytes: opts.blobMaxBytes });
  const cache = new ResultCache(redis, keys, blobs);
  const shutdown = new AbortController();
  const logger = opts.logger.child({ worker: opts.name, modelId: runner.modelId });

  /** Jobs inside the processor now: what `close()` must finish or hand back. */
  let running = 0;
  const processor = createEditProcessor({
    runner,
    redis,
    keys,
    blobs,
    cache,
    metrics: opts.metrics,
    logger,
    outputMaxBytes: opts.outputMaxBytes,
    progressIntervalMs: opts.progressIntervalMs,
    cancelPollMs: opts.cancelPollMs,
    shutdownSignal: shutdown.signal,
  });
  const worker = new Worker<EditJobData, EditJobResult>(
    opts.queueName,
    // BullMQ passes an AbortSignal only to processors declaring three parameters.
    async (job, token, signal) => {
      running += 1;
      try {
        return await processor(job, token, signal);
      } finally {
        running -= 1;
      }
    },
    {
      connection: redis,
      prefix: opts.prefix,
      name: opts.name,
      concurrency: opts.concurrency,
      autorun: opts.autorun,
      lockDuration: opts.lockDuration,
      stalledInterval: opts.stalledInterval,
      maxStalledCount: opts.maxStalledCount,
      settings: {
        backoffStrategy: (attemptsMade, type) =>
          type === BACKOFF_TYPE
            ? retryDelayMs(attemptsMade, opts.backoff, Math.random())
            : opts.backoff.baseMs,
      },
    },
  );
  const onError = options.onError ?? ((err: Error) => logger.error({ err }, 'worker error'));
  worker.on('error', onError);
  worker.on('stalled', (jobId) => logger.warn({ jobId }, 'job stalled (its worker died); back in the queue'));
  // A producer handle on the same queue, only for the depth gauge of worker-only hosts.
  const counts = new Queue(opts.queueName, { connection: redis, prefix: opts.prefix });
  counts.on('error', onError);
  opts.metrics.watchQueue(counts);

  let closing: Promise<void> | undefined;
  return {
    worker,
    cache,
    waitUntilReady: () => worker.waitUntilReady(),
    isRunning: () => worker.isRunning() && closing === undefined,
    close() {
      closing ??= (async () => {
        logger.info('worker closing: finishing running jobs');
        const closed = worker.close();
        const requeue = setTimeout(
          () => shutdown.abort(new Error('worker shutdown')),
          opts.shutdownTimeoutMs,
        );
        let abandon: NodeJS.Timeout | undefined;
        const giveUp = new Promise<'abandoned'>((resolve) => {
          abandon = setTimeout(() => resolve('abandoned'), opts.shutdownTimeoutMs + opts.forceCloseAfterMs);
        });
        const idle = whenIdleFor(() => running === 0, opts.idleCloseMs);
        const result = await Promise.race([closed.then(() => 'closed' as const), giveUp, idle.done]);
        idle.stop();
        clearTimeout(requeue);
        clearTimeout(abandon);
        opts.metrics.unwatchQueue(counts);
        if (result === 'closed') {
          await counts.close();
          logger.info('worker closed');
          return;
        }
        // BullMQ is still waiting on Redis: drop its connections instead of waiting for a graceful quit
        // (not awaited: disconnect() itself first waits for the connection to be ready).
        void Promise.allSettled([worker.disconnect(), counts.disconnect()]);
        if (result === 'idle')
          logger.warn('worker closed without Redis (unreachable or stalled); no job was running');
        else if (running > 0)
          logger.error('a runner ignored the abort; its job will stall back to the queue');
        else logger.warn('worker closed without Redis; its requeued jobs will stall back to the queue');
      })();
      return closing;
    },
  };
}

/**
 * Resolves `done` with 'idle' once `isIdle()` has held for `ms` in a row (polled every 50 ms); `stop()`
 * ends the polling.
 */
function whenIdleFor(isIdle: () => boolean, ms: number): { done: Promise<'idle'>; stop(): void } {
  let timer: NodeJS.Timeout | undefined;
  let idleSince: number | undefined;
  const done = new Promise<'idle'>((resolve) => {
    const poll = () => {
      const now = Date.now();
      idleSince = isIdle() ? (idleSince ?? now) : undefined;
      if (idleSince !== undefined && now - idleSince >= ms) return resolve('idle');
      timer = setTimeout(poll, 50);
    };
    poll();
  });
  return { done, stop: () => clearTimeout(timer) };
}

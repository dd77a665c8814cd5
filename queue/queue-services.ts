/**
 * Everything the queue layer runs in one process, built from config: the Redis clients, the
 * `EditQueue` (always: bots enqueue, cancel and read positions), a worker when a runner is given and
 * KK_WORKER is on, a delivery when adapters are given, and the /metrics + /healthz server on
 * KK_METRICS_PORT (0: none). `close()` stops them in the order that loses nothing: the worker
 * finishes (or requeues) its job, delivery hands over what finished, then the connections close.
 */
import type { Config } from '../config/config.ts';
import type { Logger } from '../config/logger.ts';
import { silentLogger } from '../config/logger.ts';
import type { EditRunner } from '../pipeline/types.ts';
import { EditDelivery, type DeliveryAdapter } from './delivery.ts';
import type { Platform } from './edit-job.ts';
import { EditQueue } from './edit-queue.ts';
import { createEditWorker, type EditWorker } from './edit-worker.ts';
import { startHealthServer, type HealthCheck, type HealthServer } from './health-server.ts';
import { sharedQueueMetrics, type QueueMetrics } from './metrics.ts';
import { createRedis, queuePrefix, type RedisClient } from './redis-connection.ts';
import { warnIfRedisNotDurable } from './redis-durability.ts';
import { RedisOutageReporter, redactRedisUrl } from './redis-outage.ts';

export interface QueueServicesOptions {
  config: Config;
  /** The model bots ask for (the bundle id); a worker's runner must serve the same one. */
  modelId: string;
  /** The model's `defaults.sweepFrames` (model.json): the frames of `strength:sweep` without a count. */
  sweepFrames: number;
  /** Runs a worker in this process when given and `config.KK_WORKER` is true. */
  runner?: EditRunner;
  /** Runs delivery in this process for these platforms when given. */
  adapters?: Partial<Record<Platform, DeliveryAdapter>>;
  /** @defaultValue silentLogger */
  logger?: Logger;
  /** @defaultValue sharedQueueMetrics() */
  metrics?: QueueMetrics;
}

export interface QueueServices {
  readonly queue: EditQueue;
  readonly worker: EditWorker | undefined;
  readonly delivery: EditDelivery | undefined;
  readonly health: HealthServer | undefined;
  readonly metrics: QueueMetrics;
  /** Idempotent; does not dispose the runner. */
  close(): Promise<void>;
}

export async function startQueueServices(options: QueueServicesOptions): Promise<QueueServices> {
  const { config, modelId } = options;
  const logger = options.logger ?? silentLogger;
  const metrics = options.metrics ?? sharedQueueMetrics();
  const prefix = queuePrefix(config);
  const blobs = { blobTtlSeconds: config.KK_BLOB_TTL_SECONDS, blobMaxBytes: config.KK_BLOB_MAX_BYTES };
  const command = createRedis(config, 'command', { connectionName: 'kk:command' });
  // Workers and QueueEvents block; BullMQ duplicates this client for each blocking consumer.
  const blocking = createRedis(config, 'blocking', { connectionName: 'kk:blocking' });
  const clients: RedisClient[] = [command, blocking];
  const outage = new RedisOutageReporter(
    logger.child({ component: 'redis' }),
    redactRedisUrl(config.REDIS_URL),
  );
  for (const client of clients) {
    client.on('error', (err: unknown) => outage.report(err, 'redis'));
    client.on('ready', () => outage.connected());
  }

  // Made before the queue, which hands it every job it adds to watch (lost-jobs.ts).
  const delivery =
    options.adapters && Object.keys(options.adapters).length > 0
      ? new EditDelivery({
          connection: blocking,
          prefix,
          adapters: options.adapters,
          deliveredTtlSeconds: config.KK_BLOB_TTL_SECONDS,
          logger: logger.child({ component: 'delivery' }),
          metrics,
          onError: (err) => outage.report(err, 'delivery'),
        })
      : undefined;
  const queue = new EditQueue({
    connection: command,
    prefix,
    modelId,
    sweepFrames: options.sweepFrames,
    ...blobs,
    userInflightCap: config.KK_USER_INFLIGHT_CAP,
    teamInflightCap: config.KK_TEAM_INFLIGHT_CAP,
    keepFinishedSeconds: config.KK_BLOB_TTL_SECONDS,
    logger: logger.child({ component: 'queue' }),
    metrics,
    onEnqueued: (jobId, job) => delivery?.watch(jobId, job),
    // Without a listener BullMQ prints every 'error' with its stack (a reconnect attempt each time).
    onError: (err) => outage.report(err, 'queue'),
  });
  const worker =
    options.runner && config.KK_WORKER
      ? createEditWorker(options.runner, {
          connection: blocking,
          prefix,
          concurrency: config.KK_WORKER_CONCURRENCY,
          ...blobs,
          outputMaxBytes: config.KK_OUTPUT_MAX_BYTES,
          logger: logger.child({ component: 'worker' }),
          metrics,
          onError: (err) => outage.report(err, 'worker'),
        })
      : undefined;

  const checks: Record<string, HealthCheck> = { redis: async () => (await command.ping()) === 'PONG' };
  if (worker) checks.worker = () => worker.isRunning();
  const health =
    config.KK_METRICS_PORT === 0
      ? undefined
      : await startHealthServer({ port: config.KK_METRICS_PORT, registry: metrics.registry, checks });
  // Not awaited: an answer (or a Redis still coming up) must not hold the start; the check never throws.
  if (worker) void warnIfRedisNotDurable(command, logger.child({ component: 'redis' }));
  await worker?.waitUntilReady();
  await delivery?.start();
  logger.info(
    { prefix, worker: worker !== undefined, delivery: delivery?.platforms ?? [], metricsPort: health?.port },
    'queue services started',
  );

  let closing: Promise<void> | undefined;
  return {
    queue,
    worker,
    delivery,
    health,
    metrics,
    close() {
      closing ??= (async () => {
        // The worker bounds itself (its job's grace, or idleCloseMs when none runs). The rest talk to Redis
        // to close gracefully; with Redis down or stalled that would never end, so each step gets a bound.
        await worker?.close();
        const bounded = (what: string, step: Promise<unknown> | undefined) =>
          withinMs(step, CLOSE_STEP_MS).then((finished) => {
            if (!finished) logger.warn({ step: what }, `${what} did not close in time (Redis unreachable?)`);
          });
        await bounded('delivery', delivery?.close());
        await bounded('queue', queue.close());
        await bounded('health server', health?.close());
        await Promise.all(
          clients.map((client) =>
            withinMs(
              client.quit().catch(() => undefined),
              CLOSE_STEP_MS,
            ).then(() => client.disconnect()),
          ),
        );
      })();
      return closing;
    },
  };
}

/** Each step of `close()` after the worker's: long enough for a graceful close on a live Redis. */
const CLOSE_STEP_MS = 2000;

/** Resolves true when `step` settles within `ms`, false otherwise (never rejects). */
function withinMs(step: Promise<unknown> | undefined, ms: number): Promise<boolean> {
  if (!step) return Promise.resolve(true);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  return Promise.race([
    step.then(
      () => true,
      () => true,
    ),
    late,
  ]).finally(() => clearTimeout(timer));
}

/**
 * The whole shutdown's limit: Kubernetes' default grace period, after which it would SIGKILL anyway.
 * The worker's own timeline (25 s for a running job, 5 s more for a runner ignoring the abort) fits in it.
 */
export const SHUTDOWN_GRACE_MS = 30_000;

/**
 * Closes `services` on SIGTERM/SIGINT and then exits; returns a function that removes the handlers. If
 * closing has not finished after `graceMs` (something waits on a Redis that never answers), it exits
 * with code 1 anyway: a shutdown must end within its grace period whatever Redis does.
 */
export function closeOnSignals(
  services: Pick<QueueServices, 'close'>,
  logger: Logger = silentLogger,
  graceMs: number = SHUTDOWN_GRACE_MS,
): () => void {
  const handler = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'shutting down');
    setTimeout(() => {
      logger.error({ graceMs }, 'shutdown did not finish within its grace period; exiting');
      process.exit(1);
    }, graceMs).unref();
    services.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', handler);
  process.once('SIGINT', handler);
  return () => {
    process.off('SIGTERM', handler);
    process.off('SIGINT', handler);
  };
}

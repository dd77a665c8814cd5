/**
 * The bot side of results: progress, completion and failure of the jobs of this bot's platform(s),
 * handed to a `DeliveryAdapter` exactly once (see delivery-ledger.ts for the guarantee and its one
 * window). Live events come from BullMQ's QueueEvents; a recovery scan, at start and every
 * `scanIntervalMs`, walks the platform's pending-delivery index and delivers whatever finished while
 * no bot listened (a restart, a crashed replica, a failed adapter call). The same scan reports the jobs
 * this process enqueued (`watch`) that vanished from Redis as failed with code 'job_lost' (lost-jobs.ts):
 * with Redis restarted without persistence, nothing else would ever answer those users.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Queue, QueueEvents, type Job } from 'bullmq';
import type { Logger } from '../config/logger.ts';
import { silentLogger } from '../config/logger.ts';
import type { EditFile } from '../pipeline/types.ts';
import { BlobStore } from './blob-store.ts';
import { DeliveryLedger } from './delivery-ledger.ts';
import {
  PLATFORMS,
  editJobResultSchema,
  platformOfJobId,
  type EditJobData,
  type EditJobProgress,
  type EditJobResult,
  type Platform,
} from './edit-job.ts';
import { BlobMissingError, JobLostError } from './errors.ts';
import { readFailure } from './job-signals.ts';
import { INTERNAL_FAILURE } from './retry.ts';
import { DEFAULT_QUEUE_NAME, QueueKeys } from './keys.ts';
import { LostJobWatch } from './lost-jobs.ts';
import { sharedQueueMetrics, type QueueMetrics } from './metrics.ts';
import { withDefaults } from './options.ts';
import type { RedisClient } from './redis-connection.ts';

export interface ProgressUpdate {
  jobId: string;
  job: EditJobData;
  progress: EditJobProgress;
}
export interface CompletedDelivery {
  jobId: string;
  job: EditJobData;
  result: EditJobResult;
  /** The result's files, loaded from their blobs. */
  files: EditFile[];
}
export interface FailedDelivery {
  jobId: string;
  job: EditJobData;
  /** Stable reason: 'cancelled', 'input_image', 'blob_missing', 'internal', ... */
  code: string;
  userMessage: string;
  hint?: string;
}

/** What a platform bot implements. A throw from onCompleted/onFailed is retried by later scans. */
export interface DeliveryAdapter {
  onProgress?(update: ProgressUpdate): Promise<void> | void;
  onCompleted(delivery: CompletedDelivery): Promise<void>;
  onFailed(delivery: FailedDelivery): Promise<void>;
}

export interface EditDeliveryOptions {
  /** A 'blocking' client (QueueEvents needs one); not closed by `close()`. */
  connection: RedisClient;
  prefix: string;
  /** @defaultValue 'edits' */
  queueName?: string;
  /** One adapter per platform this bot serves; jobs of other platforms are left to their bots. */
  adapters: Partial<Record<Platform, DeliveryAdapter>>;
  /** Lease a replica holds on a job while its adapter call runs. @defaultValue 60000 */
  claimLeaseMs?: number;
  /** Recovery scan period. @defaultValue 15000 */
  scanIntervalMs?: number;
  /** Failed adapter calls before a job is given up (logged, counted "abandoned"). @defaultValue 5 */
  maxAttempts?: number;
  /** How long "delivered" marks are kept; match the finished-job retention. @defaultValue 86400 */
  deliveredTtlSeconds?: number;
  /** A pending entry whose job does not exist yet is kept this long (enqueue in flight). @defaultValue 60000 */
  graceMs?: number;
  /** @defaultValue `${hostname()}:${pid}:${uuid}` */
  replicaId?: string;
  /** @defaultValue silentLogger */
  logger?: Logger;
  /** @defaultValue sharedQueueMetrics() */
  metrics?: QueueMetrics;
  /**
   * The BullMQ Queue's 'error' events (every reconnect attempt while Redis is away); without a listener
   * BullMQ prints them raw to stderr. @defaultValue one `logger.error` line each
   */
  onError?: (err: Error) => void;
}

export class EditDelivery {
  private readonly opts: Required<Omit<EditDeliveryOptions, 'connection' | 'adapters' | 'queueName'>> & {
    queueName: string;
  };
  private readonly redis: RedisClient;
  private readonly adapters: Partial<Record<Platform, DeliveryAdapter>>;
  private readonly keys: QueueKeys;
  private readonly queue: Queue<EditJobData, EditJobResult>;
  private readonly blobs: BlobStore;
  private readonly ledger: DeliveryLedger;
  private readonly lost: LostJobWatch;
  private readonly inFlight = new Map<string, Promise<void>>();
  private events: QueueEvents | undefined;
  private scanTimer: NodeJS.Timeout | undefined;
  private closing: Promise<void> | undefined;

  constructor(options: EditDeliveryOptions) {
    const { connection, adapters, ...rest } = options;
    this.opts = withDefaults(
      {
        queueName: DEFAULT_QUEUE_NAME,
        claimLeaseMs: 60_000,
        scanIntervalMs: 15_000,
        maxAttempts: 5,
        deliveredTtlSeconds: 24 * 3600,
        graceMs: 60_000,
        replicaId: `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
        logger: silentLogger,
        metrics: sharedQueueMetrics(),
        onError: (err: Error) => this.opts.logger.error({ err }, 'delivery queue error'),
      },
      rest,
    );
    if (Object.keys(adapters).length === 0) throw new RangeError('adapters must name at least one platform');
    if (!(this.opts.claimLeaseMs > 0) || !(this.opts.scanIntervalMs > 0))
      throw new RangeError('intervals must be > 0');
    this.redis = connection;
    this.adapters = adapters;
    this.keys = new QueueKeys(this.opts.prefix, this.opts.queueName);
    this.queue = new Queue(this.opts.queueName, { connection, prefix: this.opts.prefix });
    this.queue.on('error', (err) => this.opts.onError(err));
    this.blobs = new BlobStore(connection, this.keys);
    this.ledger = new DeliveryLedger(connection, this.keys, {
      replicaId: this.opts.replicaId,
      leaseMs: this.opts.claimLeaseMs,
      doneTtlSeconds: this.opts.deliveredTtlSeconds,
    });
    this.lost = new LostJobWatch(connection, this.keys);
  }

  get platforms(): Platform[] {
    return PLATFORMS.filter((p) => this.adapters[p] !== undefined);
  }

  /**
   * Remembers a job this process enqueued until its outcome is delivered, so that `scan` can tell its
   * user if it vanishes from Redis. Jobs of platforms this delivery does not serve are ignored.
   */
  watch(jobId: string, job: EditJobData): void {
    const platform = platformOfJobId(jobId);
    if (platform && this.adapters[platform] && !this.closing) this.lost.watch(jobId, job);
  }

  /** Subscribes to live events, then runs a first recovery scan (results that finished while down). */
  async start(): Promise<void> {
    if (this.events || this.closing) return;
    const events = new QueueEvents(this.opts.queueName, { connection: this.redis, prefix: this.opts.prefix });
    this.events = events;
    events.on('completed', ({ jobId }) => void this.deliver(jobId));
    events.on('failed', ({ jobId }) => void this.deliver(jobId));
    events.on('progress', ({ jobId, data }) => void this.relayProgress(jobId, data as EditJobProgress));
    events.on('error', (err) => this.opts.logger.error({ err }, 'queue events error'));
    await events.waitUntilReady();
    await this.scan();
    this.scanTimer = setInterval(() => {
      // A failed scan (Redis briefly away) is simply tried again on the next tick.
      this.scan().catch((err: unknown) => this.opts.logger.warn({ err }, 'recovery scan failed'));
    }, this.opts.scanIntervalMs);
    this.scanTimer.unref();
  }

  /** Delivers every finished, undelivered job of this bot's platforms; returns how many it handed over. */
  async scan(): Promise<number> {
    let delivered = 0;
    for (const platform of this.platforms) {
      const entries = await this.redis.zrange(this.keys.pendingDelivery(platform), '0', '-1', 'WITHSCORES');
      // Most entries are still queued or running: one pipelined read tells them apart cheaply.
      const check = this.redis.pipeline();
      for (let i = 0; i < entries.length; i += 2)
        check.hmget(this.keys.job(entries[i] as string), 'finishedOn', 'timestamp');
      const states = (await check.exec()) ?? [];
      for (let i = 0; i + 1 < entries.length; i += 2) {
        const [err, fields] = states[i / 2] ?? [];
        const [finishedOn, timestamp] = (fields ?? []) as (string | null)[];
        const inFlight = !err && finishedOn === null && timestamp !== null;
        if (inFlight) continue;
        if (await this.deliver(entries[i] as string, Number(entries[i + 1]))) delivered += 1;
      }
    }
    for (const { jobId, job } of await this.lost.findLost())
      if (await this.deliverLost(jobId, job)) delivered += 1;
    return delivered;
  }

  /**
   * Delivers one job if it belongs to this bot, has finished and nobody delivered it; true when this
   * call handed it to the adapter. Concurrent calls for one job in this process share one attempt.
   */
  deliver(jobId: string, enqueuedAt?: number): Promise<boolean> {
    const running = this.inFlight.get(jobId);
    if (running) return running.then(() => false);
    let handed = false;
    const attempt = this.deliverOnce(jobId, enqueuedAt)
      .then((result) => {
        handed = result;
      })
      .catch((err: unknown) => this.opts.logger.error({ err, jobId }, 'delivery failed'))
      .finally(() => this.inFlight.delete(jobId));
    this.inFlight.set(jobId, attempt);
    return attempt.then(() => handed);
  }

  /** Stops events and scans and waits for deliveries under way. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      clearInterval(this.scanTimer);
      await this.events?.close();
      await Promise.allSettled([...this.inFlight.values()]);
      await this.queue.close();
    })();
    return this.closing;
  }

  private async deliverOnce(jobId: string, enqueuedAt: number | undefined): Promise<boolean> {
    const platform = platformOfJobId(jobId);
    const adapter = platform && this.adapters[platform];
    if (!platform || !adapter) return false;
    const pending = this.keys.pendingDelivery(platform);
    const log = this.opts.logger.child({ jobId });
    const job = await this.queue.getJob(jobId);
    if (!job) {
      // Removed (a cancelled queued edit, or retention ran out); keep fresh entries: enqueue may be mid-way.
      if (enqueuedAt === undefined || Date.now() - enqueuedAt > this.opts.graceMs)
        await this.redis.zrem(pending, jobId);
      return false;
    }
    const state = await job.getState();
    if (state !== 'completed' && state !== 'failed') return false;

    const claim = await this.ledger.claim(jobId);
    if (claim !== 'claimed') {
      if (claim === 'already_delivered') {
        await this.redis.zrem(pending, jobId);
        this.lost.forget(jobId);
      }
      return false;
    }
    const kind = state;
    const started = Date.now();
    try {
      if (kind === 'completed') await this.handCompleted(adapter, job);
      else await this.handFailed(adapter, job);
    } catch (err) {
      const attempts = await this.ledger.countFailedAttempt(jobId);
      if (attempts < this.opts.maxAttempts) {
        await this.ledger.release(jobId);
        this.opts.metrics.deliveries.inc({ platform, kind, outcome: 'error' });
        log.warn({ err, attempts }, 'adapter failed; a later scan retries');
        return false;
      }
      await this.ledger.markDelivered(jobId, 'abandoned');
      await this.redis.zrem(pending, jobId);
      this.lost.forget(jobId);
      this.opts.metrics.deliveries.inc({ platform, kind, outcome: 'abandoned' });
      log.error({ err, attempts }, 'adapter failed too often; delivery abandoned');
      return false;
    }
    await this.ledger.markDelivered(jobId, 'ok');
    await this.redis.zrem(pending, jobId);
    this.lost.forget(jobId);
    this.opts.metrics.deliveries.inc({ platform, kind, outcome: 'ok' });
    this.opts.metrics.deliverySeconds.observe({ kind }, (Date.now() - (job.finishedOn ?? started)) / 1000);
    log.info({ kind, ms: Date.now() - started }, 'delivered');
    return true;
  }

  /** Tells the user a watched job vanished from Redis; true when the adapter took it. */
  private deliverLost(jobId: string, job: EditJobData): Promise<boolean> {
    if (this.inFlight.has(jobId)) return Promise.resolve(false);
    let handed = false;
    const attempt = this.reportLost(jobId, job)
      .then((result) => {
        handed = result;
      })
      .catch((err: unknown) => this.opts.logger.error({ err, jobId }, 'lost-job report failed'))
      .finally(() => this.inFlight.delete(jobId));
    this.inFlight.set(jobId, attempt);
    return attempt.then(() => handed);
  }

  private async reportLost(jobId: string, job: EditJobData): Promise<boolean> {
    const platform = job.requester.platform;
    const adapter = this.adapters[platform];
    if (!adapter) return false;
    const log = this.opts.logger.child({ jobId });
    // The ledger lives in the same (emptied) Redis, but still keeps two concurrent scans apart.
    if ((await this.ledger.claim(jobId)) !== 'claimed') return false;
    const lost = new JobLostError(jobId);
    log.error(
      { userId: job.requester.userId },
      'job vanished from Redis before delivery (Redis restarted without persistence, evicted or flushed?)',
    );
    try {
      await adapter.onFailed({
        jobId,
        job,
        code: lost.code,
        userMessage: lost.userMessage,
        ...(lost.hint === undefined ? {} : { hint: lost.hint }),
      });
    } catch (err) {
      const attempts = await this.ledger.countFailedAttempt(jobId);
      this.opts.metrics.deliveries.inc({ platform, kind: 'lost', outcome: 'error' });
      if (attempts < this.opts.maxAttempts) {
        await this.ledger.release(jobId);
        log.warn({ err, attempts }, 'adapter failed on a lost job; a later scan retries');
        return false;
      }
      await this.ledger.markDelivered(jobId, 'abandoned');
      this.lost.forget(jobId);
      log.error({ err, attempts }, 'adapter failed too often; lost-job report abandoned');
      return false;
    }
    await this.ledger.markDelivered(jobId, 'ok');
    this.lost.forget(jobId);
    this.opts.metrics.deliveries.inc({ platform, kind: 'lost', outcome: 'ok' });
    return true;
  }

  private async handCompleted(adapter: DeliveryAdapter, job: Job<EditJobData, EditJobResult>): Promise<void> {
    const jobId = job.id as string;
    const parsed = editJobResultSchema.safeParse(job.returnvalue);
    if (!parsed.success) {
      // A worker bug, not something a retry fixes: tell the user instead of retrying forever.
      this.opts.logger.error(
        { jobId, issues: parsed.error.issues },
        'completed job has an unreadable result',
      );
      return adapter.onFailed({ jobId, job: job.data, ...INTERNAL_FAILURE });
    }
    const result = parsed.data;
    const files: EditFile[] = [];
    for (const file of result.files) {
      const data = await this.blobs.get(file.blob);
      if (data === undefined) {
        // The bot was away longer than the blob TTL: say so rather than deliver a broken reply.
        const missing = new BlobMissingError(file.blob);
        return adapter.onFailed({
          jobId,
          job: job.data,
          code: 'result_expired',
          userMessage: missing.userMessage,
        });
      }
      files.push({ name: file.name, mime: file.mime, data: new Uint8Array(data) });
    }
    await adapter.onCompleted({ jobId, job: job.data, result, files });
  }

  private async handFailed(adapter: DeliveryAdapter, job: Job<EditJobData, EditJobResult>): Promise<void> {
    const jobId = job.id as string;
    const failure = await readFailure(this.redis, this.keys, jobId);
    await adapter.onFailed({ jobId, job: job.data, ...failure });
  }

  private async relayProgress(jobId: string, progress: EditJobProgress): Promise<void> {
    const platform = platformOfJobId(jobId);
    const adapter = platform && this.adapters[platform];
    if (!adapter?.onProgress) return;
    try {
      if (!(await this.ledger.ownsProgress(jobId, this.opts.claimLeaseMs))) return;
      const job = await this.queue.getJob(jobId);
      if (job) await adapter.onProgress({ jobId, job: job.data, progress });
    } catch (err) {
      this.opts.logger.warn({ err, jobId }, 'progress relay failed');
    }
  }
}

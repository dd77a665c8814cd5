/**
 * The bot side of the queue: `enqueueEdit` (parsed request + image -> job), `getQueuePosition` and
 * `cancelEdit`. Bots never run the model; they call this and hand results to an adapter (delivery.ts).
 */
import { randomInt } from 'node:crypto';
import { Queue } from 'bullmq';
import type { Logger } from '../config/logger.ts';
import { silentLogger } from '../config/logger.ts';
import type { EditRequest } from '../commands/edit-request.ts';
import { admit, releaseReservation } from './admission.ts';
import { BlobStore } from './blob-store.ts';
import {
  EDIT_JOB_VERSION,
  jobIdFor,
  jobRequestOf,
  jobStrengths,
  MAX_SWEEP_FRAMES,
  parseEditJobData,
  type EditJobData,
  type EditJobResult,
  type Platform,
} from './edit-job.ts';
import { assertInConversation, type Conversation } from './conversation.ts';
import { CancelForbiddenError, InflightCapError, InvalidJobError, JobNotFoundError } from './errors.ts';
import { DEFAULT_FAIL_FAST, failFast, type FailFastOptions } from './fail-fast.ts';
import { jobCost } from './fairness.ts';
import { requestCancel } from './job-signals.ts';
import { DEFAULT_QUEUE_NAME, QueueKeys } from './keys.ts';
import { sharedQueueMetrics, type QueueMetrics } from './metrics.ts';
import { withDefaults } from './options.ts';
import { readQueuePosition, type QueuePosition } from './queue-position.ts';
import { BACKOFF_TYPE } from './retry.ts';
import type { RedisClient } from './redis-connection.ts';

export interface EditQueueOptions {
  /** A 'command' client (redis-connection.ts); shared, not closed by `close()`. */
  connection: RedisClient;
  /** BullMQ key prefix: `queuePrefix(config)`. */
  prefix: string;
  /** @defaultValue 'edits' */
  queueName?: string;
  /** The model bots ask for; workers serving another model refuse the job. */
  modelId: string;
  /** That model's `defaults.sweepFrames` (model.json): the frames of a `sweep` without a count. */
  sweepFrames: number;
  /** @defaultValue 86400 (KK_BLOB_TTL_SECONDS) */
  blobTtlSeconds?: number;
  /** @defaultValue 25 MiB (KK_BLOB_MAX_BYTES) */
  blobMaxBytes?: number;
  /** @defaultValue 2 (KK_USER_INFLIGHT_CAP) */
  userInflightCap?: number;
  /** @defaultValue 10 (KK_TEAM_INFLIGHT_CAP) */
  teamInflightCap?: number;
  /** Attempts per job, the first included. @defaultValue 3 */
  attempts?: number;
  /** Finished jobs are kept this long (for dedup and delivery recovery). @defaultValue blobTtlSeconds */
  keepFinishedSeconds?: number;
  /**
   * Limits of an enqueue or cancel while Redis is down or stalled; past them it throws the user-facing
   * `QueueUnavailableError`. @defaultValue DEFAULT_FAIL_FAST (1 s for a reconnecting client, 5 s in all)
   */
  failFast?: FailFastOptions;
  /** @defaultValue silentLogger */
  logger?: Logger;
  /** @defaultValue sharedQueueMetrics() */
  metrics?: QueueMetrics;
  /**
   * Called with each job this queue added (not duplicates), e.g. `EditDelivery.watch`, so a job that
   * later vanishes from Redis is noticed. @defaultValue none
   */
  onEnqueued?: (jobId: string, job: EditJobData) => void;
  /**
   * The BullMQ Queue's 'error' events (every reconnect attempt while Redis is away). Without a listener
   * BullMQ prints them raw to stderr, breaking JSON logs. @defaultValue one `logger.error` line each
   */
  onError?: (err: Error) => void;
}

export interface EnqueueEditInput {
  platform: Platform;
  /** The platform's id of the interaction (Discord interaction id, Slack trigger id...). */
  interactionId: string;
  request: EditRequest;
  /** The downloaded source image. */
  image: Uint8Array;
  requester: { teamId?: string; channelId: string; userId: string };
  /** Whatever the adapter needs to answer later (JSON only). */
  replyTo: Record<string, unknown>;
  parentEditId?: string;
}

export interface EnqueuedEdit {
  jobId: string;
  /** True when this interaction was already enqueued (a redelivery); nothing new was queued. */
  duplicate: boolean;
  position: QueuePosition;
  seed: number;
}

type ResolvedQueueOptions = Required<
  Omit<EditQueueOptions, 'connection' | 'blobTtlSeconds' | 'blobMaxBytes' | 'sweepFrames' | 'onEnqueued'>
>;

export type CancelOutcome = 'removed' | 'signalled' | 'already_finished';

export class EditQueue {
  readonly queue: Queue<EditJobData, EditJobResult>;
  readonly keys: QueueKeys;
  readonly blobs: BlobStore;
  private readonly redis: RedisClient;
  private readonly opts: ResolvedQueueOptions;
  private readonly sweepFrames: number;
  private readonly inflightTtlSeconds: number;
  private readonly onEnqueued: ((jobId: string, job: EditJobData) => void) | undefined;
  private closing: Promise<void> | undefined;

  constructor(options: EditQueueOptions) {
    const {
      connection,
      blobTtlSeconds = 24 * 3600,
      blobMaxBytes,
      sweepFrames,
      onEnqueued,
      ...rest
    } = options;
    this.onEnqueued = onEnqueued;
    if (!(Number.isInteger(sweepFrames) && sweepFrames >= 2 && sweepFrames <= MAX_SWEEP_FRAMES))
      throw new RangeError(`sweepFrames must be a whole number from 2 to ${MAX_SWEEP_FRAMES}`);
    this.sweepFrames = sweepFrames;
    this.inflightTtlSeconds = blobTtlSeconds;
    this.opts = withDefaults(
      {
        queueName: DEFAULT_QUEUE_NAME,
        userInflightCap: 2,
        teamInflightCap: 10,
        attempts: 3,
        keepFinishedSeconds: blobTtlSeconds,
        failFast: DEFAULT_FAIL_FAST,
        logger: silentLogger,
        metrics: sharedQueueMetrics(),
        onError: (err: Error) => this.opts.logger.error({ err }, 'queue error'),
      },
      rest,
    );
    if (this.opts.userInflightCap < 1 || this.opts.teamInflightCap < 1)
      throw new RangeError('caps must be >= 1');
    if (!Number.isInteger(this.opts.attempts) || this.opts.attempts < 1)
      throw new RangeError('attempts must be >= 1');
    this.redis = connection;
    this.keys = new QueueKeys(this.opts.prefix, this.opts.queueName);
    this.blobs = new BlobStore(this.redis, this.keys, {
      ttlSeconds: blobTtlSeconds,
      ...(blobMaxBytes === undefined ? {} : { maxBytes: blobMaxBytes }),
    });
    this.queue = new Queue<EditJobData, EditJobResult>(this.opts.queueName, {
      connection: this.redis,
      prefix: this.opts.prefix,
    });
    this.queue.on('error', (err) => this.opts.onError(err));
    this.opts.metrics.watchQueue(this.queue);
  }

  /**
   * Admits the job (caps, fairness), then stores the image and adds the job. Throws `InflightCapError`,
   * `BlobTooLargeError`, `InvalidJobError` or, when Redis does not answer within the fail-fast limits,
   * `QueueUnavailableError` (all user-facing). A redelivered interaction returns the existing job with
   * `duplicate: true`. Nothing is stored for a refused edit: a user at their cap must not be able to fill
   * Redis with images that no job will ever read.
   */
  enqueueEdit(input: EnqueueEditInput): Promise<EnqueuedEdit> {
    return failFast(
      this.redis,
      () => this.enqueue(input),
      this.opts.failFast,
      (late) => {
        // The user was told it was not queued, so it must not run.
        if (!late.duplicate) void this.withdraw(late.jobId, input);
      },
    );
  }

  private async enqueue(input: EnqueueEditInput): Promise<EnqueuedEdit> {
    const { platform, requester } = input;
    const jobId = jobIdFor(platform, input.interactionId);
    const log = this.opts.logger.child({ jobId });
    const existing = await this.queue.getJob(jobId);
    if (existing) return this.duplicateOf(jobId, existing.data, log);

    const source = this.blobs.refOf(input.image);
    const seed = input.request.seed ?? randomInt(0, 0xffffffff);
    const data = this.validate({
      v: EDIT_JOB_VERSION,
      request: jobRequestOf(input.request, seed, this.sweepFrames),
      source: { blob: source.id, bytes: source.bytes },
      modelId: this.opts.modelId,
      requester: { platform, ...requester },
      replyTo: input.replyTo,
      ...(input.parentEditId === undefined ? {} : { parentEditId: input.parentEditId }),
      createdAt: Date.now(),
    });
    const reservation = { jobId, platform, userId: requester.userId, teamId: requester.teamId };
    const admission = await admit(this.redis, this.keys, {
      ...reservation,
      cost: jobCost(jobStrengths(data).length),
      userCap: this.opts.userInflightCap,
      teamCap: this.opts.teamInflightCap,
      inflightTtlSeconds: this.inflightTtlSeconds,
    });
    if (admission.status === 'duplicate') {
      // A concurrent enqueue of the same interaction won; its job may not be added yet.
      return this.duplicateOf(jobId, (await this.queue.getJob(jobId))?.data ?? data, log);
    }
    if (admission.status !== 'admitted') {
      this.opts.metrics.enqueued.inc({ platform, outcome: admission.status });
      log.info({ cap: admission.cap, scope: admission.status }, 'edit refused: in-flight cap');
      throw new InflightCapError(admission.status === 'user_cap' ? 'user' : 'team', admission.cap);
    }
    try {
      await this.blobs.put(input.image);
      await this.queue.add('edit', data, {
        jobId,
        priority: admission.priority,
        attempts: this.opts.attempts,
        backoff: { type: BACKOFF_TYPE },
        removeOnComplete: { age: this.opts.keepFinishedSeconds, count: 50_000 },
        removeOnFail: { age: this.opts.keepFinishedSeconds, count: 50_000 },
      });
    } catch (err) {
      await releaseReservation(this.redis, this.keys, reservation).catch(() => undefined);
      throw err;
    }
    this.opts.metrics.enqueued.inc({ platform, outcome: 'admitted' });
    this.onEnqueued?.(jobId, data);
    const position = await this.getQueuePosition(jobId);
    log.info({ priority: admission.priority, position, userId: requester.userId }, 'edit enqueued');
    return { jobId, duplicate: false, position, seed };
  }

  /** Where a job stands: `{ state: 'queued', position: 3 }` means two jobs run before it. */
  getQueuePosition(jobId: string): Promise<QueuePosition> {
    return readQueuePosition(this.redis, this.keys, jobId);
  }

  /**
   * Cancels `userId`'s own edit: a queued one is removed at once, a running one is signalled (the
   * worker aborts between steps and the delivery reports code 'cancelled'). Someone else's edit throws
   * `CancelForbiddenError`; an unknown one `JobNotFoundError`; with `where` (the conversation the
   * Cancel button was pressed in), an edit of another platform or conversation `ForeignJobError`.
   */
  cancelEdit(jobId: string, userId: string, where?: Conversation): Promise<CancelOutcome> {
    return failFast(this.redis, () => this.cancel(jobId, userId, where), this.opts.failFast);
  }

  private async cancel(jobId: string, userId: string, where?: Conversation): Promise<CancelOutcome> {
    const job = await this.queue.getJob(jobId);
    if (!job) throw new JobNotFoundError(jobId);
    if (where) assertInConversation(jobId, job.data, where);
    if ((job.data as Partial<EditJobData>).requester?.userId !== userId)
      throw new CancelForbiddenError(jobId);
    const log = this.opts.logger.child({ jobId });
    const state = await job.getState();
    if (state === 'completed' || state === 'failed') return 'already_finished';
    if (state !== 'active') {
      try {
        // The flag first: it tells a delivery watching this job (lost-jobs.ts) that it went on purpose.
        await requestCancel(this.redis, this.keys, jobId);
        await job.remove();
        await this.redis.zrem(this.keys.pendingDelivery(job.data.requester.platform), jobId);
        this.opts.metrics.cancellations.inc({ state: 'queued' });
        log.info('queued edit cancelled (removed)');
        return 'removed';
      } catch (err) {
        // A worker took the job between getState and remove: it is locked now, so signal it instead.
        log.debug({ err }, 'remove failed, signalling instead');
      }
    }
    await requestCancel(this.redis, this.keys, jobId);
    this.opts.metrics.cancellations.inc({ state: 'running' });
    log.info('running edit cancel requested');
    return 'signalled';
  }

  /** Closes the BullMQ queue (not the shared connection). Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.opts.metrics.unwatchQueue(this.queue);
      await this.queue.close();
    })();
    return this.closing;
  }

  /** Removes a job whose enqueue finished after the user was told it failed; best effort. */
  private async withdraw(jobId: string, input: EnqueueEditInput): Promise<void> {
    const log = this.opts.logger.child({ jobId });
    try {
      await this.queue.remove(jobId);
      const { userId, teamId } = input.requester;
      await releaseReservation(this.redis, this.keys, { jobId, platform: input.platform, userId, teamId });
      log.warn('edit queued after its enqueue had timed out: withdrawn');
    } catch (err) {
      log.warn({ err }, 'could not withdraw an edit whose enqueue had timed out');
    }
  }

  private validate(data: unknown): EditJobData {
    try {
      return parseEditJobData(data);
    } catch (err) {
      if (err instanceof InvalidJobError)
        this.opts.metrics.enqueued.inc({
          platform: String((data as EditJobData).requester.platform),
          outcome: 'invalid',
        });
      throw err;
    }
  }

  private async duplicateOf(jobId: string, data: EditJobData, log: Logger): Promise<EnqueuedEdit> {
    this.opts.metrics.enqueued.inc({ platform: data.requester.platform, outcome: 'duplicate' });
    log.info('duplicate interaction: job already enqueued');
    return { jobId, duplicate: true, position: await this.getQueuePosition(jobId), seed: data.request.seed };
  }
}

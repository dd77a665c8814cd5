/**
 * Every Redis key the queue layer owns besides BullMQ's, in one place.
 * Keys that Lua scripts touch together with BullMQ's keys (caps, fairness clock, pending deliveries)
 * share the queue's prefix, which is a hash tag in Cluster mode, so they sit in the queue's slot.
 * Bulky or per-job keys (blobs, cached results, delivery markers) use the plain prefix and spread out.
 */
import { plainPrefix } from './redis-connection.ts';
import type { Platform } from './edit-job.ts';

/** @defaultValue 'edits' */
export const DEFAULT_QUEUE_NAME = 'edits';

export class QueueKeys {
  /** BullMQ's prefix (e.g. "kk", or "{kk}" under Cluster). */
  readonly prefix: string;
  readonly queueName: string;
  /** `${prefix}:${queueName}`: BullMQ's own keys start with this plus ":". */
  readonly queueBase: string;
  private readonly plain: string;

  constructor(prefix: string, queueName: string = DEFAULT_QUEUE_NAME) {
    if (prefix.length === 0) throw new RangeError('prefix must not be empty');
    if (queueName.includes(':')) throw new RangeError('queueName must not contain ":"');
    this.prefix = prefix;
    this.queueName = queueName;
    this.queueBase = `${prefix}:${queueName}`;
    this.plain = `${plainPrefix(prefix)}:${queueName}`;
  }

  /** BullMQ's key of one job's hash (as BullMQ builds it: base + ":" + id). */
  job(jobId: string): string {
    return `${this.queueBase}:${jobId}`;
  }

  // --- slot-affine keys (used by Lua together with BullMQ's) --------------------------------
  /** ZSET jobId -> reservation time: the user's edits that may still be in flight. */
  userInflight(platform: Platform, userId: string): string {
    return `${this.queueBase}:kk:inflight:user:${platform}:${userId}`;
  }
  teamInflight(platform: Platform, teamId: string): string {
    return `${this.queueBase}:kk:inflight:team:${platform}:${teamId}`;
  }
  /** STRING: the fairness virtual clock (start tag of the most recently started job). */
  get fairClock(): string {
    return `${this.queueBase}:kk:fair:clock`;
  }
  /** HASH user -> virtual finish tag of the user's last admitted job. */
  get fairFinish(): string {
    return `${this.queueBase}:kk:fair:finish`;
  }
  /** ZSET jobId -> enqueue time: this platform's jobs whose outcome is not yet delivered. */
  pendingDelivery(platform: Platform): string {
    return `${this.queueBase}:kk:pending:${platform}`;
  }

  // --- spread keys -----------------------------------------------------------------------------
  blob(blobId: string): string {
    return `${this.plain}:blob:${blobId}`;
  }
  result(cacheKey: string): string {
    return `${this.plain}:result:${cacheKey}`;
  }
  /** STRING: set when the user cancels a running edit; the worker polls it. */
  cancel(jobId: string): string {
    return `${this.plain}:cancel:${jobId}`;
  }
  /** STRING (JSON): the user-facing reason of a job's last failure. */
  failure(jobId: string): string {
    return `${this.plain}:failure:${jobId}`;
  }
  /** Both delivery keys of a job share a hash tag so the claim script can touch them together. */
  delivered(jobId: string): string {
    return `${this.plain}:delivery:{${jobId}}:done`;
  }
  deliveryClaim(jobId: string): string {
    return `${this.plain}:delivery:{${jobId}}:claim`;
  }
  progressOwner(jobId: string): string {
    return `${this.plain}:delivery:{${jobId}}:progress`;
  }
  /** Cache hit/miss counters shared by every worker (prom-client counters are per process). */
  get cacheStats(): string {
    return `${this.plain}:stats:cache`;
  }
}

/**
 * Jobs this bot process enqueued, kept in memory until their outcome is delivered, so that a job that
 * vanishes from Redis is noticed. Redis without persistence that restarts (or a flush, or eviction under
 * `maxmemory`) takes the job, its pending-delivery entry and every marker with it: nothing left in Redis
 * says a user is waiting, so only the process that enqueued the job can tell them.
 *
 * `findLost()` sorts the watched jobs: delivered (its "delivered" mark exists) or cancelled while queued
 * (removed on purpose, its cancel flag exists) -> forgotten; still in Redis -> kept; gone without
 * either mark -> lost, returned for the delivery to report (`JobLostError`).
 */
import type { EditJobData } from './edit-job.ts';
import type { QueueKeys } from './keys.ts';
import type { RedisClient } from './redis-connection.ts';

export interface LostJobWatchOptions {
  /** Watched jobs kept at most; the oldest are dropped first (a bound on memory). @defaultValue 10000 */
  maxEntries?: number;
}

export interface LostJob {
  jobId: string;
  job: EditJobData;
}

export class LostJobWatch {
  private readonly redis: RedisClient;
  private readonly keys: QueueKeys;
  private readonly maxEntries: number;
  // Insertion order is age order, so the first key is the oldest.
  private readonly entries = new Map<string, EditJobData>();

  constructor(redis: RedisClient, keys: QueueKeys, options: LostJobWatchOptions = {}) {
    const { maxEntries = 10_000 } = options;
    if (!Number.isInteger(maxEntries) || maxEntries < 1)
      throw new RangeError('maxEntries must be a positive integer');
    this.redis = redis;
    this.keys = keys;
    this.maxEntries = maxEntries;
  }

  get size(): number {
    return this.entries.size;
  }

  watch(jobId: string, job: EditJobData): void {
    this.entries.set(jobId, job);
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }

  forget(jobId: string): void {
    this.entries.delete(jobId);
  }

  /** The watched jobs that are gone from Redis with no sign of delivery or cancellation. */
  async findLost(): Promise<LostJob[]> {
    const ids = [...this.entries.keys()];
    if (ids.length === 0) return [];
    // Job hashes share the queue's slot, so one pipeline is fine even on Cluster.
    const check = this.redis.pipeline();
    for (const id of ids) check.exists(this.keys.job(id));
    const replies = (await check.exec()) ?? [];
    const lost: LostJob[] = [];
    for (const [i, jobId] of ids.entries()) {
      const [err, exists] = replies[i] ?? [];
      if (err) throw err;
      if (exists === 1) continue;
      // Markers live in other slots: checked one by one, and only for the (rare) missing jobs.
      const [delivered, cancelled] = await Promise.all([
        this.redis.exists(this.keys.delivered(jobId)),
        this.redis.exists(this.keys.cancel(jobId)),
      ]);
      const job = this.entries.get(jobId);
      if (delivered === 1 || cancelled === 1 || job === undefined) this.entries.delete(jobId);
      else lost.push({ jobId, job });
    }
    return lost;
  }
}

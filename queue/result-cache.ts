/**
 * Answers an identical request from a stored result instead of running the model. The key is
 * `resultCacheKey()` (source blob, instruction, strengths, seed, steps, model, byte budget); the value
 * is the result's JSON, whose files are blobs. Entry and blobs share the blob TTL, and a hit refreshes
 * both; a hit whose blobs have expired is a miss (and the stale entry is dropped).
 */
import { parseEditJobResult, type EditJobResult } from './edit-job.ts';
import type { BlobStore } from './blob-store.ts';
import type { QueueKeys } from './keys.ts';
import type { RedisClient } from './redis-connection.ts';

export class ResultCache {
  private readonly redis: RedisClient;
  private readonly keys: QueueKeys;
  private readonly blobs: BlobStore;

  constructor(redis: RedisClient, keys: QueueKeys, blobs: BlobStore) {
    this.redis = redis;
    this.keys = keys;
    this.blobs = blobs;
  }

  async get(cacheKey: string): Promise<EditJobResult | undefined> {
    const key = this.keys.result(cacheKey);
    const text = await this.redis.get(key);
    if (text === null) return this.count('misses');
    let result: EditJobResult;
    try {
      result = parseEditJobResult(JSON.parse(text));
    } catch {
      await this.redis.del(key);
      return this.count('misses');
    }
    if (!(await this.blobs.touch(result.files.map((f) => f.blob)))) {
      await this.redis.del(key);
      return this.count('misses');
    }
    await this.redis.expire(key, this.blobs.ttlSeconds);
    await this.count('hits');
    return { ...result, cached: true };
  }

  async set(cacheKey: string, result: EditJobResult): Promise<void> {
    const stored: EditJobResult = { ...result, cached: false };
    await this.redis.set(this.keys.result(cacheKey), JSON.stringify(stored), 'EX', this.blobs.ttlSeconds);
  }

  /** Hits and misses counted by every worker sharing this Redis. */
  async stats(): Promise<{ hits: number; misses: number }> {
    const [hits, misses] = await this.redis.hmget(this.keys.cacheStats, 'hits', 'misses');
    return { hits: Number(hits ?? 0), misses: Number(misses ?? 0) };
  }

  private async count(field: 'hits' | 'misses'): Promise<undefined> {
    await this.redis.hincrby(this.keys.cacheStats, field, 1);
    return undefined;
  }
}

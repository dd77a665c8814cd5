/**
 * Content-addressed blobs on Redis: source images and result files, keyed by sha256, with a TTL and a
 * size cap. Job payloads carry blob ids, never bytes. Storing the same bytes twice keeps one blob and
 * refreshes its TTL (a "weaker"/"stronger" chain re-uses its source without re-uploading it).
 */
import { createHash } from 'node:crypto';
import { BlobMissingError, BlobTooLargeError, EmptyImageError } from './errors.ts';
import type { QueueKeys } from './keys.ts';
import type { RedisClient } from './redis-connection.ts';

export interface BlobStoreOptions {
  /** Seconds a blob lives after its last store or touch. @defaultValue 86400 (KK_BLOB_TTL_SECONDS) */
  ttlSeconds?: number;
  /** Largest blob accepted. @defaultValue 25 MiB (KK_BLOB_MAX_BYTES) */
  maxBytes?: number;
}

export interface BlobRef {
  /** "sha256-<hex>". */
  id: string;
  bytes: number;
}

export class BlobStore {
  readonly ttlSeconds: number;
  readonly maxBytes: number;
  private readonly redis: RedisClient;
  private readonly keys: QueueKeys;

  constructor(redis: RedisClient, keys: QueueKeys, options: BlobStoreOptions = {}) {
    const opts = { ttlSeconds: 24 * 3600, maxBytes: 25 * 1024 * 1024, ...options };
    if (!Number.isInteger(opts.ttlSeconds) || opts.ttlSeconds < 1)
      throw new RangeError('ttlSeconds must be a positive integer');
    if (!Number.isInteger(opts.maxBytes) || opts.maxBytes < 1)
      throw new RangeError('maxBytes must be a positive integer');
    this.redis = redis;
    this.keys = keys;
    this.ttlSeconds = opts.ttlSeconds;
    this.maxBytes = opts.maxBytes;
  }

  static idOf(bytes: Uint8Array): string {
    return `sha256-${createHash('sha256').update(bytes).digest('hex')}`;
  }

  /**
   * The ref `put` would return, without storing: checks the size cap (`BlobTooLargeError`) and refuses an
   * empty image (`EmptyImageError`), so admission can run before anything is stored.
   */
  refOf(bytes: Uint8Array): BlobRef {
    if (bytes.byteLength > this.maxBytes) throw new BlobTooLargeError(bytes.byteLength, this.maxBytes);
    if (bytes.byteLength === 0) throw new EmptyImageError();
    return { id: BlobStore.idOf(bytes), bytes: bytes.byteLength };
  }

  /** Stores `bytes` (or refreshes the TTL of the identical blob); throws as `refOf` does. */
  async put(bytes: Uint8Array): Promise<BlobRef> {
    const { id } = this.refOf(bytes);
    const key = this.keys.blob(id);
    // EXPIRE first: when the blob exists this refreshes it without sending the bytes again.
    const refreshed = await this.redis.expire(key, this.ttlSeconds);
    if (refreshed !== 1) await this.redis.set(key, Buffer.from(bytes), 'EX', this.ttlSeconds);
    return { id, bytes: bytes.byteLength };
  }

  /** The blob's bytes, or undefined once it has expired. */
  async get(id: string): Promise<Buffer | undefined> {
    const value = await this.redis.getBuffer(this.keys.blob(id));
    return value ?? undefined;
  }

  /** Like `get`, but a missing blob is a `BlobMissingError`. */
  async require(id: string): Promise<Buffer> {
    const value = await this.get(id);
    if (value === undefined) throw new BlobMissingError(id);
    return value;
  }

  /** Refreshes the TTL of every blob in `ids`; false if any of them is already gone. */
  async touch(ids: readonly string[]): Promise<boolean> {
    const results = await Promise.all(
      ids.map((id) => this.redis.expire(this.keys.blob(id), this.ttlSeconds)),
    );
    return results.every((r) => r === 1);
  }

  /** Milliseconds the blob has left; -2 when it does not exist (Redis PTTL semantics). */
  async pttl(id: string): Promise<number> {
    return this.redis.pttl(this.keys.blob(id));
  }
}

/**
 * A least-recently-used map bounded by the total byte size of its values. Used for text encodings and
 * source latents, which are large (T5: 512 x 4096 floats = 8 MiB per instruction) and cheap to rebuild
 * only relative to a full encoder run.
 */

export interface LruByteCacheOptions<V> {
  /** Upper bound on the sum of `sizeOf(value)`; 0 disables the cache (nothing is stored). */
  maxBytes: number;
  /** Byte size of a value. */
  sizeOf: (value: V) => number;
}

export interface CacheStats {
  hits: number;
  misses: number;
  entries: number;
  bytes: number;
}

export class LruByteCache<V> {
  readonly maxBytes: number;
  private readonly sizeOf: (value: V) => number;
  // A Map iterates in insertion order, so re-inserting on access keeps the oldest entry first.
  private readonly entries = new Map<string, { value: V; bytes: number }>();
  private totalBytes = 0;
  private hits = 0;
  private misses = 0;

  constructor(options: LruByteCacheOptions<V>) {
    if (!Number.isFinite(options.maxBytes) || options.maxBytes < 0)
      throw new RangeError(`maxBytes must be a finite number >= 0, got ${options.maxBytes}`);
    this.maxBytes = options.maxBytes;
    this.sizeOf = options.sizeOf;
  }

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** Stores `value` unless it alone is larger than the cache, evicting least-recently-used entries. */
  set(key: string, value: V): void {
    this.delete(key);
    const bytes = this.sizeOf(value);
    if (bytes > this.maxBytes) return;
    this.entries.set(key, { value, bytes });
    this.totalBytes += bytes;
    for (const [oldKey, old] of this.entries) {
      if (this.totalBytes <= this.maxBytes) break;
      this.entries.delete(oldKey);
      this.totalBytes -= old.bytes;
    }
  }

  delete(key: string): boolean {
    const entry = this.entries.get(key);
    if (!entry) return false;
    this.entries.delete(key);
    this.totalBytes -= entry.bytes;
    return true;
  }

  clear(): void {
    this.entries.clear();
    this.totalBytes = 0;
  }

  stats(): CacheStats {
    return { hits: this.hits, misses: this.misses, entries: this.entries.size, bytes: this.totalBytes };
  }
}

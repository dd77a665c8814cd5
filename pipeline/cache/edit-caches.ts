/**
 * The pipeline's two caches. A "stronger"/"weaker" re-edit repeats the instruction and the image, so it
 * skips both text encoders (text cache) and the image decode, resize and VAE encoder (source cache):
 * only the projector, the transformer loop and the VAE decoder run again.
 */
import { createHash } from 'node:crypto';
import { LruByteCache } from './lru-byte-cache.ts';
import { textEncodingBytes, type TextEncoding } from '../encode-instruction.ts';
import { sourceEncodingBytes, type SourceEncoding } from '../encode-source.ts';

export interface EditCachesOptions {
  /** Byte budget for text encodings (T5 at full size: 8 MiB each). 0 disables. @defaultValue 64 MiB */
  textBytes?: number;
  /** Byte budget for source latents. 0 disables. @defaultValue 256 MiB */
  sourceBytes?: number;
}

export class EditCaches {
  readonly text: LruByteCache<TextEncoding>;
  readonly source: LruByteCache<SourceEncoding>;

  constructor(options: EditCachesOptions = {}) {
    this.text = new LruByteCache({ maxBytes: options.textBytes ?? 64 * 2 ** 20, sizeOf: textEncodingBytes });
    this.source = new LruByteCache({
      maxBytes: options.sourceBytes ?? 256 * 2 ** 20,
      sizeOf: sourceEncodingBytes,
    });
  }

  clear(): void {
    this.text.clear();
    this.source.clear();
  }
}

/** Text cache key: the bundle and the exact instruction (tokenization is deterministic). */
export function textCacheKey(bundleKey: string, instruction: string): string {
  return JSON.stringify([bundleKey, instruction]);
}

/** sha256 hex of the encoded image bytes (the same hash `prepareSource` reports). */
export function imageHash(image: Uint8Array): string {
  return createHash('sha256').update(image).digest('hex');
}

/** Source cache key: the bundle, the image bytes' hash and the working area it was resized to. */
export function sourceCacheKey(bundleKey: string, hash: string, maxArea: number): string {
  return JSON.stringify([bundleKey, hash, maxArea]);
}

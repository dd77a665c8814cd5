/**
 * The pipeline's caches. A "stronger"/"weaker" re-edit repeats the instruction and the image, so it
 * skips both text encoders (text cache) and the image decode, resize and VAE encoder (source cache):
 * only the projector, the transformer loop and the VAE decoder run again. For a bundle whose single edits
 * are carried to the photo's size (guided transfer), the transfer cache also keeps the model's strength-0
 * frame (the same for every strength of one photo, instruction, seed and step count) and the photo decoded
 * at the output size, so a re-edit (the playground's slider) runs the transformer for its own strength only
 * and decodes no image.
 */
import { createHash } from 'node:crypto';
import { LruByteCache } from './lru-byte-cache.ts';
import { textEncodingBytes, type TextEncoding } from '../encode-instruction.ts';
import { sourceEncodingBytes, type SourceEncoding } from '../encode-source.ts';
import type { RgbFrame } from '../image/rgb-frame.ts';

export interface EditCachesOptions {
  /** Byte budget for text encodings (T5 at full size: 8 MiB each). 0 disables. @defaultValue 64 MiB */
  textBytes?: number;
  /** Byte budget for source latents. 0 disables. @defaultValue 256 MiB */
  sourceBytes?: number;
  /** Byte budget for strength-0 frames and photos decoded at the output size. 0 disables. @defaultValue 128 MiB */
  transferBytes?: number;
}

export class EditCaches {
  readonly text: LruByteCache<TextEncoding>;
  readonly source: LruByteCache<SourceEncoding>;
  /** Frames only: strength-0 outputs (`referenceCacheKey`) and photos at the output size (`photoCacheKey`). */
  readonly transfer: LruByteCache<RgbFrame>;

  constructor(options: EditCachesOptions = {}) {
    this.text = new LruByteCache({ maxBytes: options.textBytes ?? 64 * 2 ** 20, sizeOf: textEncodingBytes });
    this.source = new LruByteCache({
      maxBytes: options.sourceBytes ?? 256 * 2 ** 20,
      sizeOf: sourceEncodingBytes,
    });
    this.transfer = new LruByteCache({
      maxBytes: options.transferBytes ?? 128 * 2 ** 20,
      sizeOf: (frame) => frame.data.byteLength,
    });
  }

  clear(): void {
    this.text.clear();
    this.source.clear();
    this.transfer.clear();
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

/** What fixes a strength-0 frame: the source (its cache key), the instruction, the noise and the schedule. */
export interface ReferenceKeyParts {
  sourceKey: string;
  instruction: string;
  seed: number;
  steps: number;
  guidance: number;
}

/** Transfer cache key of the model's strength-0 frame. */
export function referenceCacheKey(parts: ReferenceKeyParts): string {
  return JSON.stringify([
    'reference',
    parts.sourceKey,
    parts.instruction,
    parts.seed,
    parts.steps,
    parts.guidance,
  ]);
}

/** Transfer cache key of the photo decoded at the output size (the longest side capped at `maxSide`). */
export function photoCacheKey(hash: string, maxSide: number): string {
  return JSON.stringify(['photo', hash, maxSide]);
}

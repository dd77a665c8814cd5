import { createRequire } from 'node:module';

/**
 * Typed access to gifenc. It ships CommonJS without type declarations, and Node's ESM loader
 * exposes only its default export (esbuild's export pattern defeats named-export detection), so it
 * is loaded with `require` and given the slice of its API we use.
 */

/** `[r, g, b]` entries, at most 256. */
export type GifPalette = number[][];

/** gifenc's colour-key formats; rgb565 keeps the most colour detail of the alpha-less ones. */
export type GifColourFormat = 'rgb565' | 'rgb444' | 'rgba4444';

export interface GifFrameOptions {
  /** Palette: on the first frame it becomes the global colour table; on later frames a local one. */
  palette?: GifPalette;
  /** Milliseconds; GIF stores centiseconds (gifenc rounds). */
  delay?: number;
  /** -1 = play once, 0 = loop forever, n = loop n times (written with the first frame). */
  repeat?: number;
}

export interface GifEncoderStream {
  writeFrame(index: Uint8Array, width: number, height: number, opts?: GifFrameOptions): void;
  finish(): void;
  bytes(): Uint8Array;
}

export interface GifencApi {
  GIFEncoder(opts?: { initialCapacity?: number; auto?: boolean }): GifEncoderStream;
  /** `rgba`: 4 bytes per pixel; its `.buffer` is read whole, so pass an array that owns its buffer. */
  quantize(rgba: Uint8Array, maxColors: number, opts?: { format?: GifColourFormat }): GifPalette;
  applyPalette(rgba: Uint8Array, palette: GifPalette, format?: GifColourFormat): Uint8Array;
}

export const gifenc = createRequire(import.meta.url)('gifenc') as GifencApi;

import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import type { RgbFrame } from '../../pipeline/image/rgb-frame.ts';

/** Reads one of the generated images in test/fixtures/images (see make-images.ts there). */
export async function fixture(name: string): Promise<Uint8Array> {
  return new Uint8Array(await readFile(new URL(`../fixtures/images/${name}`, import.meta.url)));
}

/** Decodes any image to 8-bit RGB with sharp (alpha dropped), as an independent reference. */
export async function decodeReference(bytes: Uint8Array, opts: { page?: number } = {}): Promise<RgbFrame> {
  const { data, info } = await sharp(bytes, { page: opts.page ?? 0 })
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height };
}

/** The RGB value at (x, y) of a `[1, 3, H, W]` tensor in [-1, 1], mapped back to 0..255 floats. */
export function tensorPixel(
  pixels: Float32Array,
  width: number,
  height: number,
  x: number,
  y: number,
): number[] {
  const plane = width * height;
  return [0, 1, 2].map((c) => (pixels[c * plane + y * width + x]! + 1) * 127.5);
}

/** Largest per-channel difference between two colours. */
export function colourDistance(a: number[], b: number[]): number {
  return Math.max(...a.map((v, i) => Math.abs(v - b[i]!)));
}

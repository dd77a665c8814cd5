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

/** A photo stand-in: smooth colour gradients, fine noise-like texture a 4x smaller size cannot hold, and one
 * hard vertical edge (the guided-transfer and detail-loss tests). */
export function syntheticPhoto(width: number, height: number): RgbFrame {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const edge = x < width / 2 ? 50 : 170;
      const texture = ((x * 7 + y * 13) % 11) * 3;
      const p = (y * width + x) * 3;
      data[p] = edge + texture;
      data[p + 1] = 40 + Math.round((120 * y) / height) + texture;
      data[p + 2] = 60 + Math.round((100 * x) / width);
    }
  return { data, width, height };
}

/** A global colour matrix plus offset (a mild sepia-like mix that stays inside 0..255 on `syntheticPhoto`). */
export function colourMix(frame: RgbFrame): RgbFrame {
  const m = [
    [0.6, 0.3, 0.1],
    [0.25, 0.6, 0.1],
    [0.15, 0.25, 0.45],
  ];
  const out = new Uint8Array(frame.data.length);
  for (let i = 0; i < out.length; i += 3)
    for (let c = 0; c < 3; c++)
      out[i + c] = Math.round(
        m[c]![0]! * frame.data[i]! + m[c]![1]! * frame.data[i + 1]! + m[c]![2]! * frame.data[i + 2]! + 10,
      );
  return { ...frame, data: out };
}

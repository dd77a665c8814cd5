import type { RgbFrame } from '../image/rgb-frame.ts';
import { assertRgbFrame } from '../image/rgb-frame.ts';

/**
 * Synchronous area-average downscale of an RGB frame (each output pixel is the mean of the source
 * pixels it covers, with integer bounds). Used where an async sharp call does not fit, such as the
 * synchronous GIF renderer. Upscaling is not supported: sides larger than the source throw.
 */
export function boxResize(frame: RgbFrame, width: number, height: number): RgbFrame {
  assertRgbFrame(frame);
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`target size must be positive integers, got ${width}x${height}`);
  }
  if (width > frame.width || height > frame.height) {
    throw new RangeError(`boxResize only downscales: ${frame.width}x${frame.height} -> ${width}x${height}`);
  }
  if (width === frame.width && height === frame.height) return frame;

  const xBounds = spans(frame.width, width);
  const yBounds = spans(frame.height, height);
  const src = frame.data;
  const out = new Uint8Array(width * height * 3);
  for (let oy = 0; oy < height; oy++) {
    const y0 = yBounds[oy]!;
    const y1 = yBounds[oy + 1]!;
    for (let ox = 0; ox < width; ox++) {
      const x0 = xBounds[ox]!;
      const x1 = xBounds[ox + 1]!;
      let r = 0;
      let g = 0;
      let b = 0;
      for (let y = y0; y < y1; y++) {
        let i = (y * frame.width + x0) * 3;
        for (let x = x0; x < x1; x++, i += 3) {
          r += src[i]!;
          g += src[i + 1]!;
          b += src[i + 2]!;
        }
      }
      const count = (y1 - y0) * (x1 - x0);
      const o = (oy * width + ox) * 3;
      out[o] = Math.round(r / count);
      out[o + 1] = Math.round(g / count);
      out[o + 2] = Math.round(b / count);
    }
  }
  return { data: out, width, height };
}

/** `to + 1` increasing boundaries splitting `from` source pixels into `to` non-empty runs. */
function spans(from: number, to: number): Int32Array {
  const bounds = new Int32Array(to + 1);
  for (let i = 0; i <= to; i++) bounds[i] = Math.floor((i * from) / to);
  return bounds;
}

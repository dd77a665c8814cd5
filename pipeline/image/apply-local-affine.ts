/**
 * Applies a working-size `LocalAffine` to a frame of any size, its coefficients interpolated bilinearly
 * (pixel centres aligned, clamped at the borders). At 2048 px this loop touches every output pixel, so it
 * is written for V8: the bilinear weights of a row are stepped along each span between two working
 * columns (12 additions per pixel instead of 12 interpolations), the per-row work is a small function that
 * gets optimised on its own, and rounding is `(v + 0.5) | 0` (Math.round cost twice as much here, and for
 * the positive values it sees gives the same result).
 */
import { COEFFICIENTS, type LocalAffine } from './local-affine.ts';
import type { RgbFrame } from './rgb-frame.ts';
import { assertRgbFrame } from './rgb-frame.ts';

/**
 * `affine` applied to `source`. Applied to the working-size source it gives the transfer's own prediction
 * of the result (at the same size the interpolation is the identity).
 */
export function applyLocalAffine(affine: LocalAffine, source: RgbFrame): RgbFrame {
  assertRgbFrame(source, 'source');
  const { width: w, height: h } = affine;
  const { width, height } = source;
  const table = affine.coefficients;
  const spans = columnSpans(w, width);
  const step = w / width;
  const row = new Float64Array(w * COEFFICIENTS);
  const out = new Uint8Array(source.data.length);
  for (let y = 0; y < height; y++) {
    const v = Math.min(h - 1, Math.max(0, ((y + 0.5) * h) / height - 0.5));
    const y0 = Math.floor(v);
    lerpRows(table, y0 * w * COEFFICIENTS, Math.min(h - 1, y0 + 1) * w * COEFFICIENTS, v - y0, row);
    applyRow(row, spans, step, source.data, out, y * width * 3);
  }
  return { data: out, width, height };
}

/**
 * `spans[j + 1]` is the first output column whose interpolation position lies in [j, j + 1) (clamped to
 * [-1, w - 1]: span -1 is the left border, span w - 1 the right one), and `spans[w + 1]` is `width`.
 */
function columnSpans(w: number, width: number): Int32Array {
  const spans = new Int32Array(w + 2);
  let j = -1;
  for (let x = 0; x < width; x++) {
    const span = Math.min(w - 1, Math.floor(((x + 0.5) * w) / width - 0.5));
    while (j < span) spans[++j + 1] = x;
  }
  while (j < w) spans[++j + 1] = width;
  return spans;
}

function lerpRows(table: Float32Array, top: number, bottom: number, f: number, row: Float64Array): void {
  for (let i = 0; i < row.length; i++) {
    const a = table[top + i]!;
    row[i] = a + f * (table[bottom + i]! - a);
  }
}

function applyRow(
  row: Float64Array,
  spans: Int32Array,
  step: number,
  data: Uint8Array,
  out: Uint8Array,
  start: number,
): void {
  const w = spans.length - 2;
  let p = start;
  for (let j = -1; j < w; j++) {
    const from = spans[j + 1]!;
    const to = spans[j + 2]!;
    if (from >= to) continue;
    const l = Math.max(0, j) * COEFFICIENTS;
    const r = Math.min(w - 1, j + 1) * COEFFICIENTS;
    // Inside the image the weights move by `step` per pixel; at the borders the value is held.
    const border = j < 0 || j >= w - 1;
    const f = border ? 0 : (from + 0.5) * step - 0.5 - j;
    const s = border ? 0 : step;
    let a0 = row[l]! + f * (row[r]! - row[l]!);
    let a1 = row[l + 1]! + f * (row[r + 1]! - row[l + 1]!);
    let a2 = row[l + 2]! + f * (row[r + 2]! - row[l + 2]!);
    let a3 = row[l + 3]! + f * (row[r + 3]! - row[l + 3]!);
    let a4 = row[l + 4]! + f * (row[r + 4]! - row[l + 4]!);
    let a5 = row[l + 5]! + f * (row[r + 5]! - row[l + 5]!);
    let a6 = row[l + 6]! + f * (row[r + 6]! - row[l + 6]!);
    let a7 = row[l + 7]! + f * (row[r + 7]! - row[l + 7]!);
    let a8 = row[l + 8]! + f * (row[r + 8]! - row[l + 8]!);
    // Offsets are in [0, 1] units: x 255 for 8-bit pixels.
    let b0 = (row[l + 9]! + f * (row[r + 9]! - row[l + 9]!)) * 255;
    let b1 = (row[l + 10]! + f * (row[r + 10]! - row[l + 10]!)) * 255;
    let b2 = (row[l + 11]! + f * (row[r + 11]! - row[l + 11]!)) * 255;
    const d0 = s * (row[r]! - row[l]!);
    const d1 = s * (row[r + 1]! - row[l + 1]!);
    const d2 = s * (row[r + 2]! - row[l + 2]!);
    const d3 = s * (row[r + 3]! - row[l + 3]!);
    const d4 = s * (row[r + 4]! - row[l + 4]!);
    const d5 = s * (row[r + 5]! - row[l + 5]!);
    const d6 = s * (row[r + 6]! - row[l + 6]!);
    const d7 = s * (row[r + 7]! - row[l + 7]!);
    const d8 = s * (row[r + 8]! - row[l + 8]!);
    const e0 = s * (row[r + 9]! - row[l + 9]!) * 255;
    const e1 = s * (row[r + 10]! - row[l + 10]!) * 255;
    const e2 = s * (row[r + 11]! - row[l + 11]!) * 255;
    for (let x = from; x < to; x++, p += 3) {
      const red = data[p]!;
      const green = data[p + 1]!;
      const blue = data[p + 2]!;
      const v0 = a0 * red + a1 * green + a2 * blue + b0;
      const v1 = a3 * red + a4 * green + a5 * blue + b1;
      const v2 = a6 * red + a7 * green + a8 * blue + b2;
      // Uint8Array wraps instead of clamping, so clamp before the store.
      out[p] = v0 <= 0 ? 0 : v0 >= 255 ? 255 : (v0 + 0.5) | 0;
      out[p + 1] = v1 <= 0 ? 0 : v1 >= 255 ? 255 : (v1 + 0.5) | 0;
      out[p + 2] = v2 <= 0 ? 0 : v2 >= 255 ? 255 : (v2 + 0.5) | 0;
      a0 += d0;
      a1 += d1;
      a2 += d2;
      a3 += d3;
      a4 += d4;
      a5 += d5;
      a6 += d6;
      a7 += d7;
      a8 += d8;
      b0 += e0;
      b1 += e1;
      b2 += e2;
    }
  }
}

/**
 * Edge-aware transfer of a photometric edit from the working size to the source's size (issue 14): a
 * colour guided filter (He, Sun and Tang, "Guided Image Filtering") fits, in every (2r+1)^2 window of the
 * working-size source I, the affine colour transform `p ~ A I + b` (A 3x3, b 3) that maps it to the
 * working-size result p. The coefficients are averaged over the windows, upsampled bilinearly and applied
 * to the full-size source (apply-local-affine.ts), so edges and texture come from the photo itself and
 * only the colour change comes from the model.
 *
 * Unlike the textbook filter, the regulariser pulls A toward the image's global affine fit rather than
 * toward 0: in a flat window (where fine texture of the full-size photo averages out at the working size)
 * a toward-0 prior would replace that texture by the window's mean colour and blur it away.
 */
import { boxMeanInterleaved } from './box-mean.ts';
import type { RgbFrame } from './rgb-frame.ts';
import { assertRgbFrame } from './rgb-frame.ts';
import { COEFFICIENTS, type LocalAffine } from './local-affine.ts';
import { WorkBuffers } from './work-buffers.ts';

// The apply step lives in its own module (it is the per-output-pixel loop); callers find both here.
export { applyLocalAffine } from './apply-local-affine.ts';
export type { LocalAffine } from './local-affine.ts';

export interface GuidedTransferOptions {
  /** Window radius in working-size pixels. @defaultValue 2 */
  radius?: number;
  /**
   * Regulariser (colour values in [0, 1], so 1e-4 is a standard deviation of 2.55/255): windows whose
   * variance is well above it follow their own fit, flatter ones the global fit. @defaultValue 1e-4
   */
  epsilon?: number;
}

/**
 * Per pixel, interleaved: I (3), p (3), then I_i I_j for i <= j (6: 00 01 02 11 12 22), then I_i p_c
 * (9, index 12 + 3c + i). Window means of these give every covariance the fit needs.
 */
const MOMENTS = 21;

// The moments, the box filter's row pass and the raw coefficients: reused from fit to fit (work-buffers.ts).
const work = new WorkBuffers();

/** Fits the local affine colour transform from `source` to `result` (both at the working size). */
export function fitLocalAffine(
  source: RgbFrame,
  result: RgbFrame,
  options: GuidedTransferOptions = {},
): LocalAffine {
  const { radius = 2, epsilon = 1e-4 } = options;
  assertRgbFrame(source, 'source');
  assertRgbFrame(result, 'result');
  if (source.width !== result.width || source.height !== result.height) {
    throw new RangeError(
      `source ${source.width}x${source.height} and result ${result.width}x${result.height} differ in size`,
    );
  }
  if (!(epsilon > 0)) throw new RangeError(`epsilon must be > 0, got ${epsilon}`);
  const { width, height } = source;
  const n = width * height;
  const moments = pixelMoments(source.data, result.data, n);
  const global = globalAffine(moments, n);
  const scratch = work.take('scratch', n * MOMENTS);
  boxMeanInterleaved(moments, MOMENTS, width, height, radius, moments, scratch);

  // Plain locals in the per-pixel solve: it runs for every working pixel, and indirections were most of its cost.
  const raw = work.take('raw', n * COEFFICIENTS);
  for (let x = 0; x < n; x++) {
    const m = x * MOMENTS;
    const u0 = moments[m]!;
    const u1 = moments[m + 1]!;
    const u2 = moments[m + 2]!;
    // Window covariance of the guide plus epsilon on the diagonal (symmetric).
    const a = moments[m + 6]! - u0 * u0 + epsilon;
    const b = moments[m + 7]! - u0 * u1;
    const d = moments[m + 8]! - u0 * u2;
    const e = moments[m + 9]! - u1 * u1 + epsilon;
    const f = moments[m + 10]! - u1 * u2;
    const h = moments[m + 11]! - u2 * u2 + epsilon;
    // Its inverse by the adjugate, shared by the three output channels.
    const c00 = e * h - f * f;
    const c01 = d * f - b * h;
    const c02 = b * f - d * e;
    const c11 = a * h - d * d;
    const c12 = b * d - a * f;
    const c22 = a * e - b * b;
    const k = 1 / (a * c00 + b * c01 + d * c02);
    const o = x * COEFFICIENTS;
    for (let c = 0; c < 3; c++) {
      const q = moments[m + 3 + c]!;
      const g = c * 4;
      // rhs = cov(I, p_c) + epsilon * (global row c): the prior pulls toward the global fit.
      const r0 = moments[m + 12 + 3 * c]! - u0 * q + epsilon * global[g]!;
      const r1 = moments[m + 13 + 3 * c]! - u1 * q + epsilon * global[g + 1]!;
      const r2 = moments[m + 14 + 3 * c]! - u2 * q + epsilon * global[g + 2]!;
      const a0 = (c00 * r0 + c01 * r1 + c02 * r2) * k;
      const a1 = (c01 * r0 + c11 * r1 + c12 * r2) * k;
      const a2 = (c02 * r0 + c12 * r1 + c22 * r2) * k;
      raw[o + 3 * c] = a0;
      raw[o + 3 * c + 1] = a1;
      raw[o + 3 * c + 2] = a2;
      raw[o + 9 + c] = q - a0 * u0 - a1 * u1 - a2 * u2;
    }
  }
  // Averaged over the windows that cover each pixel.
  const coefficients = new Float32Array(n * COEFFICIENTS);
  boxMeanInterleaved(raw, COEFFICIENTS, width, height, radius, coefficients, scratch.subarray(0, raw.length));
  return { width, height, coefficients };
}

/** The 21 per-pixel moments (see MOMENTS) of 8-bit source and result pixels, colour values in [0, 1]. */
function pixelMoments(source: Uint8Array, result: Uint8Array, n: number): Float64Array {
  const moments = work.take('moments', n * MOMENTS);
  for (let i = 0; i < n; i++) {
    const p = i * 3;
    const i0 = source[p]! / 255;
    const i1 = source[p + 1]! / 255;
    const i2 = source[p + 2]! / 255;
    const p0 = result[p]! / 255;
    const p1 = result[p + 1]! / 255;
    const p2 = result[p + 2]! / 255;
    const m = i * MOMENTS;
    moments[m] = i0;
    moments[m + 1] = i1;
    moments[m + 2] = i2;
    moments[m + 3] = p0;
    moments[m + 4] = p1;
    moments[m + 5] = p2;
    moments[m + 6] = i0 * i0;
    moments[m + 7] = i0 * i1;
    moments[m + 8] = i0 * i2;
    moments[m + 9] = i1 * i1;
    moments[m + 10] = i1 * i2;
    moments[m + 11] = i2 * i2;
    moments[m + 12] = i0 * p0;
    moments[m + 13] = i1 * p0;
    moments[m + 14] = i2 * p0;
    moments[m + 15] = i0 * p1;
    moments[m + 16] = i1 * p1;
    moments[m + 17] = i2 * p1;
    moments[m + 18] = i0 * p2;
    moments[m + 19] = i1 * p2;
    moments[m + 20] = i2 * p2;
  }
  return moments;
}

/**
 * The least-squares affine map over the whole image, 3 rows of [A_c0, A_c1, A_c2, b_c], from the image
 * means of the per-pixel moments; a tiny ridge keeps a flat (e.g. single-colour) image solvable, where it
 * falls back to "same colour change everywhere".
 */
function globalAffine(moments: Float64Array, n: number): Float64Array {
  const mean = new Float64Array(MOMENTS);
  for (let i = 0; i < n; i++)
    for (let k = 0; k < MOMENTS; k++) mean[k] = mean[k]! + moments[i * MOMENTS + k]!;
  for (let k = 0; k < MOMENTS; k++) mean[k] = mean[k]! / n;
  const [u0, u1, u2] = [mean[0]!, mean[1]!, mean[2]!];
  const ridge = 1e-6;
  const s = Float64Array.of(
    mean[6]! - u0 * u0 + ridge,
    mean[7]! - u0 * u1,
    mean[8]! - u0 * u2,
    mean[7]! - u0 * u1,
    mean[9]! - u1 * u1 + ridge,
    mean[10]! - u1 * u2,
    mean[8]! - u0 * u2,
    mean[10]! - u1 * u2,
    mean[11]! - u2 * u2 + ridge,
  );
  const inv = new Float64Array(9);
  invert3(s, inv);
  const out = new Float64Array(12);
  for (let c = 0; c < 3; c++) {
    const q = mean[3 + c]!;
    const r = [0, 1, 2].map((i) => mean[12 + 3 * c + i]! - mean[i]! * q);
    let b = q;
    for (let i = 0; i < 3; i++) {
      const a = inv[i * 3]! * r[0]! + inv[i * 3 + 1]! * r[1]! + inv[i * 3 + 2]! * r[2]!;
      out[c * 4 + i] = a;
      b -= a * mean[i]!;
    }
    out[c * 4 + 3] = b;
  }
  return out;
}

/** Inverse of a symmetric positive definite 3x3 matrix (row-major) by its adjugate. */
function invert3(m: Float64Array, out: Float64Array): void {
  const [a, b, c, d, e, f, g, h, i] = m as unknown as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const A = e * i - f * h;
  const B = -(d * i - f * g);
  const C = d * h - e * g;
  const det = a * A + b * B + c * C;
  const k = 1 / det;
  out[0] = A * k;
  out[1] = -(b * i - c * h) * k;
  out[2] = (b * f - c * e) * k;
  out[3] = B * k;
  out[4] = (a * i - c * g) * k;
  out[5] = -(a * f - c * d) * k;
  out[6] = C * k;
  out[7] = -(a * h - b * g) * k;
  out[8] = (a * e - b * d) * k;
}

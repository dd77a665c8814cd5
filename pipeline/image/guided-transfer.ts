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

/** Guide moments per pixel, interleaved: I (3), then I_i I_j for i <= j (6: 00 01 02 11 12 22). */
const GUIDE_MOMENTS = 9;
/** Result moments per pixel, interleaved: p (3), then I_i p_c (9, index 3 + 3c + i). */
const RESULT_MOMENTS = 12;

// The moments, the box filter's row pass and the raw coefficients: reused from fit to fit (work-buffers.ts).
const work = new WorkBuffers();

/**
 * What a fit needs from the source alone, so the frames of a sweep (all fitted against the same strength-0
 * frame) share it: per pixel the window means of I (3) and the inverse of the window covariance of I plus
 * epsilon (6: 00 01 02 11 12 22), and the image means of the guide moments.
 */
export interface FitGuide {
  width: number;
  height: number;
  radius: number;
  epsilon: number;
  /** 9 values per pixel: window mean of I, then the symmetric inverse. */
  windows: Float64Array;
  /** Image means of the 9 guide moments (for the global fit). */
  means: Float64Array;
}

/** The source's half of the fit (see FitGuide). */
export function prepareGuide(source: RgbFrame, options: GuidedTransferOptions = {}): FitGuide {
  const { radius = 2, epsilon = 1e-4 } = options;
  assertRgbFrame(source, 'source');
  if (!(epsilon > 0)) throw new RangeError(`epsilon must be > 0, got ${epsilon}`);
  const { width, height, data } = source;
  const n = width * height;
  const moments = work.take('guide', n * GUIDE_MOMENTS);
  for (let i = 0; i < n; i++) {
    const i0 = data[i * 3]! / 255;
    const i1 = data[i * 3 + 1]! / 255;
    const i2 = data[i * 3 + 2]! / 255;
    const m = i * GUIDE_MOMENTS;
    moments[m] = i0;
    moments[m + 1] = i1;
    moments[m + 2] = i2;
    moments[m + 3] = i0 * i0;
    moments[m + 4] = i0 * i1;
    moments[m + 5] = i0 * i2;
    moments[m + 6] = i1 * i1;
    moments[m + 7] = i1 * i2;
    moments[m + 8] = i2 * i2;
  }
  const means = imageMeans(moments, GUIDE_MOMENTS, n);
  // Fresh, not a work buffer: it outlives other fits (a sweep's frames await between them).
  const windows = new Float64Array(n * GUIDE_MOMENTS);
  boxMeanInterleaved(
    moments,
    GUIDE_MOMENTS,
    width,
    height,
    radius,
    windows,
    work.take('scratch', moments.length),
  );
  for (let x = 0; x < n; x++) {
    const m = x * GUIDE_MOMENTS;
    const u0 = windows[m]!;
    const u1 = windows[m + 1]!;
    const u2 = windows[m + 2]!;
    // Window covariance of the guide plus epsilon on the diagonal (symmetric), inverted by its adjugate.
    const a = windows[m + 3]! - u0 * u0 + epsilon;
    const b = windows[m + 4]! - u0 * u1;
    const d = windows[m + 5]! - u0 * u2;
    const e = windows[m + 6]! - u1 * u1 + epsilon;
    const f = windows[m + 7]! - u1 * u2;
    const h = windows[m + 8]! - u2 * u2 + epsilon;
    const c00 = e * h - f * f;
    const c01 = d * f - b * h;
    const c02 = b * f - d * e;
    const k = 1 / (a * c00 + b * c01 + d * c02);
    windows[m + 3] = c00 * k;
    windows[m + 4] = c01 * k;
    windows[m + 5] = c02 * k;
    windows[m + 6] = (a * h - d * d) * k;
    windows[m + 7] = (b * d - a * f) * k;
    windows[m + 8] = (a * e - b * b) * k;
  }
  return { width, height, radius, epsilon, windows, means };
}

/**
 * Fits the local affine colour transform from `source` to `result` (both at the working size). `guide`
 * (from `prepareGuide(source, options)`) skips the source's half when several results share a source.
 */
export function fitLocalAffine(
  source: RgbFrame,
  result: RgbFrame,
  options: GuidedTransferOptions = {},
  guide: FitGuide = prepareGuide(source, options),
): LocalAffine {
  assertRgbFrame(result, 'result');
  if (source.width !== result.width || source.height !== result.height) {
    throw new RangeError(
      `source ${source.width}x${source.height} and result ${result.width}x${result.height} differ in size`,
    );
  }
  if (guide.width !== source.width || guide.height !== source.height)
    throw new RangeError(
      `the guide is ${guide.width}x${guide.height}, the source ${source.width}x${source.height}`,
    );
  const { width, height, radius, epsilon, windows } = guide;
  const n = width * height;
  const moments = resultMoments(source.data, result.data, n);
  const global = globalAffine(guide.means, imageMeans(moments, RESULT_MOMENTS, n));
  boxMeanInterleaved(
    moments,
    RESULT_MOMENTS,
    width,
    height,
    radius,
    moments,
    work.take('scratch', moments.length),
  );

  // Plain locals in the per-pixel solve: it runs for every working pixel, and indirections were most of its cost.
  const raw = work.take('raw', n * COEFFICIENTS);
  for (let x = 0; x < n; x++) {
    const g = x * GUIDE_MOMENTS;
    const m = x * RESULT_MOMENTS;
    const u0 = windows[g]!;
    const u1 = windows[g + 1]!;
    const u2 = windows[g + 2]!;
    const c00 = windows[g + 3]!;
    const c01 = windows[g + 4]!;
    const c02 = windows[g + 5]!;
    const c11 = windows[g + 6]!;
    const c12 = windows[g + 7]!;
    const c22 = windows[g + 8]!;
    const o = x * COEFFICIENTS;
    for (let c = 0; c < 3; c++) {
      const q = moments[m + c]!;
      const p = c * 4;
      // rhs = cov(I, p_c) + epsilon * (global row c): the prior pulls toward the global fit.
      const r0 = moments[m + 3 + 3 * c]! - u0 * q + epsilon * global[p]!;
      const r1 = moments[m + 4 + 3 * c]! - u1 * q + epsilon * global[p + 1]!;
      const r2 = moments[m + 5 + 3 * c]! - u2 * q + epsilon * global[p + 2]!;
      const a0 = c00 * r0 + c01 * r1 + c02 * r2;
      const a1 = c01 * r0 + c11 * r1 + c12 * r2;
      const a2 = c02 * r0 + c12 * r1 + c22 * r2;
      raw[o + 3 * c] = a0;
      raw[o + 3 * c + 1] = a1;
      raw[o + 3 * c + 2] = a2;
      raw[o + 9 + c] = q - a0 * u0 - a1 * u1 - a2 * u2;
    }
  }
  // Averaged over the windows that cover each pixel.
  const coefficients = new Float32Array(n * COEFFICIENTS);
  boxMeanInterleaved(
    raw,
    COEFFICIENTS,
    width,
    height,
    radius,
    coefficients,
    work.take('scratch', raw.length),
  );
  return { width, height, coefficients };
}

/** The 12 per-pixel result moments (see RESULT_MOMENTS) of 8-bit pixels, colour values in [0, 1]. */
function resultMoments(source: Uint8Array, result: Uint8Array, n: number): Float64Array<ArrayBuffer> {
  const moments = work.take('result', n * RESULT_MOMENTS);
  for (let i = 0; i < n; i++) {
    const p = i * 3;
    const i0 = source[p]! / 255;
    const i1 = source[p + 1]! / 255;
    const i2 = source[p + 2]! / 255;
    const m = i * RESULT_MOMENTS;
    for (let c = 0; c < 3; c++) {
      const v = result[p + c]! / 255;
      moments[m + c] = v;
      moments[m + 3 + 3 * c] = i0 * v;
      moments[m + 4 + 3 * c] = i1 * v;
      moments[m + 5 + 3 * c] = i2 * v;
    }
  }
  return moments;
}

/** The image mean of each of `channels` interleaved planes. */
function imageMeans(data: Float64Array, channels: number, n: number): Float64Array {
  const mean = new Float64Array(channels);
  for (let i = 0; i < n; i++) for (let k = 0; k < channels; k++) mean[k] = mean[k]! + data[i * channels + k]!;
  for (let k = 0; k < channels; k++) mean[k] = mean[k]! / n;
  return mean;
}

/**
 * The least-squares affine map over the whole image, 3 rows of [A_c0, A_c1, A_c2, b_c], from the image
 * means of the guide and result moments; a tiny ridge keeps a flat (e.g. single-colour) image solvable,
 * where it falls back to "same colour change everywhere".
 */
function globalAffine(guide: Float64Array, result: Float64Array): Float64Array {
  const [u0, u1, u2] = [guide[0]!, guide[1]!, guide[2]!];
  const ridge = 1e-6;
  const s = Float64Array.of(
    guide[3]! - u0 * u0 + ridge,
    guide[4]! - u0 * u1,
    guide[5]! - u0 * u2,
    guide[4]! - u0 * u1,
    guide[6]! - u1 * u1 + ridge,
    guide[7]! - u1 * u2,
    guide[5]! - u0 * u2,
    guide[7]! - u1 * u2,
    guide[8]! - u2 * u2 + ridge,
  );
  const inv = new Float64Array(9);
  invert3(s, inv);
  const out = new Float64Array(12);
  for (let c = 0; c < 3; c++) {
    const q = result[c]!;
    const r = [0, 1, 2].map((i) => result[3 + 3 * c + i]! - guide[i]! * q);
    let b = q;
    for (let i = 0; i < 3; i++) {
      const a = inv[i * 3]! * r[0]! + inv[i * 3 + 1]! * r[1]! + inv[i * 3 + 2]! * r[2]!;
      out[c * 4 + i] = a;
      b -= a * guide[i]!;
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

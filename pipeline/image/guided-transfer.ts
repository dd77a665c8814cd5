/**
 * Edge-aware transfer of a photometric edit from the working size to the source's size (issue 14): a
 * colour guided filter (He, Sun and Tang, "Guided Image Filtering") fits, in every (2r+1)^2 window of the
 * working-size source I, the affine colour transform `p ~ A I + b` (A 3x3, b 3) that maps it to the
 * working-size result p. The coefficients are averaged over the windows, upsampled bilinearly and applied
 * to the full-size source, so edges and texture come from the photo itself and only the colour change
 * comes from the model.
 *
 * Unlike the textbook filter, the regulariser pulls A toward the image's global affine fit rather than
 * toward 0: in a flat window (where fine texture of the full-size photo averages out at the working size)
 * a toward-0 prior would replace that texture by the window's mean colour and blur it away.
 */
import { boxMean } from './box-mean.ts';
import type { RgbFrame } from './rgb-frame.ts';
import { assertRgbFrame } from './rgb-frame.ts';

export interface GuidedTransferOptions {
  /** Window radius in working-size pixels. @defaultValue 2 */
  radius?: number;
  /**
   * Regulariser (colour values in [0, 1], so 1e-4 is a standard deviation of 2.55/255): windows whose
   * variance is well above it follow their own fit, flatter ones the global fit. @defaultValue 1e-4
   */
  epsilon?: number;
}

/** Per working-size pixel: the 3x3 matrix (row per output channel) then the offset, 12 planes in [0, 1] units. */
export interface LocalAffine {
  width: number;
  height: number;
  /** `coefficients[k * plane + i]`: k = 3 * outputChannel + inputChannel for A, 9 + outputChannel for b. */
  coefficients: Float32Array;
}

const COEFFICIENTS = 12;

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
  const guide = channelPlanes(source);
  const target = channelPlanes(result);
  const global = globalAffine(guide, target);
  const mean = (plane: Float64Array) => boxMean(plane, width, height, radius);
  const product = (a: Float64Array, b: Float64Array) => {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = a[i]! * b[i]!;
    return mean(out);
  };
  const muI = guide.map(mean);
  const muP = target.map(mean);
  // Second moments: II symmetric (6 planes), Ip full (9 planes).
  const ii: Float64Array[][] = [[], [], []];
  for (let i = 0; i < 3; i++)
    for (let j = i; j < 3; j++) ii[i]![j] = ii[j]![i] = product(guide[i]!, guide[j]!);
  const ip = guide.map((g) => target.map((t) => product(g, t)));

  const raw = Array.from({ length: COEFFICIENTS }, () => new Float64Array(n));
  // Plain locals rather than nested arrays in the per-pixel loop: it runs for every working pixel and the
  // indirections were most of its cost.
  const [m0, m1, m2] = muI as [Float64Array, Float64Array, Float64Array];
  const [s00, s01, s02, s11, s12, s22] = [
    ii[0]![0]!,
    ii[0]![1]!,
    ii[0]![2]!,
    ii[1]![1]!,
    ii[1]![2]!,
    ii[2]![2]!,
  ];
  for (let c = 0; c < 3; c++) {
    const [e0, e1, e2] = [ip[0]![c]!, ip[1]![c]!, ip[2]![c]!];
    const q = muP[c]!;
    const [g0, g1, g2] = [global[c * 4]!, global[c * 4 + 1]!, global[c * 4 + 2]!];
    const [out0, out1, out2, outB] = [raw[c * 3]!, raw[c * 3 + 1]!, raw[c * 3 + 2]!, raw[9 + c]!];
    for (let x = 0; x < n; x++) {
      const u0 = m0[x]!;
      const u1 = m1[x]!;
      const u2 = m2[x]!;
      // Window covariance of the guide plus epsilon on the diagonal (symmetric).
      const a = s00[x]! - u0 * u0 + epsilon;
      const b = s01[x]! - u0 * u1;
      const d = s02[x]! - u0 * u2;
      const e = s11[x]! - u1 * u1 + epsilon;
      const f = s12[x]! - u1 * u2;
      const h = s22[x]! - u2 * u2 + epsilon;
      // rhs = cov(I, p_c) + epsilon * (global row c): the prior pulls toward the global fit.
      const qx = q[x]!;
      const r0 = e0[x]! - u0 * qx + epsilon * g0;
      const r1 = e1[x]! - u1 * qx + epsilon * g1;
      const r2 = e2[x]! - u2 * qx + epsilon * g2;
      // Solve by the adjugate of the symmetric matrix [[a b d] [b e f] [d f h]].
      const c00 = e * h - f * f;
      const c01 = d * f - b * h;
      const c02 = b * f - d * e;
      const c11 = a * h - d * d;
      const c12 = b * d - a * f;
      const c22 = a * e - b * b;
      const k = 1 / (a * c00 + b * c01 + d * c02);
      const a0 = (c00 * r0 + c01 * r1 + c02 * r2) * k;
      const a1 = (c01 * r0 + c11 * r1 + c12 * r2) * k;
      const a2 = (c02 * r0 + c12 * r1 + c22 * r2) * k;
      out0[x] = a0;
      out1[x] = a1;
      out2[x] = a2;
      outB[x] = qx - a0 * u0 - a1 * u1 - a2 * u2;
    }
  }
  const coefficients = new Float32Array(COEFFICIENTS * n);
  raw.forEach((plane, k) => coefficients.set(mean(plane), k * n));
  return { width, height, coefficients };
}

/**
 * Applies `affine` to `source` of any size, interpolating the coefficients bilinearly (pixel centres
 * aligned). Applied to the working-size source it gives the transfer's own prediction of the result.
 */
export function applyLocalAffine(affine: LocalAffine, source: RgbFrame): RgbFrame {
  assertRgbFrame(source, 'source');
  const { width: w, height: h, coefficients } = affine;
  const plane = w * h;
  const { width, height, data } = source;
  const x0 = new Int32Array(width);
  const x1 = new Int32Array(width);
  const fx = new Float32Array(width);
  for (let x = 0; x < width; x++) {
    const u = Math.min(w - 1, Math.max(0, ((x + 0.5) * w) / width - 0.5));
    x0[x] = Math.floor(u);
    x1[x] = Math.min(w - 1, x0[x]! + 1);
    fx[x] = u - x0[x]!;
  }
  // One row of coefficients, interpolated vertically, interleaved per working column (12 values each).
  const row = new Float32Array(w * COEFFICIENTS);
  const out = new Uint8Array(data.length);
  for (let y = 0; y < height; y++) {
    const v = Math.min(h - 1, Math.max(0, ((y + 0.5) * h) / height - 0.5));
    const y0 = Math.floor(v);
    const y1 = Math.min(h - 1, y0 + 1);
    const fy = v - y0;
    for (let k = 0; k < COEFFICIENTS; k++) {
      const top = k * plane + y0 * w;
      const bottom = k * plane + y1 * w;
      for (let x = 0; x < w; x++) {
        const a = coefficients[top + x]!;
        row[x * COEFFICIENTS + k] = a + fy * (coefficients[bottom + x]! - a);
      }
    }
    for (let x = 0; x < width; x++) {
      const l = x0[x]! * COEFFICIENTS;
      const r = x1[x]! * COEFFICIENTS;
      const f = fx[x]!;
      const p = (y * width + x) * 3;
      const red = data[p]!;
      const green = data[p + 1]!;
      const blue = data[p + 2]!;
      for (let c = 0; c < 3; c++) {
        const k = c * 3;
        const a0 = row[l + k]! + f * (row[r + k]! - row[l + k]!);
        const a1 = row[l + k + 1]! + f * (row[r + k + 1]! - row[l + k + 1]!);
        const a2 = row[l + k + 2]! + f * (row[r + k + 2]! - row[l + k + 2]!);
        const b = row[l + 9 + c]! + f * (row[r + 9 + c]! - row[l + 9 + c]!);
        // Uint8Array clamps nothing (it wraps), so clamp before the store; Math.round is enough for 8 bits.
        const value = Math.round(a0 * red + a1 * green + a2 * blue + b * 255);
        out[p + c] = value < 0 ? 0 : value > 255 ? 255 : value;
      }
    }
  }
  return { data: out, width, height };
}

/** Interleaved 8-bit RGB -> three planes in [0, 1]. */
function channelPlanes(frame: RgbFrame): Float64Array[] {
  const n = frame.width * frame.height;
  const planes = [new Float64Array(n), new Float64Array(n), new Float64Array(n)];
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) planes[c]![i] = frame.data[i * 3 + c]! / 255;
  return planes;
}

/**
 * The least-squares affine map over the whole image, 3 rows of [A_c0, A_c1, A_c2, b_c]; a tiny ridge keeps
 * a flat (e.g. single-colour) image solvable, where it falls back to "same colour change everywhere".
 */
function globalAffine(guide: Float64Array[], target: Float64Array[]): Float64Array {
  const n = guide[0]!.length;
  const mu = (p: Float64Array) => p.reduce((a, v) => a + v, 0) / n;
  const muI = guide.map(mu);
  const muP = target.map(mu);
  const cov = (a: Float64Array, ma: number, b: Float64Array, mb: number) => {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += (a[i]! - ma) * (b[i]! - mb);
    return sum / n;
  };
  const s = new Float64Array(9);
  for (let i = 0; i < 3; i++)
    for (let j = 0; j < 3; j++)
      s[i * 3 + j] = cov(guide[i]!, muI[i]!, guide[j]!, muI[j]!) + (i === j ? 1e-6 : 0);
  const inv = new Float64Array(9);
  invert3(s, inv);
  const out = new Float64Array(12);
  for (let c = 0; c < 3; c++) {
    const r = [0, 1, 2].map((i) => cov(guide[i]!, muI[i]!, target[c]!, muP[c]!));
    let b = muP[c]!;
    for (let i = 0; i < 3; i++) {
      const a = inv[i * 3]! * r[0]! + inv[i * 3 + 1]! * r[1]! + inv[i * 3 + 2]! * r[2]!;
      out[c * 4 + i] = a;
      b -= a * muI[i]!;
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

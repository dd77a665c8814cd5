/**
 * Image-quality metrics of the kk-tiny eval, as defined in `models/train/FAMILIES.md` (reference:
 * `models/train/evaluate.py`): PSNR of 8-bit images, mean CIELAB (D65) CIE76 delta-E, Pearson r, and the
 * monotonicity and smoothness of a strength sweep.
 */
import type { RgbFrame } from '../pipeline/image/rgb-frame.ts';
import { assertRgbFrame } from '../pipeline/image/rgb-frame.ts';

/** The reference floors the MSE (in [0, 1] units) here, so identical images score 120 dB, not Infinity. */
const MIN_MSE = 1e-12;

function assertSameSize(a: RgbFrame, b: RgbFrame): void {
  assertRgbFrame(a, 'first image');
  assertRgbFrame(b, 'second image');
  if (a.width !== b.width || a.height !== b.height)
    throw new RangeError(`images differ in size: ${a.width}x${a.height} vs ${b.width}x${b.height}`);
}

/** `10 log10(1 / MSE)` over every channel of two 8-bit images (MSE of `u / 255`), in dB. */
export function psnr(a: RgbFrame, b: RgbFrame): number {
  assertSameSize(a, b);
  let sum = 0;
  for (let i = 0; i < a.data.length; i++) {
    const d = a.data[i]! - b.data[i]!;
    sum += d * d;
  }
  const mse = Math.max(sum / a.data.length / (255 * 255), MIN_MSE);
  return 10 * Math.log10(1 / mse);
}

// sRGB (D65) -> XYZ, and the reference white.
const RGB_TO_XYZ = [
  0.4124564, 0.3575761, 0.1804375, 0.2126729, 0.7151522, 0.072175, 0.0193339, 0.119192, 0.9503041,
] as const;
const WHITE = [0.95047, 1.0, 1.08883] as const;
const EPSILON = (6 / 29) ** 3;

function linearise(x: number): number {
  return x <= 0.04045 ? x / 12.92 : Math.pow((Math.max(x, 0) + 0.055) / 1.055, 2.4);
}
const labF = (t: number) => (t > EPSILON ? Math.cbrt(t) : t / (3 * (6 / 29) ** 2) + 4 / 29);

/** CIELAB (D65) of one gamma-encoded sRGB pixel with channels in [0, 1], as [L, a, b]. */
export function srgbToLab(r: number, g: number, b: number): [number, number, number] {
  return linearToLab(linearise(r), linearise(g), linearise(b));
}

function linearToLab(lr: number, lg: number, lb: number): [number, number, number] {
  const m = RGB_TO_XYZ;
  const fx = labF((m[0] * lr + m[1] * lg + m[2] * lb) / WHITE[0]);
  const fy = labF((m[3] * lr + m[4] * lg + m[5] * lb) / WHITE[1]);
  const fz = labF((m[6] * lr + m[7] * lg + m[8] * lb) / WHITE[2]);
  return [116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)];
}

/** 8-bit value -> linear light: the same formula, tabulated (inputs are exactly u / 255). */
const LINEAR_8BIT = Float64Array.from({ length: 256 }, (_, u) => linearise(u / 255));

/** Interleaved L, a, b of every pixel of an 8-bit image (compute once, compare many times). */
export function frameToLab(frame: RgbFrame): Float64Array {
  assertRgbFrame(frame);
  const { data } = frame;
  const out = new Float64Array(data.length);
  for (let o = 0; o < data.length; o += 3) {
    const [l, a, b] = linearToLab(
      LINEAR_8BIT[data[o]!]!,
      LINEAR_8BIT[data[o + 1]!]!,
      LINEAR_8BIT[data[o + 2]!]!,
    );
    out[o] = l;
    out[o + 1] = a;
    out[o + 2] = b;
  }
  return out;
}

/** Mean over pixels of the CIE76 distance between two Lab images from `frameToLab`. */
export function meanDeltaELab(a: Float64Array, b: Float64Array): number {
  if (a.length !== b.length || a.length % 3 !== 0 || a.length === 0)
    throw new RangeError(`Lab images differ in size or are empty: ${a.length} vs ${b.length} values`);
  let sum = 0;
  for (let o = 0; o < a.length; o += 3) {
    const dl = a[o]! - b[o]!;
    const da = a[o + 1]! - b[o + 1]!;
    const db = a[o + 2]! - b[o + 2]!;
    sum += Math.sqrt(dl * dl + da * da + db * db);
  }
  return sum / (a.length / 3);
}

/** Mean CIE76 delta-E between two 8-bit images. */
export function meanDeltaE(a: RgbFrame, b: RgbFrame): number {
  assertSameSize(a, b);
  return meanDeltaELab(frameToLab(a), frameToLab(b));
}

/** Pearson correlation; 0 when either series is (nearly) constant, as the reference. */
export function pearson(xs: readonly number[], ys: readonly number[]): number {
  if (xs.length !== ys.length || xs.length < 2)
    throw new RangeError(
      `pearson needs two series of the same length >= 2, got ${xs.length} and ${ys.length}`,
    );
  const n = xs.length;
  const mx = xs.reduce((a, v) => a + v, 0) / n;
  const my = ys.reduce((a, v) => a + v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = xs[i]! - mx;
    const dy = ys[i]! - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  const minStd = 1e-9;
  if (Math.sqrt(sxx / n) <= minStd || Math.sqrt(syy / n) <= minStd) return 0;
  return sxy / Math.sqrt(sxx * syy);
}

/** Default slack of `isMonotone`: a drop of less than this (in delta-E) still counts as monotone. */
export const MONOTONE_TOLERANCE = 0.25;

/** `values[k] >= values[k-1] - tolerance` for every k. */
export function isMonotone(values: readonly number[], tolerance = MONOTONE_TOLERANCE): boolean {
  for (let k = 1; k < values.length; k++) if (values[k]! < values[k - 1]! - tolerance) return false;
  return true;
}

/** Spans `d(k, k+2)` below this are skipped by `smoothness`: the frames barely differ, the ratio is noise. */
export const SMOOTHNESS_MIN_SPAN = 0.5;

/**
 * delta_smooth of a sweep: max over consecutive triplets of `(d(k,k+1) + d(k+1,k+2) - d(k,k+2)) / d(k,k+2)`
 * with `d` the mean delta-E between frames (Lab images from `frameToLab`); 0 when every span is skipped.
 * 0 means each middle frame lies on the way between its neighbours.
 */
export function smoothness(labs: readonly Float64Array[], minSpan = SMOOTHNESS_MIN_SPAN): number {
  let worst = 0;
  for (let k = 0; k + 2 < labs.length; k++) {
    const span = meanDeltaELab(labs[k]!, labs[k + 2]!);
    if (span < minSpan) continue;
    const path = meanDeltaELab(labs[k]!, labs[k + 1]!) + meanDeltaELab(labs[k + 1]!, labs[k + 2]!);
    worst = Math.max(worst, (path - span) / span);
  }
  return worst;
}

export interface SweepMetrics {
  /** Mean delta-E of each frame to the source. */
  deltaE: number[];
  monotone: boolean;
  /** Pearson r between the strengths and `deltaE` (signed). */
  r: number;
  smooth: number;
}

/** The sweep metrics of frames at `strengths` (weak to strong) against their source. */
export function sweepMetrics(
  frames: readonly RgbFrame[],
  source: RgbFrame,
  strengths: readonly number[],
): SweepMetrics {
  if (frames.length !== strengths.length)
    throw new RangeError(`${frames.length} frames for ${strengths.length} strengths`);
  const sourceLab = frameToLab(source);
  const labs = frames.map((f) => {
    assertSameSize(f, source);
    return frameToLab(f);
  });
  const deltaE = labs.map((lab) => meanDeltaELab(lab, sourceLab));
  return {
    deltaE,
    monotone: isMonotone(deltaE),
    r: pearson(strengths, deltaE),
    smooth: smoothness(labs),
  };
}

/** Mean over pixels of max(R,G,B) - min(R,G,B): colourfulness, for the black-and-white residual. */
export function meanChroma(frame: RgbFrame): number {
  let sum = 0;
  for (let i = 0; i < frame.data.length; i += 3) {
    const r = frame.data[i]!;
    const g = frame.data[i + 1]!;
    const b = frame.data[i + 2]!;
    sum += Math.max(r, g, b) - Math.min(r, g, b);
  }
  return sum / (frame.data.length / 3);
}

/** Mean squared 3x3 high-pass (x - box3(x)) over the interior, summed over R, G, B, in 8-bit units: detail. */
export function highPassEnergy(frame: RgbFrame): number {
  const { data, width, height } = frame;
  let sum = 0;
  for (let y = 1; y < height - 1; y++)
    for (let x = 1; x < width - 1; x++)
      for (let c = 0; c < 3; c++) {
        const p = (y * width + x) * 3 + c;
        let box = 0;
        for (let dy = -1; dy <= 1; dy++)
          for (let dx = -1; dx <= 1; dx++) box += data[p + (dy * width + dx) * 3]!;
        sum += (data[p]! - box / 9) ** 2;
      }
  return sum / ((width - 2) * (height - 2));
}

/**
 * The detail-loss term of the guided transfer (issue 14: "edits that remove detail must keep removing it at
 * full size"). A per-pixel colour transform cannot blur, so where the model's edit lost detail that its
 * colour transform does not explain, the transfer blends from the colour-transformed photo toward the
 * model's own (upsampled) result.
 *
 * At the working size, with T = A x + b the fitted local transform: the detail gain g compares the local
 * high-pass energy of the edited output E with the detail the colour transform predicts from the
 * strength-0 output R0, A hp(R0): g = sqrt(E_hp / (A hp(R0))_hp), clamped to [0, 1], smoothed. At the
 * output size the design is
 *
 *     out = T(base + g^k * detail) + (1 - g^k) * (E - T(R0))      base = up(S_w), detail = S - base
 *
 * (S the photo, S_w the photo at the working size, up a bilinear upsample). Expanded:
 *
 *     out = g^k A S + [g^k b + (1 - g^k)(E + A (S_w - R0))]
 *
 * which is again a local affine transform of S, with A' = g^k A and b' the bracket. So the term is folded
 * into the working-size coefficients and costs nothing per output pixel: where g = 1 (colour edits, flat
 * areas) the coefficients are bit-for-bit the plain transfer's, so strength 0 still returns the photo
 * exactly; where g -> 0 the output tends to up(E + A (S_w - R0)), the model's result with its codec error
 * corrected, which carries no detail finer than the working size. (Folding interpolates the products
 * rather than multiplying interpolated factors; g and A are smooth, so the difference is second order.)
 *
 * Why the predicted detail is A hp(R0) and not hp(T(R0)): the fitted offset b varies per pixel and takes up
 * much of a blur's smooth result, so T(R0) is itself partly blurred and hides the loss (KDE's Kite wallpaper,
 * 2-pixel blur: mean g 0.77 against 0.52 with A hp(R0)). Why g^k and not g: g measures the loss in the
 * working size's finest band; the photo's own detail lies at higher frequencies still, which a blur
 * attenuates far more (a Gaussian's gain at m times the frequency is its gain to the power m^2). k = 3 came
 * from synthetic blurs measured against the same blur applied at full size (bench/detail-loss.ts).
 */
import { boxMean, boxMeanInterleaved } from './box-mean.ts';
import { COEFFICIENTS, type LocalAffine } from './local-affine.ts';
import type { RgbFrame } from './rgb-frame.ts';
import { assertRgbFrame } from './rgb-frame.ts';
import { WorkBuffers } from './work-buffers.ts';

// The energy planes, the high-pass planes and the box filter's scratch, reused from edit to edit (work-buffers.ts).
const work = new WorkBuffers();

export interface DetailLossOptions {
  /** Window radius of the local high-pass energy, in working-size pixels. @defaultValue 2 */
  radius?: number;
  /**
   * Energy floor (sum over R, G, B of the squared high-pass, colour values in [0, 1]; 8-bit rounding alone
   * gives 3.4e-6): a window whose predicted detail is well below it has no loss to measure and takes the
   * image-wide ratio instead, which is 1 for a colour edit. @defaultValue 1e-5
   */
  epsilon?: number;
  /**
   * Amplitude ratios at or above `1 - tolerance` count as no loss: the fitted transform's own error moves
   * the ratio of a pure colour edit by a few percent, and that must not soften the photo. @defaultValue 0.1
   */
  tolerance?: number;
  /** k: g^k is the gain applied to the photo's full-size detail (see above). @defaultValue 3 */
  detailExponent?: number;
}

/** The working-size frames the term needs; all of the affine's size. */
export interface DetailLossFrames {
  /** The model's strength-0 output R0 (what the affine was fitted from). */
  reference: RgbFrame;
  /** The model's edited output E (what the affine was fitted to). */
  result: RgbFrame;
  /** The photo resized to the working size, S_w. */
  source: RgbFrame;
}

const CHANNELS = 3;
/**
 * High-pass energy of 8-bit rounding noise, summed over R, G, B: 3 * (8/9) * (1/255)^2 / 12. Energy below it
 * is not measurable, whatever the edit.
 */
const QUANTISATION_ENERGY = (3 * (8 / 9) * (1 / 255) ** 2) / 12;

/**
 * `affine` with the detail-loss term folded in (a new object; `affine` is not changed). Also returns the
 * per-pixel gain g^k, for measurements and tests.
 */
export function withDetailLoss(
  affine: LocalAffine,
  frames: DetailLossFrames,
  options: DetailLossOptions = {},
): { affine: LocalAffine; gain: Float64Array } {
  const { radius = 2, epsilon = 1e-5, tolerance = 0.1, detailExponent = 3 } = options;
  if (!(epsilon > 0)) throw new RangeError(`epsilon must be > 0, got ${epsilon}`);
  if (!(tolerance >= 0 && tolerance < 1))
    throw new RangeError(`tolerance must be in [0, 1), got ${tolerance}`);
  if (!(detailExponent > 0)) throw new RangeError(`detailExponent must be > 0, got ${detailExponent}`);
  const { width, height, coefficients } = affine;
  for (const [label, frame] of Object.entries(frames) as [string, RgbFrame][]) {
    assertRgbFrame(frame, label);
    if (frame.width !== width || frame.height !== height)
      throw new RangeError(`${label} is ${frame.width}x${frame.height}, the affine ${width}x${height}`);
  }
  const n = width * height;
  // Per pixel: E's high-pass energy, then the energy of the detail the colour transform predicts.
  const energies = work.take('energies', n * 2);
  const referenceDetail = highPass(frames.reference, 'reference');
  const resultDetail = highPass(frames.result, 'result');
  for (let i = 0; i < n; i++) {
    const p = i * CHANNELS;
    const k = i * COEFFICIENTS;
    const h0 = referenceDetail[p]!;
    const h1 = referenceDetail[p + 1]!;
    const h2 = referenceDetail[p + 2]!;
    let predictedEnergy = 0;
    for (let c = 0; c < CHANNELS; c++) {
      const d =
        coefficients[k + 3 * c]! * h0 + coefficients[k + 3 * c + 1]! * h1 + coefficients[k + 3 * c + 2]! * h2;
      predictedEnergy += d * d;
    }
    const e0 = resultDetail[p]!;
    const e1 = resultDetail[p + 1]!;
    const e2 = resultDetail[p + 2]!;
    energies[i * 2] = e0 * e0 + e1 * e1 + e2 * e2;
    energies[i * 2 + 1] = predictedEnergy;
  }
  boxMeanInterleaved(energies, 2, width, height, radius, energies, work.take('scratch', n * 2));
  // The image-wide ratio: the prior where a window has too little detail to measure its own.
  let [editedSum, predictedSum] = [0, 0];
  for (let i = 0; i < n; i++) {
    editedSum += energies[i * 2]!;
    predictedSum += energies[i * 2 + 1]!;
  }
  const prior = Math.min(1, (editedSum + QUANTISATION_ENERGY * n) / (predictedSum + QUANTISATION_ENERGY * n));
  const raw = work.take('raw', n);
  const full = 1 - tolerance;
  for (let i = 0; i < n; i++) {
    // (E_hp + epsilon * prior) / (P_hp + epsilon): the local energy ratio where P has detail to lose,
    // the prior where it has none.
    const ratio = Math.sqrt((energies[i * 2]! + epsilon * prior) / (energies[i * 2 + 1]! + epsilon)) / full;
    raw[i] = ratio >= 1 ? 1 : ratio;
  }
  // Smoothed like the coefficients, so the blend has no seams. A window of ones averages to one within
  // rounding; snapping it back keeps colour edits bit-for-bit the plain transfer.
  const gain = boxMean(raw, width, height, radius);
  for (let i = 0; i < n; i++) gain[i] = gain[i]! >= 1 - 1e-9 ? 1 : gain[i]! ** detailExponent;

  const out = new Float32Array(coefficients);
  const { data: r0 } = frames.reference;
  const { data: e } = frames.result;
  const { data: s } = frames.source;
  for (let i = 0; i < n; i++) {
    const g = gain[i]!;
    if (g === 1) continue;
    const p = i * CHANNELS;
    const d0 = (s[p]! - r0[p]!) / 255;
    const d1 = (s[p + 1]! - r0[p + 1]!) / 255;
    const d2 = (s[p + 2]! - r0[p + 2]!) / 255;
    const k = i * COEFFICIENTS;
    for (let c = 0; c < CHANNELS; c++) {
      const a0 = coefficients[k + 3 * c]!;
      const a1 = coefficients[k + 3 * c + 1]!;
      const a2 = coefficients[k + 3 * c + 2]!;
      const b = coefficients[k + 9 + c]!;
      // The model's result with its codec error (S_w - R0) carried through the colour transform.
      const corrected = e[p + c]! / 255 + a0 * d0 + a1 * d1 + a2 * d2;
      out[k + 3 * c] = g * a0;
      out[k + 3 * c + 1] = g * a1;
      out[k + 3 * c + 2] = g * a2;
      out[k + 9 + c] = g * b + (1 - g) * corrected;
    }
  }
  return { affine: { width, height, coefficients: out }, gain };
}

/**
 * x - box3(x), 3 channels interleaved per pixel, colour values in [0, 1], in the work buffer `slot` (valid
 * until the next call with the same slot).
 */
function highPass(frame: RgbFrame, slot: string): Float64Array {
  const { width, height, data } = frame;
  const values = work.take(slot, data.length);
  for (let i = 0; i < data.length; i++) values[i] = data[i]! / 255;
  const low = boxMeanInterleaved(
    values,
    CHANNELS,
    width,
    height,
    1,
    work.take('low', values.length),
    work.take('scratch', values.length),
  );
  for (let i = 0; i < values.length; i++) values[i] = values[i]! - low[i]!;
  return values;
}

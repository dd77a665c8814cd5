/**
 * How much of a block grid an image shows: the energy of its gradient profile at one spatial period.
 *
 * A block codec leaves steps at every block border, so the mean |horizontal difference| of each column,
 * taken as a 1-D signal over x, gets a periodic component at the block period (8 px for kk-tiny's codec and
 * 16 px for its 2x2 token packing); the same for rows. `gridEnergy` is that component's DFT power relative
 * to the profile's mean (so it does not depend on how busy the photo is), summed over both axes. A photo
 * has a little of it by chance; `gridReport` compares a result with its source and with the result's own
 * energy at nearby periods.
 */
import type { RgbFrame } from '../pipeline/image/rgb-frame.ts';

/** Mean |difference| between neighbours along x (per column) or y (per row), over all rows/columns and channels. */
function gradientProfile(frame: RgbFrame, axis: 'x' | 'y'): Float64Array {
  const { width, height, data } = frame;
  const length = axis === 'x' ? width - 1 : height - 1;
  const profile = new Float64Array(length);
  const stepX = 3;
  const stepY = width * 3;
  const along = axis === 'x' ? stepX : stepY;
  for (let y = 0; y < (axis === 'x' ? height : height - 1); y++)
    for (let x = 0; x < (axis === 'x' ? width - 1 : width); x++) {
      const o = y * stepY + x * stepX;
      const d =
        Math.abs(data[o + along]! - data[o]!) +
        Math.abs(data[o + along + 1]! - data[o + 1]!) +
        Math.abs(data[o + along + 2]! - data[o + 2]!);
      const k = axis === 'x' ? x : y;
      profile[k] = profile[k]! + d;
    }
  return profile;
}

/** DFT power of `signal` at `period` samples (any real period), over its mean squared. */
function relativePower(signal: Float64Array, period: number): number {
  let mean = 0;
  for (const v of signal) mean += v;
  mean /= signal.length;
  if (mean === 0) return 0;
  let re = 0;
  let im = 0;
  const w = (2 * Math.PI) / period;
  for (let i = 0; i < signal.length; i++) {
    re += (signal[i]! - mean) * Math.cos(w * i);
    im += (signal[i]! - mean) * Math.sin(w * i);
  }
  return (re * re + im * im) / (signal.length * mean) ** 2;
}

/** Grid energy of `frame` at `period` pixels (both axes summed). */
export function gridEnergy(frame: RgbFrame, period: number): number {
  if (!(period >= 2)) throw new RangeError(`period must be >= 2 pixels, got ${period}`);
  return (
    relativePower(gradientProfile(frame, 'x'), period) + relativePower(gradientProfile(frame, 'y'), period)
  );
}

/** Periods near `period` (not multiples of it) whose energy is the image's own background there. */
const NEIGHBOURS = [0.8, 0.85, 0.9, 1.1, 1.15, 1.2];

export interface GridReport {
  /** Grid energy of the result at the period. */
  result: number;
  /** The same of the source at the same size. */
  source: number;
  /** The result's mean energy at nearby periods: what "no peak" looks like for this image. */
  background: number;
  /** (result - source) / background: how far a grid stands out; PASS when at most `GRID_MARGIN`. */
  excess: number;
}

/**
 * A result shows no block grid when its energy at the grid period exceeds the source's by no more than the
 * result's own energy at nearby periods times this margin: a chance fluctuation of one DFT bin of a photo's
 * gradient profile is of the order of its neighbours (measured on the eval photos, `eval/full-resolution-eval.ts`).
 */
export const GRID_MARGIN = 2;

export function gridReport(result: RgbFrame, source: RgbFrame, period: number): GridReport {
  const own = gridEnergy(result, period);
  const base = gridEnergy(source, period);
  let background = 0;
  for (const f of NEIGHBOURS) background += gridEnergy(result, period * f);
  background /= NEIGHBOURS.length;
  const excess = background > 0 ? (own - base) / background : own > base ? Infinity : 0;
  return { result: own, source: base, background, excess };
}

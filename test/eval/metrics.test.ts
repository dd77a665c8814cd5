/** Eval metrics (models/train/FAMILIES.md): PSNR, CIELAB delta-E, Pearson r, monotonicity, smoothness. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  frameToLab,
  isMonotone,
  meanDeltaE,
  meanDeltaELab,
  pearson,
  psnr,
  smoothness,
  srgbToLab,
  sweepMetrics,
} from '../../eval/metrics.ts';
import type { RgbFrame } from '../../pipeline/image/rgb-frame.ts';

const frame = (values: number[], width = values.length / 3): RgbFrame => ({
  data: Uint8Array.from(values),
  width,
  height: values.length / 3 / width,
});
const close = (actual: number, expected: number, tolerance: number, label = '') =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${label} ${actual} vs ${expected}`);

test('psnr: known arrays', () => {
  close(psnr(frame([0, 0, 0]), frame([255, 255, 255])), 0, 1e-12);
  // Off by one everywhere: 20 log10(255).
  close(psnr(frame([10, 20, 30, 40, 50, 60]), frame([11, 19, 31, 39, 51, 61])), 48.1308036, 1e-6);
  // One channel of three off by 10: MSE = 100 / 3.
  close(psnr(frame([100, 100, 100]), frame([110, 100, 100])), 10 * Math.log10((255 * 255 * 3) / 100), 1e-12);
  // Identical images: the reference's MSE floor (1e-12) gives 120 dB rather than Infinity.
  assert.equal(psnr(frame([1, 2, 3]), frame([1, 2, 3])), 120);
  assert.throws(() => psnr(frame([1, 2, 3]), frame([1, 2, 3, 4, 5, 6])), /size/);
});

test('CIELAB (D65): white, black, mid gray and the sRGB primaries', () => {
  const lab = (r: number, g: number, b: number) => srgbToLab(r, g, b);
  const [wl, wa, wb] = lab(1, 1, 1);
  close(wl, 100, 1e-3, 'white L');
  close(wa, 0, 1e-2, 'white a');
  close(wb, 0, 1e-2, 'white b');
  assert.deepEqual(lab(0, 0, 0), [0, 0, 0]);
  // Reference values (Bruce Lindblom's calculator, D65, sRGB).
  const expectLab = (rgb: [number, number, number], expected: [number, number, number]) =>
    lab(...rgb).forEach((v, i) => close(v, expected[i]!, 0.02, `${rgb} channel ${i}`));
  expectLab([1, 0, 0], [53.2408, 80.0925, 67.2032]);
  expectLab([0, 1, 0], [87.7347, -86.1827, 83.1793]);
  expectLab([0, 0, 1], [32.297, 79.1875, -107.8602]);
  expectLab([0.5, 0.5, 0.5], [53.3889, 0, 0]);
  // The 8-bit table path agrees with the formula.
  const fromFrame = Array.from(frameToLab(frame([255, 0, 0, 128, 64, 32])));
  const direct = [...lab(1, 0, 0), ...lab(128 / 255, 64 / 255, 32 / 255)];
  fromFrame.forEach((v, i) => close(v, direct[i]!, 1e-12));
});

test('mean delta-E: CIE76 per pixel, averaged', () => {
  close(meanDeltaE(frame([255, 255, 255]), frame([0, 0, 0])), 100, 1e-3);
  // Two pixels: one unchanged, one white -> black: mean 50.
  close(meanDeltaE(frame([9, 9, 9, 255, 255, 255]), frame([9, 9, 9, 0, 0, 0])), 50, 1e-3);
  const a = Float64Array.from([0, 0, 0, 10, 0, 0]);
  const b = Float64Array.from([3, 4, 0, 10, 0, 0]);
  assert.equal(meanDeltaELab(a, b), 2.5);
});

test('pearson: perfect, anti, constant and a known value', () => {
  close(pearson([0, 1, 2, 3], [1, 3, 5, 7]), 1, 1e-12);
  close(pearson([0, 1, 2, 3], [7, 5, 3, 1]), -1, 1e-12);
  assert.equal(pearson([0, 1, 2], [4, 4, 4]), 0);
  close(pearson([1, 2, 3, 4], [1, 3, 2, 4]), 0.8, 1e-12);
  assert.throws(() => pearson([1], [1]), RangeError);
});

test('isMonotone: a drop within the tolerance (0.25) is allowed', () => {
  assert.equal(isMonotone([0, 1, 0.8, 2]), true);
  assert.equal(isMonotone([0, 1, 0.7, 2]), false);
  assert.equal(isMonotone([0, 1, 0.99], 0), false);
});

test('smoothness: 0 on a straight path, the detour ratio otherwise, small spans skipped', () => {
  const lab = (l: number, a: number) => Float64Array.from([l, a, 0]);
  assert.equal(smoothness([lab(0, 0), lab(5, 0), lab(10, 0)]), 0);
  // Middle frame 5 off the line: (2 sqrt(50) - 10) / 10.
  close(smoothness([lab(0, 0), lab(5, 5), lab(10, 0)]), (2 * Math.sqrt(50) - 10) / 10, 1e-12);
  // Max over triplets.
  close(
    smoothness([lab(0, 0), lab(5, 0), lab(10, 0), lab(15, 5), lab(20, 0)]),
    (2 * Math.sqrt(50) - 10) / 10,
    1e-12,
  );
  // d(k, k+2) < 0.5: noise, skipped.
  assert.equal(smoothness([lab(0, 0), lab(0.2, 3), lab(0.4, 0)]), 0);
});

test('sweepMetrics: delta-E to the source per frame, monotone, r and smoothness', () => {
  const source = frame([100, 100, 100, 50, 60, 70]);
  const frames = [0, 10, 20, 30].map((d) => frame([100 + d, 100 + d, 100 + d, 50 + d, 60 + d, 70 + d]));
  const m = sweepMetrics(frames, source, [0, 1 / 3, 2 / 3, 1]);
  assert.equal(m.deltaE[0], 0);
  assert.ok(m.deltaE[1]! > 0 && m.deltaE[3]! > m.deltaE[2]!);
  assert.equal(m.monotone, true);
  assert.ok(m.r > 0.99);
  assert.ok(m.smooth >= 0 && m.smooth < 0.05);
  const reversed = sweepMetrics([...frames].reverse(), source, [0, 1 / 3, 2 / 3, 1]);
  assert.equal(reversed.monotone, false);
  assert.ok(reversed.r < -0.99);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GRID_MARGIN, gridEnergy, gridReport } from '../../eval/block-grid.ts';
import type { RgbFrame } from '../../pipeline/image/rgb-frame.ts';

/** A smooth random-looking image (sum of a few sinusoids at periods far from 8 and 16) plus pixel noise. */
function photoLike(width: number, height: number, seed: number): RgbFrame {
  const data = new Uint8Array(width * height * 3);
  let state = seed;
  const rand = () => (state = (state * 1664525 + 1013904223) >>> 0) / 2 ** 32;
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      for (let c = 0; c < 3; c++) {
        const v =
          128 +
          50 * Math.sin((2 * Math.PI * x) / 37 + c) +
          40 * Math.cos((2 * Math.PI * y) / 53 - c) +
          20 * Math.sin((2 * Math.PI * (x + y)) / 23) +
          12 * (rand() - 0.5);
        data[(y * width + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(v)));
      }
  return { data, width, height };
}

/** The same image with a +-delta step at every `block`-pixel border (what a block codec leaves). */
function withGrid(frame: RgbFrame, block: number, delta: number): RgbFrame {
  const data = Uint8Array.from(frame.data);
  for (let y = 0; y < frame.height; y++)
    for (let x = 0; x < frame.width; x++) {
      const sign = (Math.floor(x / block) + Math.floor(y / block)) % 2 === 0 ? 1 : -1;
      for (let c = 0; c < 3; c++) {
        const o = (y * frame.width + x) * 3 + c;
        data[o] = Math.max(0, Math.min(255, data[o]! + sign * delta));
      }
    }
  return { data, width: frame.width, height: frame.height };
}

test('a faint 8-pixel block grid stands out far beyond the margin; the clean image does not', () => {
  const clean = photoLike(256, 192, 1);
  const other = photoLike(256, 192, 2); // same content, other noise: a result with no grid
  const gridded = withGrid(clean, 8, 2);
  assert.ok(gridReport(other, clean, 8).excess <= GRID_MARGIN, 'clean result within the margin');
  assert.ok(gridReport(gridded, clean, 8).excess > 10 * GRID_MARGIN, 'a 2-level grid is found');
  assert.ok(gridEnergy(gridded, 8) > 10 * gridEnergy(clean, 8));
});

test('the period may be fractional (periods scaled to the output size)', () => {
  const clean = photoLike(300, 200, 3);
  assert.ok(Number.isFinite(gridEnergy(clean, 8 * 1.37)));
  assert.throws(() => gridEnergy(clean, 1), /period/);
});

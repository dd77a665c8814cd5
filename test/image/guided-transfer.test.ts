import assert from 'node:assert/strict';
import test from 'node:test';
import { applyLocalAffine, fitLocalAffine } from '../../pipeline/image/guided-transfer.ts';
import type { RgbFrame } from '../../pipeline/image/rgb-frame.ts';
import { resizeFrame } from '../../pipeline/image/resize-frame.ts';
import { colourMix, syntheticPhoto } from './fixtures.ts';

function maxDifference(a: RgbFrame, b: RgbFrame): number {
  let max = 0;
  for (let i = 0; i < a.data.length; i++) max = Math.max(max, Math.abs(a.data[i]! - b.data[i]!));
  return max;
}

/** Mean absolute horizontal step of the red channel across the edge column, per row. */
function edgeStep(frame: RgbFrame): number {
  const x = frame.width / 2;
  let sum = 0;
  for (let y = 0; y < frame.height; y++)
    sum += Math.abs(frame.data[(y * frame.width + x) * 3]! - frame.data[(y * frame.width + x - 1) * 3]!);
  return sum / frame.height;
}

test('an unchanged result gives the full-size source back exactly', async () => {
  const full = syntheticPhoto(640, 480);
  const work = await resizeFrame(full, 160, 120);
  const out = applyLocalAffine(fitLocalAffine(work, work), full);
  assert.ok(maxDifference(out, full) <= 0, `max difference ${maxDifference(out, full)}`);
});

test('a global colour matrix edit transfers to the full size within 1/255 of the matrix applied there', async () => {
  const full = syntheticPhoto(640, 480);
  const work = await resizeFrame(full, 160, 120);
  const out = applyLocalAffine(fitLocalAffine(work, colourMix(work)), full);
  assert.ok(
    maxDifference(out, colourMix(full)) <= 1,
    `max difference ${maxDifference(out, colourMix(full))}`,
  );
});

test('a hard edge stays as sharp as in the source after a colour edit, unlike the resized result', async () => {
  const full = syntheticPhoto(640, 480);
  const work = await resizeFrame(full, 160, 120);
  const edited = colourMix(work);
  const out = applyLocalAffine(fitLocalAffine(work, edited), full);
  const expected = edgeStep(colourMix(full));
  const resized = await resizeFrame(edited, 640, 480);
  assert.ok(Math.abs(edgeStep(out) - expected) <= 1, `edge step ${edgeStep(out)} vs ${expected}`);
  assert.ok(
    edgeStep(resized) < expected * 0.6,
    `the plain resize is soft: ${edgeStep(resized)} vs ${expected}`,
  );
});

test('a spatially varying edit (a vignette) follows the working-size result', async () => {
  const full = syntheticPhoto(640, 480);
  const work = await resizeFrame(full, 160, 120);
  const vignette = (f: RgbFrame): RgbFrame => {
    const data = new Uint8Array(f.data.length);
    for (let y = 0; y < f.height; y++)
      for (let x = 0; x < f.width; x++) {
        const d = Math.hypot(x / f.width - 0.5, y / f.height - 0.5);
        for (let c = 0; c < 3; c++)
          data[(y * f.width + x) * 3 + c] = Math.round(f.data[(y * f.width + x) * 3 + c]! * (1 - d));
      }
    return { ...f, data };
  };
  const out = applyLocalAffine(fitLocalAffine(work, vignette(work)), full);
  // Mean of the top-left 64x64 block (where the vignette is strongest) against the vignette applied at full size.
  const blockMean = (f: RgbFrame) => {
    let sum = 0;
    for (let y = 0; y < 64; y++) for (let x = 0; x < 64; x++) sum += f.data[(y * f.width + x) * 3]!;
    return sum / 4096;
  };
  const got = blockMean(out);
  const want = blockMean(vignette(full));
  assert.ok(Math.abs(got - want) <= 2, `corner mean ${got} vs ${want}; source ${blockMean(full)}`);
});

test('fitLocalAffine refuses frames of different sizes', () => {
  const a = syntheticPhoto(32, 32);
  const b = syntheticPhoto(16, 16);
  assert.throws(() => fitLocalAffine(a, b), RangeError);
});

import assert from 'node:assert/strict';
import test from 'node:test';
import sharp from 'sharp';
import { applyLocalAffine, fitLocalAffine } from '../../pipeline/image/guided-transfer.ts';
import type { RgbFrame } from '../../pipeline/image/rgb-frame.ts';

/** A textured photo stand-in: smooth colour gradients, fine noise-like texture and one hard vertical edge. */
function syntheticPhoto(width: number, height: number): RgbFrame {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const edge = x < width / 2 ? 50 : 170;
      const texture = ((x * 7 + y * 13) % 11) * 3;
      const p = (y * width + x) * 3;
      data[p] = edge + texture;
      data[p + 1] = 40 + Math.round((120 * y) / height) + texture;
      data[p + 2] = 60 + Math.round((100 * x) / width);
    }
  return { data, width, height };
}

async function resize(frame: RgbFrame, width: number, height: number): Promise<RgbFrame> {
  const data = await sharp(frame.data, { raw: { width: frame.width, height: frame.height, channels: 3 } })
    .resize(width, height, { fit: 'fill', kernel: 'lanczos3' })
    .raw()
    .toBuffer();
  return { data: new Uint8Array(data), width, height };
}

/** A global colour matrix (a mild sepia-like mix that stays inside 0..255 on the synthetic photo). */
function mix(frame: RgbFrame): RgbFrame {
  const m = [
    [0.6, 0.3, 0.1],
    [0.25, 0.6, 0.1],
    [0.15, 0.25, 0.45],
  ];
  const out = new Uint8Array(frame.data.length);
  for (let i = 0; i < out.length; i += 3)
    for (let c = 0; c < 3; c++)
      out[i + c] = Math.round(
        m[c]![0]! * frame.data[i]! + m[c]![1]! * frame.data[i + 1]! + m[c]![2]! * frame.data[i + 2]! + 10,
      );
  return { ...frame, data: out };
}

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
  const work = await resize(full, 160, 120);
  const out = applyLocalAffine(fitLocalAffine(work, work), full);
  assert.ok(maxDifference(out, full) <= 0, `max difference ${maxDifference(out, full)}`);
});

test('a global colour matrix edit transfers to the full size within 1/255 of the matrix applied there', async () => {
  const full = syntheticPhoto(640, 480);
  const work = await resize(full, 160, 120);
  const out = applyLocalAffine(fitLocalAffine(work, mix(work)), full);
  assert.ok(maxDifference(out, mix(full)) <= 1, `max difference ${maxDifference(out, mix(full))}`);
});

test('a hard edge stays as sharp as in the source after a colour edit, unlike the resized result', async () => {
  const full = syntheticPhoto(640, 480);
  const work = await resize(full, 160, 120);
  const edited = mix(work);
  const out = applyLocalAffine(fitLocalAffine(work, edited), full);
  const expected = edgeStep(mix(full));
  const resized = await resize(edited, 640, 480);
  assert.ok(Math.abs(edgeStep(out) - expected) <= 1, `edge step ${edgeStep(out)} vs ${expected}`);
  assert.ok(
    edgeStep(resized) < expected * 0.6,
    `the plain resize is soft: ${edgeStep(resized)} vs ${expected}`,
  );
});

test('a spatially varying edit (a vignette) follows the working-size result', async () => {
  const full = syntheticPhoto(640, 480);
  const work = await resize(full, 160, 120);
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

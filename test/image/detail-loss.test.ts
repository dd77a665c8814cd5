/**
 * The guided transfer's detail-loss term (issue 14): a working-size edit that removes detail (a blur) must
 * remove it at full size too, while colour edits and strength 0 stay exactly as the colour transfer alone.
 */
import { highPassEnergy } from '../../eval/metrics.ts';
import assert from 'node:assert/strict';
import test from 'node:test';
import { withDetailLoss } from '../../pipeline/image/detail-loss.ts';
import { fitLocalAffine } from '../../pipeline/image/guided-transfer.ts';
import type { RgbFrame } from '../../pipeline/image/rgb-frame.ts';
import { resizeFrame } from '../../pipeline/image/resize-frame.ts';
import { colourMix, syntheticPhoto } from './fixtures.ts';
import { transferFrames } from '../../pipeline/transfer-to-source-size.ts';

/** Separable Gaussian blur with replicated edges, as the blur family (models/train/FAMILIES.md). */
function gaussianBlur(frame: RgbFrame, sigma: number): RgbFrame {
  const { width, height, data } = frame;
  const radius = Math.ceil(3 * sigma);
  const taps = Array.from({ length: 2 * radius + 1 }, (_, i) =>
    Math.exp(-((i - radius) ** 2) / (2 * sigma ** 2)),
  );
  const total = taps.reduce((a, b) => a + b);
  const pass = (input: ArrayLike<number>, dx: number, dy: number) => {
    const out = new Float64Array(input.length);
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++)
        for (let c = 0; c < 3; c++) {
          let sum = 0;
          for (let k = -radius; k <= radius; k++) {
            const xx = Math.min(width - 1, Math.max(0, x + k * dx));
            const yy = Math.min(height - 1, Math.max(0, y + k * dy));
            sum += taps[k + radius]! * input[(yy * width + xx) * 3 + c]!;
          }
          out[(y * width + x) * 3 + c] = sum / total;
        }
    return out;
  };
  return { width, height, data: Uint8Array.from(pass(pass(data, 1, 0), 0, 1), (v) => Math.round(v)) };
}

const full = syntheticPhoto(640, 480);
const working = await resizeFrame(full, 160, 120);

test('a working-size blur removes the full-size detail too', async () => {
  const blurred = gaussianBlur(working, 2);
  const source = highPassEnergy(full);
  const colourOnly =
    highPassEnergy(await transferFrames(full, blurred, working, { detailLoss: false })) / source;
  const withLoss = highPassEnergy(await transferFrames(full, blurred, working)) / source;
  console.log(
    `high-pass energy over the source's: colour only ${colourOnly.toFixed(3)}, with detail loss ${withLoss.toFixed(3)}`,
  );
  assert.ok(withLoss < 0.1, `with the detail-loss term the detail keeps ${withLoss} of its energy`);
  assert.ok(colourOnly > 3 * withLoss, `the colour transform alone keeps ${colourOnly}`);
});

test('an unchanged result still gives the full-size source back exactly', async () => {
  const out = await transferFrames(full, working, working);
  assert.deepEqual(out.data, full.data);
});

test('a colour matrix edit is the colour transfer alone, byte for byte', async () => {
  const edited = colourMix(working);
  const plain = await transferFrames(full, edited, working, { detailLoss: false });
  const out = await transferFrames(full, edited, working);
  assert.deepEqual(out.data, plain.data);
  const { gain } = withDetailLoss(fitLocalAffine(working, edited), {
    reference: working,
    result: edited,
    source: working,
  });
  assert.ok(
    gain.every((g) => g === 1),
    'every working pixel keeps its detail',
  );
});

test('a spatially varying colour edit (a vignette) keeps its detail', async () => {
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
  const edited = vignette(working);
  const plain = await transferFrames(full, edited, working, { detailLoss: false });
  const out = await transferFrames(full, edited, working);
  let max = 0;
  for (let i = 0; i < out.data.length; i++) max = Math.max(max, Math.abs(out.data[i]! - plain.data[i]!));
  assert.ok(max <= 1, `max difference from the colour transfer alone ${max}`);
});

test('withDetailLoss refuses frames of another size than the affine', () => {
  const affine = fitLocalAffine(working, working);
  const small = syntheticPhoto(80, 60);
  assert.throws(
    () => withDetailLoss(affine, { reference: working, result: working, source: small }),
    /source is 80x60, the affine 160x120/,
  );
});

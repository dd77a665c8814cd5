import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { encodeImage, tensorToRgb } from '../../pipeline/image/postprocess.ts';
import { rgbToTensor } from '../../pipeline/image/preprocess.ts';
import type { RgbFrame } from '../../pipeline/image/rgb-frame.ts';
import { decodeReference } from './fixtures.ts';

/** Every 8-bit value in every channel, in different orders so channels cannot be swapped unnoticed. */
function allValuesFrame(): RgbFrame {
  const data = new Uint8Array(256 * 3);
  for (let v = 0; v < 256; v++) data.set([v, 255 - v, (v * 7) % 256], v * 3);
  return { data, width: 16, height: 16 };
}

/** Seeded noise: hard to compress, so byte budgets bite. */
function noiseFrame(width: number, height: number, seed = 1): RgbFrame {
  const data = new Uint8Array(width * height * 3);
  let state = seed;
  for (let i = 0; i < data.length; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    data[i] = state >>> 24;
  }
  return { data, width, height };
}

describe('tensorToRgb', () => {
  it('inverts rgbToTensor exactly for every 8-bit value', () => {
    const frame = allValuesFrame();
    assert.deepEqual(tensorToRgb(rgbToTensor(frame), 0, 16, 16), frame);
  });

  it('picks the requested image of a batch', () => {
    const a = allValuesFrame();
    const b = noiseFrame(16, 16);
    const batch = new Float32Array(2 * 3 * 256);
    batch.set(rgbToTensor(a), 0);
    batch.set(rgbToTensor(b), 3 * 256);
    assert.deepEqual(tensorToRgb(batch, 0, 16, 16), a);
    assert.deepEqual(tensorToRgb(batch, 1, 16, 16), b);
  });

  it('clamps to [0, 255] and rounds ties to even like numpy', () => {
    // One pixel per value; the three planes hold the same values.
    const values = [-3, -1, 0, 1, 5, Number.NaN, Number.POSITIVE_INFINITY, 1 / 255 - 1];
    const plane = Float32Array.from(values);
    const tensor = new Float32Array(3 * values.length);
    for (let c = 0; c < 3; c++) tensor.set(plane, c * values.length);
    const { data } = tensorToRgb(tensor, 0, values.length, 1);
    const reds = Array.from({ length: values.length }, (_, i) => data[i * 3]);
    // 0 -> 0.5 * 255 = 127.5 -> 128 (the even neighbour); 1/255 - 1 -> 0.5 (float32: just under) -> 0 or 1.
    assert.deepEqual(reds.slice(0, 7), [0, 0, 128, 255, 255, 0, 255]);
    assert.ok(reds[7] === 0 || reds[7] === 1);
    assert.deepEqual(Array.from(data.subarray(0, 3)), [0, 0, 0]);
  });

  it('rejects inconsistent shapes and batch indices', () => {
    const tensor = new Float32Array(3 * 4 * 4);
    assert.throws(() => tensorToRgb(tensor, 1, 4, 4), RangeError);
    assert.throws(() => tensorToRgb(tensor, 0, 5, 4), RangeError);
    assert.throws(() => tensorToRgb(tensor, -1, 4, 4), RangeError);
  });
});

describe('encodeImage', () => {
  it('encodes PNG losslessly', async () => {
    const frame = noiseFrame(40, 24);
    const png = await encodeImage(frame, { format: 'png' });
    assert.equal((await sharp(png).metadata()).format, 'png');
    assert.deepEqual(await decodeReference(png), frame);
  });

  for (const format of ['webp', 'jpeg'] as const) {
    it(`encodes ${format} and resizes to resizeTo`, async () => {
      const bytes = await encodeImage(noiseFrame(40, 24), { format, resizeTo: { width: 30, height: 50 } });
      const meta = await sharp(bytes).metadata();
      assert.deepEqual([meta.format, meta.width, meta.height], [format, 30, 50]);
    });
  }

  it('lowers jpeg quality before shrinking dimensions', async () => {
    const frame = noiseFrame(128, 96);
    const raw = () => sharp(frame.data, { raw: { width: 128, height: 96, channels: 3 } });
    const atQuality90 = (await raw().jpeg({ quality: 90 }).toBuffer()).length;
    const atQuality50 = (await raw().jpeg({ quality: 50 }).toBuffer()).length;
    assert.ok(atQuality50 < atQuality90);
    const budget = Math.floor((atQuality50 + atQuality90) / 2);
    const bytes = await encodeImage(frame, { format: 'jpeg', maxBytes: budget });
    assert.ok(bytes.length <= budget, `${bytes.length} > ${budget}`);
    const meta = await sharp(bytes).metadata();
    assert.deepEqual([meta.width, meta.height], [128, 96]);
  });

  it('shrinks a PNG until it fits the budget', async () => {
    const frame = noiseFrame(128, 96);
    const full = await encodeImage(frame, { format: 'png' });
    const budget = Math.floor(full.length / 3);
    const bytes = await encodeImage(frame, { format: 'png', maxBytes: budget });
    assert.ok(bytes.length <= budget, `${bytes.length} > ${budget}`);
    const meta = await sharp(bytes).metadata();
    assert.ok(meta.width < 128 && meta.height < 96);
    // Aspect kept while shrinking.
    assert.ok(Math.abs(meta.width / meta.height - 128 / 96) < 0.1);
  });

  it('returns its smallest encoding rather than failing when the budget is impossible', async () => {
    for (const format of ['png', 'webp', 'jpeg'] as const) {
      const bytes = await encodeImage(noiseFrame(64, 64), { format, maxBytes: 10 });
      const meta = await sharp(bytes).metadata();
      assert.equal(meta.format, format);
      // Headers dominate at this size, so the smallest file may be a few pixels rather than 1x1.
      assert.ok(meta.width <= 4 && meta.height <= 4, `${format}: ${meta.width}x${meta.height}`);
    }
  });

  it('rejects bad options', async () => {
    const frame = noiseFrame(8, 8);
    await assert.rejects(encodeImage(frame, { format: 'png', maxBytes: 0 }), RangeError);
    await assert.rejects(
      encodeImage(frame, { format: 'png', resizeTo: { width: 0, height: 4 } }),
      RangeError,
    );
    await assert.rejects(encodeImage({ ...frame, width: 9 }, { format: 'png' }), RangeError);
  });
});

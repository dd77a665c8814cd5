import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  latentImageIds,
  packLatents,
  packedTokenCount,
  scaleLatents,
  transformerImageIds,
  unpackLatents,
  unscaleLatents,
} from '../../pipeline/sampler/latent-packing.ts';

const shape = { channels: 3, height: 4, width: 6 };

test('packLatents follows view(B, C, H/2, 2, W/2, 2).permute(0, 2, 4, 1, 3, 5)', () => {
  const batch = 2;
  const { channels: c, height: h, width: w } = shape;
  const latents = Float32Array.from({ length: batch * c * h * w }, (_, i) => i);
  const packed = packLatents(latents, batch, shape);
  const tokens = packedTokenCount(shape);
  assert.equal(tokens, 6);
  for (let b = 0; b < batch; b++)
    for (let i = 0; i < h / 2; i++)
      for (let j = 0; j < w / 2; j++)
        for (let ch = 0; ch < c; ch++)
          for (let dy = 0; dy < 2; dy++)
            for (let dx = 0; dx < 2; dx++) {
              const token = i * (w / 2) + j;
              const feature = ch * 4 + dy * 2 + dx;
              const packedIndex: number = (b * tokens + token) * c * 4 + feature;
              const source: number = ((b * c + ch) * h + 2 * i + dy) * w + 2 * j + dx;
              assert.equal(packed[packedIndex], source);
            }
});

test('unpackLatents inverts packLatents', () => {
  const latents = Float32Array.from({ length: 2 * 3 * 4 * 6 }, () => Math.random());
  assert.deepEqual(unpackLatents(packLatents(latents, 2, shape), 2, shape), latents);
});

test('packing rejects odd sides and wrong sizes', () => {
  assert.throws(() => packLatents(new Float32Array(9), 1, { channels: 1, height: 3, width: 3 }), RangeError);
  assert.throws(() => packLatents(new Float32Array(5), 1, shape), RangeError);
});

test('latentImageIds: [first, row, col] in row-major order', () => {
  assert.deepEqual([...latentImageIds(2, 3, 0)], [0, 0, 0, 0, 0, 1, 0, 0, 2, 0, 1, 0, 0, 1, 1, 0, 1, 2]);
  assert.deepEqual([...latentImageIds(1, 2, 1)], [1, 0, 0, 1, 0, 1]);
});

test('transformerImageIds: noisy ids (first 0) then context ids (first 1)', () => {
  const ids = transformerImageIds(
    { channels: 16, height: 4, width: 2 },
    { channels: 16, height: 2, width: 4 },
  );
  assert.deepEqual([...ids], [0, 0, 0, 0, 1, 0, 1, 0, 0, 1, 0, 1]);
});

test('scaleLatents is (z - shift) * scale and unscaleLatents undoes it', () => {
  const z = Float32Array.from([0.1159, 1, -2]);
  const scaled = scaleLatents(z, 0.3611, 0.1159);
  assert.equal(scaled[0], 0);
  assert.ok(Math.abs(scaled[1]! - (1 - 0.1159) * 0.3611) < 1e-7);
  const back = unscaleLatents(scaled, 0.3611, 0.1159);
  back.forEach((v, i) => assert.ok(Math.abs(v - z[i]!) < 1e-6));
});

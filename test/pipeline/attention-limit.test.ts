import { test } from 'node:test';
import assert from 'node:assert/strict';
import { attentionBatchLimit } from '../../pipeline/attention-limit.ts';
import { AttentionTooLargeError } from '../../pipeline/errors.ts';

// FLUX at 1024x1024: 512 T5 tokens + 4096 noisy + 4096 context = 8704 tokens, 24 heads:
// 24 * 8704^2 * 4 bytes = 7.27 GB per image, far over 2 GiB.
const flux = { numHeads: 24, maxBatch: 4 };

test('only decomposed attention on WebGPU is limited', () => {
  const big = { ...flux, sequenceLength: 8704 };
  assert.equal(attentionBatchLimit({ ...big, attention: 'multi-head', provider: 'webgpu' }), 4);
  assert.equal(attentionBatchLimit({ ...big, attention: 'decomposed', provider: 'cuda' }), 4);
  assert.equal(attentionBatchLimit({ ...big, attention: 'decomposed', provider: 'cpu' }), 4);
});

test('refuses an image whose attention scores exceed 2^31 bytes even at batch 1', () => {
  assert.throws(
    () => attentionBatchLimit({ ...flux, sequenceLength: 8704, attention: 'decomposed', provider: 'webgpu' }),
    (e: unknown) =>
      e instanceof AttentionTooLargeError &&
      e.bytes === 24 * 8704 * 8704 * 4 &&
      e.code === 'attention_too_large',
  );
});

test('lowers the batch until the scores fit', () => {
  // 512x512: 512 + 1024 + 1024 = 2560 tokens -> 24 * 2560^2 * 4 = 629,145,600 bytes; 3 fit in 2^31.
  assert.equal(
    attentionBatchLimit({ ...flux, sequenceLength: 2560, attention: 'decomposed', provider: 'webgpu' }),
    3,
  );
  // Exactly at the limit: 2^31 / (1 * 4) = 2^29 = S^2 -> S = 2^14.5 is not an integer; S = 23170 fits once.
  assert.equal(
    attentionBatchLimit({
      numHeads: 1,
      maxBatch: 4,
      sequenceLength: 23170,
      attention: 'decomposed',
      provider: 'webgpu',
    }),
    1,
  );
  assert.throws(() =>
    attentionBatchLimit({
      numHeads: 1,
      maxBatch: 4,
      sequenceLength: 23171,
      attention: 'decomposed',
      provider: 'webgpu',
    }),
  );
});

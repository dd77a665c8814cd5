import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { boxResize } from '../../pipeline/render/box-resize.ts';

describe('boxResize', () => {
  it('averages the source pixels each output pixel covers', () => {
    // 4x2 -> 2x1: each output pixel is the mean of a 2x2 block.
    const data = Uint8Array.from(
      [
        [0, 0, 0],
        [100, 10, 1],
        [200, 20, 2],
        [255, 255, 255],
        [100, 10, 1],
        [0, 0, 0],
        [56, 0, 0],
        [255, 255, 255],
      ].flat(),
    );
    const out = boxResize({ data, width: 4, height: 2 }, 2, 1);
    assert.deepEqual(Array.from(out.data), [50, 5, 1, 192, 133, 128]);
  });

  it('keeps a solid colour exact and returns the same frame at the same size', () => {
    const frame = { data: new Uint8Array(7 * 5 * 3).fill(77), width: 7, height: 5 };
    const out = boxResize(frame, 3, 2);
    assert.deepEqual([out.width, out.height], [3, 2]);
    assert.ok(out.data.every((v) => v === 77));
    assert.equal(boxResize(frame, 7, 5), frame);
  });

  it('refuses to upscale', () => {
    const frame = { data: new Uint8Array(4 * 4 * 3), width: 4, height: 4 };
    assert.throws(() => boxResize(frame, 5, 4), RangeError);
    assert.throws(() => boxResize(frame, 0, 4), RangeError);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { workingSize } from '../../pipeline/image/preprocess.ts';

describe('workingSize', () => {
  // Expected values worked out by hand from diffusers' rule:
  // round(sqrt(max_area * aspect)) // multiple * multiple (and the same with / aspect for the height).
  const table: Array<[srcW: number, srcH: number, maxArea: number, multiple: number, w: number, h: number]> =
    [
      [1024, 1024, 1024 ** 2, 16, 1024, 1024],
      [512, 512, 1024 ** 2, 16, 1024, 1024], // upscales to the target area, like diffusers
      [1920, 1080, 1024 ** 2, 16, 1360, 768], // sqrt(1864135.1) = 1365.3 -> 1360; sqrt(589824) = 768
      [1080, 1920, 1024 ** 2, 16, 768, 1360],
      [3000, 2000, 1024 ** 2, 16, 1248, 832], // 1254.1 -> 1248, 836.1 -> 832 (a preferred Kontext size)
      [30, 90, 64 * 64, 16, 32, 96], // 36.95 -> 37 -> 32, 110.9 -> 111 -> 96
      [16, 4000, 1024 ** 2, 16, 64, 16176], // 64.8 -> 65 -> 64, 16190.7 -> 16191 -> 16176
      [10, 100000, 65536, 16, 16, 25600], // width 2.56 -> 3 -> 0, floored at one multiple
      // Ties go to the even neighbour, as Python's round(): sqrt(110.25) = 10.5 -> 10, sqrt(132.25) = 11.5 -> 12.
      [7, 7, 110.25, 1, 10, 10],
      [7, 7, 132.25, 1, 12, 12],
    ];
  for (const [srcW, srcH, maxArea, multiple, w, h] of table) {
    it(`${srcW}x${srcH} at area ${maxArea}, multiple ${multiple} -> ${w}x${h}`, () => {
      assert.deepEqual(workingSize(srcW, srcH, maxArea, multiple), { width: w, height: h });
    });
  }

  it('keeps each side within one multiple of the ideal aspect-preserving size', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20000 }),
        fc.integer({ min: 1, max: 20000 }),
        fc.integer({ min: 256, max: 4_000_000 }),
        fc.constantFrom(1, 8, 16, 32),
        (srcW, srcH, maxArea, multiple) => {
          fc.pre(maxArea >= multiple * multiple);
          const { width, height } = workingSize(srcW, srcH, maxArea, multiple);
          assert.equal(width % multiple, 0);
          assert.equal(height % multiple, 0);
          const idealW = Math.sqrt((maxArea * srcW) / srcH);
          const idealH = Math.sqrt((maxArea * srcH) / srcW);
          assert.ok(width <= Math.max(multiple, idealW + 0.5), `${width} vs ideal ${idealW}`);
          assert.ok(width > idealW - multiple - 0.5, `${width} vs ideal ${idealW}`);
          assert.ok(height <= Math.max(multiple, idealH + 0.5), `${height} vs ideal ${idealH}`);
          assert.ok(height > idealH - multiple - 0.5, `${height} vs ideal ${idealH}`);
        },
      ),
    );
  });

  it('rejects settings that cannot give a valid size', () => {
    assert.throws(() => workingSize(0, 10, 4096, 16), RangeError);
    assert.throws(() => workingSize(10, 10, 100, 16), RangeError); // below one multiple squared
    assert.throws(() => workingSize(10, 10, 4096, 0), RangeError);
    assert.throws(() => workingSize(10, 10, 4096, 1.5), RangeError);
  });
});

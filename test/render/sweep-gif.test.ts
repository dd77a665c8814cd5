import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { encodeSweepGif, evenlySpaced, playOrder, renderSweepGif } from '../../pipeline/render/sweep-gif.ts';
import { FRAME_COLOURS, identify, sweepFrame } from './frames.ts';
import { parseGif } from './gif-structure.ts';
import { decodePages } from './gif-pages.ts';

const frames = (count: number, width = 64, height = 48) =>
  Array.from({ length: count }, (_, i) => sweepFrame(i, width, height));

describe('renderSweepGif', () => {
  it('writes a looping GIF89a with the frames in the order given', async () => {
    const gif = renderSweepGif(frames(5));
    const structure = parseGif(gif);
    assert.equal(structure.version, 'GIF89a');
    assert.deepEqual([structure.width, structure.height], [64, 48]);
    assert.equal(structure.loop, 0); // forever
    assert.equal(structure.frames.length, 5);
    const meta = await sharp(gif, { animated: true }).metadata();
    assert.equal(meta.pages, 5);
    assert.equal(meta.loop, 0);
    assert.deepEqual((await decodePages(gif)).map(identify), [0, 1, 2, 3, 4]);
  });

  it('uses one global palette and no per-frame palettes (no flicker)', () => {
    const structure = parseGif(renderSweepGif(frames(6)));
    assert.ok(structure.globalColourTable);
    assert.ok(structure.frames.every((f) => !f.localColourTable));
  });

  it('keeps colours close to the source through the shared palette', async () => {
    const pages = await decodePages(renderSweepGif(frames(4)));
    pages.forEach((page, i) => {
      const o = ((page.height - 2) * page.width + 5) * 3;
      const got = Array.from(page.data.subarray(o, o + 3));
      const want = FRAME_COLOURS[i]!;
      assert.ok(Math.max(...got.map((v, c) => Math.abs(v - want[c]!))) <= 8, `frame ${i}: ${got} vs ${want}`);
    });
  });

  it('ping-pongs forward then backward without repeating the end frames', async () => {
    const gif = renderSweepGif(frames(5), { pingPong: true });
    assert.equal(parseGif(gif).frames.length, 8);
    assert.deepEqual((await decodePages(gif)).map(identify), [0, 1, 2, 3, 4, 3, 2, 1]);
    assert.deepEqual(playOrder(2, true), [0, 1]);
    assert.deepEqual(playOrder(1, true), [0]);
  });

  it('applies the per-frame delay and holds the end frames', async () => {
    const gif = renderSweepGif(frames(4), { delayMs: 200, holdEndsMs: 300, pingPong: true });
    assert.deepEqual(
      parseGif(gif).frames.map((f) => f.delayMs),
      [500, 200, 200, 500, 200, 200],
    );
    const meta = await sharp(gif, { animated: true }).metadata();
    assert.deepEqual(meta.delay, [500, 200, 200, 500, 200, 200]);
    const plain = renderSweepGif(frames(3), { delayMs: 120, holdEndsMs: 0 });
    assert.deepEqual(
      parseGif(plain).frames.map((f) => f.delayMs),
      [120, 120, 120],
    );
  });

  it('downscales first to fit a byte budget, keeping every frame', async () => {
    const input = frames(6, 256, 192);
    const full = renderSweepGif(input);
    const budget = Math.floor(full.length / 3);
    const result = encodeSweepGif(input, { maxBytes: budget, minSide: 64 });
    assert.ok(result.data.length <= budget, `${result.data.length} > ${budget}`);
    assert.deepEqual(result.keptFrames, [0, 1, 2, 3, 4, 5]);
    assert.ok(result.width < 256 && result.width >= 64);
    const structure = parseGif(result.data);
    assert.deepEqual([structure.width, structure.height], [result.width, result.height]);
    assert.deepEqual((await decodePages(result.data)).map(identify), [0, 1, 2, 3, 4, 5]);
  });

  it('then drops frames evenly, always keeping the first and the last', async () => {
    const input = frames(9, 128, 96);
    // At 64x48 a frame is about 64 * 24 noise pixels (LZW cannot shrink noise): room for about four.
    const budget = 4 * 64 * 48 + 2000;
    const result = encodeSweepGif(input, { maxBytes: budget, minSide: 64 });
    assert.ok(result.data.length <= budget, `${result.data.length} > ${budget}`);
    assert.ok(result.keptFrames.length < 9 && result.keptFrames.length >= 2, `${result.keptFrames}`);
    assert.equal(result.keptFrames[0], 0);
    assert.equal(result.keptFrames.at(-1), 8);
    assert.equal(Math.max(result.width, result.height), 64);
    const pages = await decodePages(result.data);
    assert.deepEqual(pages.map(identify), result.keptFrames);
  });

  it('returns the smallest GIF rather than failing when the budget is impossible', async () => {
    const result = encodeSweepGif(frames(5, 64, 48), { maxBytes: 50, pingPong: true });
    assert.deepEqual(result.keptFrames, [0, 4]);
    assert.equal(parseGif(result.data).version, 'GIF89a');
    assert.equal((await sharp(result.data, { animated: true }).metadata()).pages, 2);
  });

  it('spreads kept frames evenly', () => {
    assert.deepEqual(evenlySpaced(9, 3), [0, 4, 8]);
    assert.deepEqual(evenlySpaced(9, 2), [0, 8]);
    assert.deepEqual(evenlySpaced(5, 9), [0, 1, 2, 3, 4]);
    for (let total = 2; total < 20; total++) {
      for (let count = 2; count <= total; count++) {
        const picked = evenlySpaced(total, count);
        assert.equal(new Set(picked).size, count);
        assert.deepEqual([picked[0], picked.at(-1)], [0, total - 1]);
      }
    }
  });

  it('rejects frames of different sizes and bad options', () => {
    assert.throws(() => renderSweepGif([]), RangeError);
    assert.throws(() => renderSweepGif([sweepFrame(0, 8, 8), sweepFrame(1, 9, 8)]), RangeError);
    assert.throws(() => renderSweepGif(frames(2), { delayMs: 5 }), RangeError);
    assert.throws(() => renderSweepGif(frames(2), { colours: 1 }), RangeError);
    assert.throws(() => renderSweepGif(frames(2), { maxBytes: 0 }), RangeError);
  });
});

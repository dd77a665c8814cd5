import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RgbFrame } from '../../pipeline/image/rgb-frame.ts';
import { drawBitmapText, measureBitmapText } from '../../pipeline/render/bitmap-font.ts';

const blank = (width: number, height: number): RgbFrame => ({
  data: new Uint8Array(width * height * 3).fill(255),
  width,
  height,
});
const ink = (frame: RgbFrame) => frame.data.reduce((n, v) => n + (v === 0 ? 1 : 0), 0) / 3;
const BLACK = [0, 0, 0] as const;

describe('bitmap font', () => {
  it('measures 6 columns per character, less the trailing space, times the scale', () => {
    assert.deepEqual(measureBitmapText('s=0.25', 1), { width: 35, height: 7 });
    assert.deepEqual(measureBitmapText('s=0.25', 3), { width: 105, height: 21 });
    assert.deepEqual(measureBitmapText('', 2), { width: 0, height: 14 });
  });

  it('draws every label character as a distinct glyph inside its measured box', () => {
    const chars = [...'s=0123456789.'];
    const bitmaps = chars.map((char) => {
      const canvas = blank(7, 9);
      drawBitmapText(canvas, char, { x: 1, y: 1, scale: 1, colour: BLACK });
      assert.ok(ink(canvas) > 0, `"${char}" draws something`);
      // Nothing outside the 5x7 box at (1, 1).
      for (let y = 0; y < 9; y++) {
        for (let x = 0; x < 7; x++) {
          const inside = x >= 1 && x <= 5 && y >= 1 && y <= 7;
          if (!inside) assert.equal(canvas.data[(y * 7 + x) * 3], 255, `"${char}" at ${x},${y}`);
        }
      }
      return Buffer.from(canvas.data).toString('hex');
    });
    assert.equal(new Set(bitmaps).size, chars.length);
  });

  it('scales each font pixel to a square and clips at the canvas edge', () => {
    const one = blank(12, 12);
    drawBitmapText(one, '8', { x: 0, y: 0, scale: 1, colour: BLACK });
    const three = blank(20, 24);
    drawBitmapText(three, '8', { x: 0, y: 0, scale: 3, colour: BLACK });
    assert.equal(ink(three), ink(one) * 9);
    const clipped = blank(4, 4);
    // Only font columns 3-4 and rows 1-2 of "8" land on the canvas; of those, column 4 is inked
    // ("#...#" twice): two font pixels, 2x2 each.
    drawBitmapText(clipped, '8', { x: -6, y: -2, scale: 2, colour: BLACK });
    assert.equal(ink(clipped), 8);
    assert.throws(
      () => drawBitmapText(blank(4, 4), '1', { x: 0, y: 0, scale: 0, colour: BLACK }),
      RangeError,
    );
  });
});

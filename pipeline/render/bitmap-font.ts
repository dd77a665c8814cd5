import type { RgbFrame } from '../image/rgb-frame.ts';

/**
 * A 5x7 pixel font for the few characters strength labels need ("s=0.25"), drawn without any system
 * font: the fallback when sharp's SVG text renders nothing (a machine without fonts).
 */
const GLYPHS: Record<string, readonly string[]> = {
  '0': ['.###.', '#...#', '#..##', '#.#.#', '##..#', '#...#', '.###.'],
  '1': ['..#..', '.##..', '..#..', '..#..', '..#..', '..#..', '.###.'],
  '2': ['.###.', '#...#', '....#', '...#.', '..#..', '.#...', '#####'],
  '3': ['#####', '...#.', '..#..', '...#.', '....#', '#...#', '.###.'],
  '4': ['...#.', '..##.', '.#.#.', '#..#.', '#####', '...#.', '...#.'],
  '5': ['#####', '#....', '####.', '....#', '....#', '#...#', '.###.'],
  '6': ['..##.', '.#...', '#....', '####.', '#...#', '#...#', '.###.'],
  '7': ['#####', '....#', '...#.', '..#..', '.#...', '.#...', '.#...'],
  '8': ['.###.', '#...#', '#...#', '.###.', '#...#', '#...#', '.###.'],
  '9': ['.###.', '#...#', '#...#', '.####', '....#', '...#.', '.##..'],
  s: ['.....', '.....', '.####', '#....', '.###.', '....#', '####.'],
  '=': ['.....', '.....', '#####', '.....', '#####', '.....', '.....'],
  '.': ['.....', '.....', '.....', '.....', '.....', '.##..', '.##..'],
  '-': ['.....', '.....', '.....', '#####', '.....', '.....', '.....'],
  ' ': ['.....', '.....', '.....', '.....', '.....', '.....', '.....'],
};

export const GLYPH_WIDTH = 5;
export const GLYPH_HEIGHT = 7;
/** Blank columns between glyphs, before scaling. */
const SPACING = 1;

/** Width and height in pixels of `text` drawn at integer `scale`. */
export function measureBitmapText(text: string, scale: number): { width: number; height: number } {
  const columns = text.length === 0 ? 0 : text.length * (GLYPH_WIDTH + SPACING) - SPACING;
  return { width: columns * scale, height: GLYPH_HEIGHT * scale };
}

/**
 * Draws `text` into `canvas` in place with its top-left corner at (x, y), each font pixel a
 * `scale` x `scale` square, clipped to the canvas. Characters without a glyph are left blank.
 */
export function drawBitmapText(
  canvas: RgbFrame,
  text: string,
  at: { x: number; y: number; scale: number; colour: readonly [number, number, number] },
): void {
  const { x, y, scale, colour } = at;
  if (!Number.isInteger(scale) || scale < 1)
    throw new RangeError(`scale must be a positive integer, got ${scale}`);
  [...text].forEach((char, index) => {
    const glyph = GLYPHS[char];
    if (!glyph) return;
    const left = x + index * (GLYPH_WIDTH + SPACING) * scale;
    glyph.forEach((row, gy) => {
      for (let gx = 0; gx < GLYPH_WIDTH; gx++) {
        if (row[gx] === '#') fillSquare(canvas, left + gx * scale, y + gy * scale, scale, colour);
      }
    });
  });
}

function fillSquare(
  canvas: RgbFrame,
  left: number,
  top: number,
  size: number,
  colour: readonly [number, number, number],
): void {
  for (let py = Math.max(0, top); py < Math.min(canvas.height, top + size); py++) {
    for (let px = Math.max(0, left); px < Math.min(canvas.width, left + size); px++) {
      canvas.data.set(colour, (py * canvas.width + px) * 3);
    }
  }
}

import type { RgbFrame } from '../../pipeline/image/rgb-frame.ts';

/** Distinct, well-separated colours to tell frames apart after quantization and resizing. */
export const FRAME_COLOURS = [
  [230, 25, 75],
  [60, 180, 75],
  [255, 225, 25],
  [0, 130, 200],
  [245, 130, 48],
  [145, 30, 180],
  [70, 240, 240],
  [240, 50, 230],
  [0, 0, 0],
  [255, 255, 255],
];

/**
 * Frame `index`: the top half seeded noise (so byte budgets bite), the bottom half a solid colour
 * that identifies the frame.
 */
export function sweepFrame(index: number, width: number, height: number): RgbFrame {
  const data = new Uint8Array(width * height * 3);
  let state = index * 7919 + 1;
  const colour = FRAME_COLOURS[index % FRAME_COLOURS.length]!;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      if (y < height / 2) {
        for (let c = 0; c < 3; c++) {
          state = (Math.imul(state, 1103515245) + 12345) >>> 0;
          data[o + c] = state >>> 24;
        }
      } else {
        data.set(colour, o);
      }
    }
  }
  return { data, width, height };
}

/** The identifying colour of a frame decoded from a GIF page (bottom-centre pixel). */
export function identify(frame: RgbFrame): number {
  const o = ((frame.height - 2) * frame.width + Math.floor(frame.width / 2)) * 3;
  const pixel = [frame.data[o]!, frame.data[o + 1]!, frame.data[o + 2]!];
  const distances = FRAME_COLOURS.map((c) => Math.max(...c.map((v, i) => Math.abs(v - pixel[i]!))));
  return distances.indexOf(Math.min(...distances));
}

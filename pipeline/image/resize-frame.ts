import sharp from 'sharp';
import type { RgbFrame } from './rgb-frame.ts';
import { assertRgbFrame } from './rgb-frame.ts';

/**
 * An RGB frame resized to `width` x `height` (aspect not kept) with the Lanczos kernel preprocessing uses,
 * so a frame brought to the working size matches what the model was given.
 */
export async function resizeFrame(frame: RgbFrame, width: number, height: number): Promise<RgbFrame> {
  assertRgbFrame(frame);
  if (frame.width === width && frame.height === height) return frame;
  const data = await sharp(frame.data, { raw: { width: frame.width, height: frame.height, channels: 3 } })
    .resize(width, height, { fit: 'fill', kernel: 'lanczos3' })
    .raw()
    .toBuffer();
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width, height };
}

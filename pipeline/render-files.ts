/**
 * Step "render": decoded frames to the files a reply carries. A single edit becomes one image, resized
 * back to the source's size (capped); a sweep becomes an animated GIF plus a contact sheet PNG. Each file
 * fits in `maxBytes`: the encoders shrink size (and the GIF its frames) rather than fail.
 */
import sharp from 'sharp';
import type { EditFile, OutputFormat } from './types.ts';
import type { RgbFrame } from './image/rgb-frame.ts';
import { encodeImage } from './image/postprocess.ts';
import { renderSweepGif } from './render/sweep-gif.ts';
import { renderContactSheet } from './render/contact-sheet.ts';

const MIME: Record<OutputFormat, string> = { png: 'image/png', webp: 'image/webp', jpeg: 'image/jpeg' };
const EXTENSION: Record<OutputFormat, string> = { png: 'png', webp: 'webp', jpeg: 'jpg' };

/** The source's size scaled down (never up) so its longer side is at most `maxSide`. */
export function outputSize(
  sourceWidth: number,
  sourceHeight: number,
  maxSide: number,
): { width: number; height: number } {
  const scale = Math.min(1, maxSide / Math.max(sourceWidth, sourceHeight));
  return {
    width: Math.max(1, Math.round(sourceWidth * scale)),
    height: Math.max(1, Math.round(sourceHeight * scale)),
  };
}

export interface SingleRenderOptions {
  format: OutputFormat;
  sourceWidth: number;
  sourceHeight: number;
  maxSide: number;
  maxBytes: number;
}

/** The encoded image and its final size (smaller than asked when the byte budget forced a shrink). */
export async function renderSingle(
  frame: RgbFrame,
  options: SingleRenderOptions,
): Promise<{ file: EditFile; width: number; height: number }> {
  const size = outputSize(options.sourceWidth, options.sourceHeight, options.maxSide);
  const resizeTo = size.width === frame.width && size.height === frame.height ? undefined : size;
  const data = await encodeImage(frame, { format: options.format, resizeTo, maxBytes: options.maxBytes });
  const { width = size.width, height = size.height } = await sharp(data).metadata();
  return {
    file: { name: `edit.${EXTENSION[options.format]}`, mime: MIME[options.format], data },
    width,
    height,
  };
}

export async function renderSweep(
  frames: RgbFrame[],
  strengths: number[],
  options: { maxBytes: number },
): Promise<EditFile[]> {
  const gif = renderSweepGif(frames, { maxBytes: options.maxBytes });
  const sheet = await renderContactSheet(frames, strengths, { maxBytes: options.maxBytes });
  return [
    { name: 'sweep.gif', mime: 'image/gif', data: gif },
    { name: 'sweep-sheet.png', mime: 'image/png', data: sheet },
  ];
}

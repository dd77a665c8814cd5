import sharp from 'sharp';
import type { RgbFrame } from '../../pipeline/image/rgb-frame.ts';

/** Every page of a GIF decoded by sharp (libvips / cgif's reader, independent of gifenc). */
export async function decodePages(gif: Uint8Array): Promise<RgbFrame[]> {
  const meta = await sharp(gif, { animated: true }).metadata();
  const { data, info } = await sharp(gif, { animated: true })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const pageHeight = meta.pageHeight ?? info.height;
  const pageBytes = info.width * pageHeight * 3;
  return Array.from({ length: meta.pages ?? 1 }, (_, k) => ({
    data: new Uint8Array(data.subarray(k * pageBytes, (k + 1) * pageBytes)),
    width: info.width,
    height: pageHeight,
  }));
}

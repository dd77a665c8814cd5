/**
 * The page's GIF decoder (bots/web/static/gif-frames.js, plain browser JavaScript with no DOM use) against
 * libvips on the sweeps the pipeline writes and on GIFs made other ways (interlaced, local palettes).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { renderSweepGif } from '../../../pipeline/render/sweep-gif.ts';
import type { RgbFrame } from '../../../pipeline/image/rgb-frame.ts';

interface DecodedGif {
  width: number;
  height: number;
  frames: Uint8ClampedArray[];
  delaysMs: number[];
}
// A browser module without type declarations: imported by URL, so its JSDoc types are not read here.
const decoderUrl = new URL('../../../bots/web/static/gif-frames.js', import.meta.url).href;
const { decodeGif } = (await import(decoderUrl)) as { decodeGif: (bytes: Uint8Array) => DecodedGif };

function frames(count: number, width: number, height: number): RgbFrame[] {
  return Array.from({ length: count }, (_, k) => {
    const data = new Uint8Array(width * height * 3);
    for (let i = 0; i < width * height; i++) data.set([(i * 7 + k * 40) % 256, (i * 3) % 256, k * 50], i * 3);
    return { width, height, data };
  });
}

/** Every frame of `gif` as libvips composes it, RGBA. */
async function libvipsFrames(gif: Uint8Array): Promise<{ pages: number; rgba: Buffer; pageBytes: number }> {
  const { data, info } = await sharp(gif, { animated: true })
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { pages: info.pages ?? 1, rgba: data, pageBytes: info.width * (info.pageHeight ?? info.height) * 4 };
}

async function assertSameAsLibvips(gif: Uint8Array, what: string): Promise<DecodedGif> {
  const decoded = decodeGif(gif);
  const reference = await libvipsFrames(gif);
  assert.equal(decoded.frames.length, reference.pages, `${what}: frame count`);
  decoded.frames.forEach((frame, f) => {
    const expected = reference.rgba.subarray(f * reference.pageBytes, (f + 1) * reference.pageBytes);
    assert.deepEqual(
      Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength),
      expected,
      `${what}: frame ${f}`,
    );
  });
  return decoded;
}

test('a sweep GIF from the pipeline decodes to its frames exactly', async () => {
  const gif = renderSweepGif(frames(8, 37, 23), {});
  const decoded = await assertSameAsLibvips(gif, 'sweep');
  assert.deepEqual([decoded.width, decoded.height], [37, 23]);
  assert.ok(decoded.delaysMs.every((ms) => ms >= 20));
});

test('interlaced and per-frame palettes (GIFs made by other encoders) decode too', async () => {
  const raw = frames(3, 64, 40);
  const pages = Buffer.concat(raw.map((f) => Buffer.from(f.data)));
  for (const options of [{ interlace: true }, { reuse: false }, { colours: 16, dither: 0 }]) {
    const gif = await sharp(pages, { raw: { width: 64, height: 40 * 3, channels: 3, pageHeight: 40 } })
      .gif({ ...options, loop: 0 })
      .toBuffer();
    await assertSameAsLibvips(new Uint8Array(gif), JSON.stringify(options));
  }
});

test('something that is not a GIF is refused', () => {
  assert.throws(() => decodeGif(new TextEncoder().encode('not a gif at all')), /not a GIF/);
});

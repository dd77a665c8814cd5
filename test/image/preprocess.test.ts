import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { performance } from 'node:perf_hooks';
import sharp, { type Sharp } from 'sharp';
import { InputImageError } from '../../pipeline/image/errors.ts';
import { prepareSource, rgbToTensor, workingSize } from '../../pipeline/image/preprocess.ts';
import { colourDistance, decodeReference, fixture, tensorPixel } from './fixtures.ts';
import { nestedUseSvg, pngHeaderOnly } from './hostile-images.ts';

const RED = [255, 0, 0];
const GREEN = [0, 255, 0];
const BLUE = [0, 0, 255];
const WHITE = [255, 255, 255];

/** Every pixel of a prepared tensor as 0..255 RGB triples, row-major. */
function allPixels(pixels: Float32Array, width: number, height: number): number[][] {
  const out: number[][] = [];
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) out.push(tensorPixel(pixels, width, height, x, y));
  return out;
}

async function rejection(promise: Promise<unknown>): Promise<InputImageError> {
  const error = await promise.then(
    () => assert.fail('expected an InputImageError'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof InputImageError, `got ${String(error)}`);
  assert.equal(error.code, 'input_image');
  return error;
}

describe('rgbToTensor', () => {
  it('writes planar RGB in [-1, 1] as x / 127.5 - 1', () => {
    const tensor = rgbToTensor({ data: Uint8Array.from([0, 51, 255, 255, 102, 0]), width: 2, height: 1 });
    const expected = [0, 255, 51, 102, 255, 0].map((v) => Math.fround(v / 127.5 - 1));
    assert.deepEqual(Array.from(tensor), expected);
    assert.equal(tensor[0], -1);
    assert.equal(tensor[1], 1);
  });

  it('rejects a frame whose data does not match its size', () => {
    assert.throws(() => rgbToTensor({ data: new Uint8Array(5), width: 1, height: 2 }), RangeError);
  });
});

describe('prepareSource', () => {
  it('applies EXIF orientation 6 (stored 64x32, displayed 32x64 with red on top)', async () => {
    const bytes = await fixture('exif-orientation-6.jpg');
    const meta = await sharp(bytes).metadata();
    assert.equal(meta.orientation, 6);
    assert.equal(meta.width, 64); // sanity: the stored (unrotated) size
    const src = await prepareSource(bytes, { maxArea: 32 * 64, multiple: 16 });
    assert.deepEqual([src.sourceWidth, src.sourceHeight, src.width, src.height], [32, 64, 32, 64]);
    assert.ok(colourDistance(tensorPixel(src.pixels, 32, 64, 16, 8), RED) < 12);
    assert.ok(colourDistance(tensorPixel(src.pixels, 32, 64, 16, 56), BLUE) < 12);
  });

  it('flattens alpha onto white', async () => {
    const src = await prepareSource(await fixture('alpha.png'), { maxArea: 48 * 48, multiple: 16 });
    assert.equal(src.pixels.length, 3 * 48 * 48);
    assert.deepEqual(tensorPixel(src.pixels, 48, 48, 5, 20), WHITE);
    assert.deepEqual(tensorPixel(src.pixels, 48, 48, 40, 20), GREEN);
  });

  for (const [name, w, h] of [
    ['tall.png', 30, 90],
    ['wide.png', 120, 40],
  ] as const) {
    it(`keeps the aspect ratio of ${name} (${w}x${h}) within one multiple`, async () => {
      const maxArea = 64 * 64;
      const multiple = 16;
      const src = await prepareSource(await fixture(name), { maxArea, multiple });
      assert.deepEqual({ width: src.width, height: src.height }, workingSize(w, h, maxArea, multiple));
      assert.deepEqual([src.sourceWidth, src.sourceHeight], [w, h]);
      assert.equal(src.width % multiple, 0);
      assert.equal(src.height % multiple, 0);
      assert.ok(Math.abs(src.width - (src.height * w) / h) <= multiple * (1 + w / h));
      assert.equal(Math.sign(src.width - src.height), Math.sign(w - h));
      assert.equal(src.pixels.length, 3 * src.width * src.height);
      // The gradient survives the resize: red grows left to right, green top to bottom.
      const left = tensorPixel(src.pixels, src.width, src.height, 0, src.height - 1);
      const right = tensorPixel(src.pixels, src.width, src.height, src.width - 1, 0);
      assert.ok(right[0]! > left[0]! + 200 && left[1]! > right[1]! + 200, `${left} / ${right}`);
    });
  }

  it('passes pixels through unresized when the source already has the working size', async () => {
    const bytes = await fixture('noise-64x32.png');
    const src = await prepareSource(bytes, { maxArea: 2048, multiple: 16 });
    assert.deepEqual([src.width, src.height], [64, 32]);
    assert.deepEqual(src.pixels, rgbToTensor(await decodeReference(bytes)));
  });

  it('resizes when the working size differs', async () => {
    const bytes = await fixture('noise-64x32.png');
    const src = await prepareSource(bytes, { maxArea: 4096, multiple: 16 });
    assert.deepEqual([src.width, src.height], [80, 32]);
    assert.equal(src.pixels.length, 3 * 80 * 32);
  });

  it('hashes the input bytes with sha256', async () => {
    const bytes = await fixture('noise-64x32.png');
    const src = await prepareSource(bytes, { maxArea: 2048, multiple: 16 });
    assert.equal(src.hash, createHash('sha256').update(bytes).digest('hex'));
    assert.match(src.hash, /^[0-9a-f]{64}$/);
  });

  it('rejects an image below the minimum side with a clear message', async () => {
    const error = await rejection(prepareSource(await fixture('tiny.png'), { maxArea: 4096, multiple: 16 }));
    assert.equal(error.problem, 'too_small');
    assert.match(error.userMessage, /too small \(8x12/);
    assert.match(error.hint ?? '', /16 pixels/);
    // A lower minimum accepts it.
    const src = await prepareSource(await fixture('tiny.png'), { maxArea: 4096, multiple: 16, minSide: 8 });
    assert.equal(src.sourceWidth, 8);
  });

  it('rejects a panorama longer than 8:1 (the working size could not keep the area), accepts 8:1', async () => {
    const strip = (width: number, height: number) =>
      sharp({ create: { width, height, channels: 3, background: '#808080' } })
        .png()
        .toBuffer();
    const error = await rejection(prepareSource(await strip(340, 40), { maxArea: 4096, multiple: 16 }));
    assert.equal(error.problem, 'bad_aspect');
    assert.match(error.userMessage, /too long and thin \(340x40/);
    assert.match(error.hint ?? '', /8:1/);
    const tall = await rejection(prepareSource(await strip(20, 400), { maxArea: 4096, multiple: 16 }));
    assert.equal(tall.problem, 'bad_aspect');
    const ok = await prepareSource(await strip(320, 40), { maxArea: 4096, multiple: 16 });
    assert.deepEqual([ok.sourceWidth, ok.sourceHeight], [320, 40]);
  });

  it('rejects a huge image from its header alone, before decoding', async () => {
    const bytes = await fixture('huge-header.png');
    // The file is only a header: a full decode fails as corrupt, so 'too_large' proves the header check.
    await assert.rejects(sharp(bytes, { limitInputPixels: false }).raw().toBuffer());
    const error = await rejection(prepareSource(bytes, { maxArea: 4096, multiple: 16 }));
    assert.equal(error.problem, 'too_large');
    assert.match(error.userMessage, /30000x30000/);
    assert.match(error.hint ?? '', /40 megapixels/);
  });

  it('rejects a real image over a custom maxInputPixels', async () => {
    const error = await rejection(
      prepareSource(await fixture('wide.png'), { maxArea: 4096, multiple: 16, maxInputPixels: 4000 }),
    );
    assert.equal(error.problem, 'too_large');
  });

  it('refuses SVG by its content (nested <use> with blur), before rendering a pixel', async () => {
    const svg = nestedUseSvg(4);
    assert.ok(svg.length < 1600, 'a small file');
    assert.equal((await sharp(svg).metadata()).format, 'svg'); // sanity: libvips would render it
    const started = performance.now();
    const error = await rejection(prepareSource(svg, { maxArea: 4096, multiple: 16 }));
    assert.equal(error.problem, 'unsupported_format');
    assert.match(error.userMessage, /SVG/);
    assert.match(error.hint ?? '', /PNG, JPEG, WebP or GIF/);
    assert.ok(performance.now() - started < 1000, 'refused from the header, not after rendering');
  });

  it('refuses formats the README does not list (TIFF), and accepts the four it does', async () => {
    const rgb = await fixture('noise-64x32.png');
    const tiff = await sharp(rgb).tiff().toBuffer();
    assert.equal(
      (await rejection(prepareSource(tiff, { maxArea: 2048, multiple: 16 }))).problem,
      'unsupported_format',
    );
    for (const encode of [
      (s: Sharp) => s.png(),
      (s: Sharp) => s.jpeg(),
      (s: Sharp) => s.webp(),
      (s: Sharp) => s.gif(),
    ]) {
      const bytes = await encode(sharp(rgb)).toBuffer();
      const src = await prepareSource(bytes, { maxArea: 2048, multiple: 16 });
      assert.deepEqual([src.sourceWidth, src.sourceHeight], [64, 32]);
    }
  });

  it('refuses a generated 100000x100000 PNG header as too large without decoding it', async () => {
    const error = await rejection(
      prepareSource(pngHeaderOnly(100_000, 100_000), { maxArea: 4096, multiple: 16 }),
    );
    assert.equal(error.problem, 'too_large');
  });

  it('turns undecodable bytes into an InputImageError, not a sharp stack', async () => {
    const error = await rejection(
      prepareSource(await fixture('not-an-image.bin'), { maxArea: 4096, multiple: 16 }),
    );
    assert.equal(error.problem, 'undecodable');
    assert.doesNotMatch(error.userMessage, /sharp|vips|buffer/i);
    assert.ok(error.cause instanceof Error); // sharp's own error is kept for logs
  });

  it('turns a truncated image into an InputImageError', async () => {
    const bytes = await fixture('noise-64x32.png');
    const error = await rejection(prepareSource(bytes.subarray(0, 200), { maxArea: 2048, multiple: 16 }));
    assert.equal(error.problem, 'undecodable');
    await rejection(prepareSource(new Uint8Array(), { maxArea: 2048, multiple: 16 }));
  });

  it('converts grayscale to RGB', async () => {
    const bytes = await fixture('gray.png');
    assert.equal((await sharp(bytes).metadata()).channels, 1);
    const src = await prepareSource(bytes, { maxArea: 48 * 48, multiple: 16 });
    assert.equal(src.pixels.length, 3 * src.width * src.height);
    const pixels = allPixels(src.pixels, src.width, src.height);
    assert.ok(pixels.every(([r, g, b]) => r === g && g === b));
    assert.ok(new Set(pixels.map(([r]) => r)).size > 50, 'the gray ramp survives');
  });

  for (const name of ['cmyk.jpg', 'rgb16.png', 'gradient.webp'] as const) {
    it(`decodes ${name} to 8-bit sRGB with the generator's gradient`, async () => {
      const bytes = await fixture(name);
      const meta = await sharp(bytes).metadata();
      const src = await prepareSource(bytes, { maxArea: meta.width * meta.height, multiple: 16 });
      const { width: w, height: h } = src;
      // Whole 8-bit steps (x / 127.5 - 1) prove 16-bit input was reduced to 8 bits, not kept finer.
      assert.ok(src.pixels.every((v) => Math.abs((v + 1) * 127.5 - Math.round((v + 1) * 127.5)) < 1e-3));
      const at = (x: number, y: number) => tensorPixel(src.pixels, w, h, x, y);
      // Red ramps along x and green along y: a CMYK file misread as RGBA would ramp the other way.
      assert.ok(at(w - 3, 2)[0]! - at(2, 2)[0]! > 80, `red ramp ${at(2, 2)} -> ${at(w - 3, 2)}`);
      assert.ok(at(2, h - 3)[1]! - at(2, 2)[1]! > 80, `green ramp ${at(2, 2)} -> ${at(2, h - 3)}`);
      if (name === 'cmyk.jpg') return; // libvips' CMYK round trip shifts greens too far for a colour check
      for (const [x, y] of [
        [2, 2],
        [w - 3, 2],
        [2, h - 3],
        [w - 3, h - 3],
      ] as const) {
        // The generator's muted gradient: red and green ramp 48..208 along x and y, blue = 128.
        const expected = [48 + (x / (w - 1)) * 160, 48 + (y / (h - 1)) * 160, 128];
        assert.ok(
          colourDistance(at(x, y), expected) < 12,
          `${name} at ${x},${y}: ${at(x, y)} vs ${expected}`,
        );
      }
    });
  }

  it('uses the first frame of an animated GIF', async () => {
    const bytes = await fixture('animated.gif');
    const src = await prepareSource(bytes, { maxArea: 32 * 32, multiple: 16 });
    assert.equal(src.pages, 3);
    assert.deepEqual([src.sourceWidth, src.sourceHeight, src.width, src.height], [32, 32, 32, 32]);
    assert.ok(allPixels(src.pixels, 32, 32).every((p) => colourDistance(p, RED) === 0));
  });

  it('checks its options before looking at the image', async () => {
    const garbage = await fixture('not-an-image.bin');
    await assert.rejects(prepareSource(garbage, { maxArea: 100, multiple: 16 }), RangeError);
    await assert.rejects(
      prepareSource(garbage, { maxArea: 4096, multiple: 16, maxInputPixels: 0 }),
      RangeError,
    );
  });

  it('reports a single page for still images', async () => {
    const src = await prepareSource(await fixture('alpha.png'), { maxArea: 48 * 48, multiple: 16 });
    assert.equal(src.pages, 1);
  });
});

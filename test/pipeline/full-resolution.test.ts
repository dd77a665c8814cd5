/**
 * kk-tiny's single edits at the source's size (model.json `defaults.fullResolution`): strength 0 returns
 * the photo itself at full size, and an edit keeps the photo's own edges instead of a resized 256^2 frame.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { EMBEDDED_MODEL_DIR } from '../../models/default-model-dir.ts';
import { createEditPipeline } from '../../pipeline/create-edit-pipeline.ts';
import type { EditPipeline } from '../../pipeline/edit-pipeline.ts';
import { decodeAtOutputSize } from '../../pipeline/transfer-to-source-size.ts';
import { psnr } from '../../eval/metrics.ts';
import { decodePages } from '../render/gif-pages.ts';

let pipeline: EditPipeline;
let photo: Uint8Array;

before(async () => {
  pipeline = await createEditPipeline({ modelDir: EMBEDDED_MODEL_DIR });
  // A held-out photo at 4x its stored size with a sharp checker overlaid: detail the 256^2 working size cannot hold.
  const base = await readFile(join(EMBEDDED_MODEL_DIR, 'eval-images', 'flower.jpg'));
  const checker = Buffer.alloc(1024 * 1024 * 3);
  for (let y = 0; y < 1024; y++)
    for (let x = 0; x < 1024; x++)
      if (((x >> 2) + (y >> 2)) % 2 === 0) checker.fill(255, (y * 1024 + x) * 3, (y * 1024 + x) * 3 + 3);
  const overlay = await sharp(checker, { raw: { width: 1024, height: 1024, channels: 3 } })
    .extract({ left: 0, top: 0, width: 256, height: 256 })
    .png()
    .toBuffer();
  photo = new Uint8Array(
    await sharp(base)
      .resize(1024, 1024)
      .composite([{ input: overlay, left: 384, top: 384 }])
      .png()
      .toBuffer(),
  );
});

after(() => pipeline.dispose());

async function decode(bytes: Uint8Array): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/**
 * Mean absolute step between neighbouring checker cells of `cell` pixels in the square [from, to) of the
 * overlay, on the green channel (255 for a perfect checker, near 0 once it is blurred away).
 */
function checkerContrast(
  frame: { data: Uint8Array; width: number },
  from: number,
  to: number,
  cell: number,
): number {
  let steps = 0;
  let count = 0;
  for (let y = from; y < to; y++)
    for (let x = from; x < to; x += cell) {
      const at = (y * frame.width + x) * 3 + 1;
      steps += Math.abs(frame.data[at]! - frame.data[at - 3]!);
      count++;
    }
  return steps / count;
}

test('kk-tiny declares photometric edits', () => {
  assert.equal(pipeline.bundle.manifest.defaults.fullResolution, 'guided-transfer');
});

// "blur it" too: at strength 0 the detail-loss term must find nothing to remove.
for (const instruction of ['make it warmer', 'blur it'])
  test(`strength 0 returns the photo itself at its own size ("${instruction}")`, async () => {
    const result = await pipeline.run({ image: photo, instruction, strengths: [0], seed: 3 });
    const out = await decode(result.files[0]!.data);
    const source = await decode(photo);
    assert.deepEqual([out.width, out.height], [1024, 1024]);
    let max = 0;
    for (let i = 0; i < out.data.length; i++) max = Math.max(max, Math.abs(out.data[i]! - source.data[i]!));
    assert.ok(max <= 0, `max difference ${max}`);
  });

test('an edit keeps the full-size checker that the working size cannot hold', async () => {
  const result = await pipeline.run({
    image: photo,
    instruction: 'make it warmer',
    strengths: [0.6],
    seed: 3,
  });
  const out = await decode(result.files[0]!.data);
  const contrast = checkerContrast(out, 400, 620, 4);
  assert.ok(contrast > 150, `checker contrast ${contrast}`);
});

test("a re-edit at a new strength takes the strength-0 frame and the full-size photo from the cache, with the cold edit's result", async () => {
  const cached = await createEditPipeline({ modelDir: EMBEDDED_MODEL_DIR });
  const cold = await createEditPipeline({ modelDir: EMBEDDED_MODEL_DIR, transferCacheBytes: 0 });
  try {
    const edit = (strength: number, seed = 5) => ({
      image: photo,
      instruction: 'make it darker',
      strengths: [strength],
      seed,
    });
    const decoder = cached.bundle.sessions.vaeDecoder;
    await cached.run(edit(0.3));
    let runs = decoder.runCount;
    const reEdit = await cached.run(edit(0.8));
    assert.equal(decoder.runCount - runs, 1, 'only the asked strength is decoded');
    const stats = cached.caches.transfer.stats();
    assert.equal(stats.entries, 2, 'one strength-0 frame and one photo');
    assert.equal(stats.hits, 2);

    // Its image is the one a pipeline without the transfer cache makes (strength 0 in the same batch).
    const reference = await cold.run(edit(0.8));
    const a = await decode(reEdit.files[0]!.data);
    const b = await decode(reference.files[0]!.data);
    let max = 0;
    for (let i = 0; i < a.data.length; i++) max = Math.max(max, Math.abs(a.data[i]! - b.data[i]!));
    assert.ok(max <= 1, `max difference ${max} from the uncached edit`);
    assert.equal(cold.caches.transfer.stats().entries, 0);

    // A new seed is a new strength-0 frame: it runs in the batch again.
    runs = decoder.runCount;
    await cached.run(edit(0.8, 6));
    assert.equal(decoder.runCount - runs, 2, 'the asked strength and strength 0');
  } finally {
    await cached.dispose();
    await cold.dispose();
  }
});

test("a sweep's frames come at the sweep size with the photo's own detail, strength 0 the photo itself", async () => {
  const result = await pipeline.run({
    image: photo,
    instruction: 'make it warmer',
    strengths: [0, 0.5, 1],
    seed: 3,
  });
  // The working size is 256x256; the sweep comes at maxSweepSide (512) from the 1024x1024 photo.
  assert.deepEqual([result.width, result.height], [512, 512]);
  const pages = await decodePages(result.files[0]!.data);
  assert.equal(pages.length, 3);
  assert.deepEqual([pages[0]!.width, pages[0]!.height], [512, 512]);
  const at512 = await decodeAtOutputSize(photo, { maxSide: 512, maxInputPixels: 40_000_000 });
  const identity = psnr(pages[0]!, at512);
  assert.ok(
    identity > 30,
    `strength 0 against the photo at 512: ${identity.toFixed(1)} dB (GIF palette only)`,
  );
  // The checker's 4-px cells are 2 px at 512: a working-size frame could not hold them.
  const contrast = checkerContrast(pages[2]!, 200, 310, 2);
  assert.ok(contrast > 150, `checker contrast ${contrast}`);
});

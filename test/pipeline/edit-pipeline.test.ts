/** EditPipeline on the tiny random bundle: batching, caches, cancellation, progress and output files. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { loadBundle, type ModelBundle } from '../../models/load-bundle.ts';
import { TINY_RANDOM_MODEL_DIR } from '../../models/default-model-dir.ts';
import { EditPipeline } from '../../pipeline/edit-pipeline.ts';
import { EditCancelledError, EditInputError } from '../../pipeline/errors.ts';
import type { EditInput, EditProgress } from '../../pipeline/types.ts';
import type { ComponentName } from '../../models/bundle-manifest.ts';

let bundle: ModelBundle;
let image: Uint8Array;
const STEPS = 3;

before(async () => {
  bundle = await loadBundle(TINY_RANDOM_MODEL_DIR);
  const width = 120;
  const height = 80;
  const rgb = Uint8Array.from({ length: width * height * 3 }, (_, i) => (i * 7) % 251);
  image = await sharp(rgb, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
});
after(() => bundle.dispose());

const pipelineWith = (options: Partial<ConstructorParameters<typeof EditPipeline>[0]> = {}) =>
  new EditPipeline({ bundle, ownsBundle: false, ...options });
const input = (overrides: Partial<EditInput> = {}): EditInput => ({
  image,
  instruction: 'make it snowy',
  strengths: [0.5],
  seed: 7,
  steps: STEPS,
  ...overrides,
});

/** Session runs per component since `start` (from ModelSession.runCount). */
function runCounts(): Record<ComponentName, number> {
  return Object.fromEntries(Object.entries(bundle.sessions).map(([k, s]) => [k, s.runCount])) as Record<
    ComponentName,
    number
  >;
}
function delta(before: Record<ComponentName, number>): Record<ComponentName, number> {
  const now = runCounts();
  return Object.fromEntries(
    Object.entries(now).map(([k, v]) => [k, v - before[k as ComponentName]]),
  ) as Record<ComponentName, number>;
}

function maxRelativeError(actual: Float32Array, expected: Float32Array): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i]! - expected[i]!));
    scale = Math.max(scale, Math.abs(expected[i]!));
  }
  return diff / (scale || 1);
}

test('a sweep run as one batch gives the same latents as separate runs, strength 0 included', async () => {
  const strengths = [0, 0.5, 1];
  const pipeline = pipelineWith({ maxBatch: 4 });
  const counts = runCounts();
  const batched = await pipeline.generate(input({ strengths }), { keepTensors: true });
  // One projector run and STEPS transformer runs for the whole batch.
  assert.equal(delta(counts).sliderProjector, 1);
  assert.equal(delta(counts).transformer, STEPS);
  const n = batched.latents!.length / strengths.length;
  for (const [i, s] of strengths.entries()) {
    const single = await pipeline.generate(input({ strengths: [s] }), { keepTensors: true });
    const error = maxRelativeError(batched.latents!.subarray(i * n, (i + 1) * n), single.latents!);
    assert.ok(error <= 1e-5, `strength ${s}: relative error ${error}`);
  }
  // The strengths must matter, or equality above would prove nothing.
  assert.ok(maxRelativeError(batched.latents!.subarray(0, n), batched.latents!.subarray(2 * n)) > 1e-3);
});

test('a sweep larger than maxBatch is split and gives the same result', async () => {
  const strengths = [0, 0.25, 0.5, 0.75, 1];
  const whole = await pipelineWith({ maxBatch: 8 }).generate(input({ strengths }), { keepTensors: true });
  const counts = runCounts();
  const split = await pipelineWith({ maxBatch: 2 }).generate(input({ strengths }), { keepTensors: true });
  assert.equal(delta(counts).transformer, 3 * STEPS);
  assert.equal(delta(counts).sliderProjector, 3);
  assert.ok(maxRelativeError(split.latents!, whole.latents!) <= 1e-5);
  assert.equal(split.frames.length, 5);
});

test('a "stronger" re-edit skips both text encoders and the VAE encoder', async () => {
  const pipeline = pipelineWith();
  let counts = runCounts();
  await pipeline.run(input({ strengths: [0.5] }));
  assert.deepEqual(delta(counts), {
    clipTextEncoder: 1,
    t5TextEncoder: 1,
    sliderProjector: 1,
    transformer: STEPS,
    vaeEncoder: 1,
    vaeDecoder: 1,
  });
  counts = runCounts();
  await pipeline.run(input({ strengths: [0.75] }));
  assert.deepEqual(delta(counts), {
    clipTextEncoder: 0,
    t5TextEncoder: 0,
    sliderProjector: 1,
    transformer: STEPS,
    vaeEncoder: 0,
    vaeDecoder: 1,
  });
  // A new instruction on the same image re-encodes only the text.
  counts = runCounts();
  await pipeline.run(input({ instruction: 'make it sunny' }));
  assert.equal(delta(counts).t5TextEncoder, 1);
  assert.equal(delta(counts).vaeEncoder, 0);
  const stats = pipeline.caches.text.stats();
  assert.equal(stats.hits, 1);
  assert.equal(stats.misses, 2);
});

test("a re-edit's timings leave out the encodings the caches answered, which still report progress", async () => {
  const pipeline = pipelineWith();
  const cold = await pipeline.run(input({ strengths: [0.3] }));
  for (const stage of ['encode-text', 'preprocess', 'encode-image'])
    assert.ok(cold.timings[stage]! >= 0, stage);
  const events: EditProgress[] = [];
  const warm = await pipeline.run(input({ strengths: [0.8], onProgress: (p) => events.push(p) }));
  for (const stage of ['encode-text', 'preprocess', 'encode-image']) {
    assert.equal(warm.timings[stage], undefined, `${stage} was not run, so not timed`);
    assert.ok(
      events.some((e) => e.stage === stage),
      `${stage} still reported`,
    );
  }
  assert.ok(warm.timings.denoise! > 0);
});

test('with caches off, every run encodes again', async () => {
  const pipeline = pipelineWith({ textCacheBytes: 0, sourceCacheBytes: 0 });
  await pipeline.generate(input());
  const counts = runCounts();
  await pipeline.generate(input());
  assert.equal(delta(counts).t5TextEncoder, 1);
  assert.equal(delta(counts).vaeEncoder, 1);
});

test('cancellation between denoising steps throws EditCancelledError', async () => {
  const controller = new AbortController();
  const counts = runCounts();
  const onProgress = (p: EditProgress) => {
    if (p.stage === 'denoise' && p.step === 1) controller.abort();
  };
  await assert.rejects(
    pipelineWith().run(input({ steps: 5, signal: controller.signal, onProgress })),
    EditCancelledError,
  );
  assert.equal(delta(counts).transformer, 1);
  assert.equal(delta(counts).vaeDecoder, 0);
  const aborted = AbortSignal.abort();
  await assert.rejects(pipelineWith().run(input({ signal: aborted })), EditCancelledError);
});

test('progress covers every stage and every denoising step; timings cover every stage', async () => {
  const events: EditProgress[] = [];
  const pipeline = pipelineWith({ maxBatch: 2 });
  const result = await pipeline.run(input({ strengths: [0, 0.5, 1], onProgress: (p) => events.push(p) }));
  const denoise = events.filter((e) => e.stage === 'denoise');
  assert.deepEqual(
    denoise.map((e) => e.step),
    Array.from({ length: 2 * STEPS }, (_, i) => i + 1),
  );
  assert.ok(denoise.every((e) => e.total === 2 * STEPS));
  for (const stage of ['preprocess', 'encode-text', 'encode-image', 'decode', 'render'])
    assert.ok(
      events.some((e) => e.stage === stage),
      stage,
    );
  for (const stage of ['preprocess', 'encode-text', 'encode-image', 'denoise', 'decode', 'render', 'total'])
    assert.ok(result.timings[stage]! >= 0, stage);
});

test('a single edit is one image at the source size, in the requested format', async () => {
  const pipeline = pipelineWith();
  for (const [format, mime] of [
    ['png', 'image/png'],
    ['webp', 'image/webp'],
    ['jpeg', 'image/jpeg'],
  ] as const) {
    const result = await pipeline.run(input({ format }));
    assert.equal(result.kind, 'single');
    assert.equal(result.files.length, 1);
    assert.equal(result.files[0]!.mime, mime);
    const meta = await sharp(result.files[0]!.data).metadata();
    assert.equal(meta.format, format);
    assert.deepEqual([meta.width, meta.height, result.width, result.height], [120, 80, 120, 80]);
    assert.equal(result.modelId, bundle.key);
  }
});

test('a sweep is an animated GIF and a contact sheet within the byte budget', async () => {
  const result = await pipelineWith().run(input({ strengths: [0, 0.5, 1], maxBytes: 200_000 }));
  assert.equal(result.kind, 'sweep');
  assert.deepEqual(
    result.files.map((f) => f.mime),
    ['image/gif', 'image/png'],
  );
  for (const file of result.files)
    assert.ok(file.data.length <= 200_000, `${file.name}: ${file.data.length} bytes`);
  const gif = await sharp(result.files[0]!.data, { animated: true }).metadata();
  assert.ok((gif.pages ?? 1) >= 3);
});

test('the same seed gives the same image; another seed a different one', async () => {
  const pipeline = pipelineWith();
  const a = await pipeline.generate(input({ seed: 1 }), { keepTensors: true });
  const b = await pipeline.generate(input({ seed: 1 }), { keepTensors: true });
  const c = await pipeline.generate(input({ seed: 2 }), { keepTensors: true });
  assert.deepEqual(a.latents, b.latents);
  assert.notDeepEqual(a.latents, c.latents);
});

test('invalid inputs are refused before any model runs', async () => {
  const pipeline = pipelineWith();
  const counts = runCounts();
  for (const bad of [
    input({ strengths: [] }),
    input({ strengths: [1.5] }),
    input({ instruction: '  ' }),
    input({ steps: 0 }),
    input({ seed: -1 }),
    input({ image: new Uint8Array() }),
    // Not bytes at all (a caller's bug): refused as an input error, not a TypeError from hashing it.
    input({ image: 'a photo' as unknown as Uint8Array }),
  ])
    await assert.rejects(pipeline.run(bad), EditInputError);
  assert.deepEqual(Object.values(delta(counts)), [0, 0, 0, 0, 0, 0]);
});

/**
 * The TypeScript pipeline against the PyTorch reference (diffusers' FluxKontextPipeline + the slider) on the
 * tiny random bundle: test/fixtures/tiny-random/golden/ (see models/README.md, "Golden outputs").
 *
 * Tolerances (fp32): token ids exact; sigmas, timesteps and ids exact; every float tensor within a relative
 * error (max |ours - golden| / max |golden|) of 1e-4; the 8-bit images within 1/255 everywhere but a few
 * rounding ties. Each test logs the error it measured (node --test prints them as diagnostics).
 */
import { test, before, after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { loadBundle, type ModelBundle } from '../../models/load-bundle.ts';
import { TINY_RANDOM_MODEL_DIR } from '../../models/default-model-dir.ts';
import { parseExecutionProvider } from '../../config/execution-provider.ts';
import type { HostTensor } from '../../models/host-tensor.ts';
import { encodeInstruction } from '../../pipeline/encode-instruction.ts';
import { encodeSource } from '../../pipeline/encode-source.ts';
import { projectStrengths } from '../../pipeline/project-strengths.ts';
import { denoise } from '../../pipeline/sampler/denoise.ts';
import { packLatents, transformerImageIds } from '../../pipeline/sampler/latent-packing.ts';
import { calculateShift, makeSigmas, sigmasToTimesteps } from '../../pipeline/scheduler/flow-match-euler.ts';
import { prepareSource } from '../../pipeline/image/preprocess.ts';
import { EditPipeline } from '../../pipeline/edit-pipeline.ts';

const GOLDEN_DIR = join(TINY_RANDOM_MODEL_DIR, 'golden');
/**
 * The same checks run on a GPU provider with KK_GOLDEN_EXECUTION_PROVIDERS=cuda (the CUDA run in
 * BENCHMARKS.md section 5); KK_GOLDEN_REL_TOLERANCE and KK_GOLDEN_MAX_PIXEL_DIFF then carry the bounds that
 * run measured and justified (with KK_GOLDEN_MAX_DIFFERING_SHARE for the share of 8-bit values that may
 * differ at all). Unset, this is the CPU test with its fp32 bounds.
 */
const PROVIDERS = (process.env.KK_GOLDEN_EXECUTION_PROVIDERS ?? 'cpu').split(',').map(parseExecutionProvider);
const REL_TOLERANCE = Number(process.env.KK_GOLDEN_REL_TOLERANCE ?? 1e-4);
const MAX_PIXEL_DIFF = Number(process.env.KK_GOLDEN_MAX_PIXEL_DIFF ?? 1);
const MAX_DIFFERING_SHARE = Number(process.env.KK_GOLDEN_MAX_DIFFERING_SHARE ?? 0.001);

interface GoldenTensor {
  file: string;
  dtype: 'float32' | 'int64';
  shape: number[];
}
interface Golden {
  instruction: string;
  strengths: number[];
  steps: number;
  guidance: number;
  height: number;
  width: number;
  mu: number;
  noisyTokens: number;
  sourceImage: string;
  outputImages: string[];
  tokenization: { text: string; clip: number[]; t5: number[] }[];
  tensors: Record<string, GoldenTensor>;
}

let golden: Golden;
let bundle: ModelBundle;
let sourceBytes: Uint8Array;

before(async () => {
  golden = JSON.parse(await readFile(join(GOLDEN_DIR, 'golden.json'), 'utf8'));
  bundle = await loadBundle(TINY_RANDOM_MODEL_DIR, { executionProviders: PROVIDERS, lazyComponents: [] });
  sourceBytes = await readFile(join(GOLDEN_DIR, golden.sourceImage));
});
after(() => bundle.dispose());

async function floats(name: string): Promise<Float32Array> {
  const spec = golden.tensors[name];
  assert.ok(spec && spec.dtype === 'float32', `golden tensor ${name}`);
  const bytes = await readFile(join(GOLDEN_DIR, spec.file));
  // Copy into an aligned buffer: the file's bytes are little-endian float32, like every platform Node runs on.
  const data = new Float32Array(new Uint8Array(bytes).buffer);
  assert.equal(
    data.length,
    spec.shape.reduce((a, b) => a * b, 1),
    name,
  );
  return data;
}

/** max |actual - expected| / max |expected|, logged and checked against `tolerance`. */
function expectClose(
  t: TestContext,
  name: string,
  actual: Float32Array,
  expected: Float32Array,
  tolerance = REL_TOLERANCE,
) {
  assert.equal(actual.length, expected.length, `${name}: length`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i]! - expected[i]!));
    scale = Math.max(scale, Math.abs(expected[i]!));
  }
  const relative = diff / (scale || 1);
  t.diagnostic(`${name}: max abs ${diff.toExponential(2)}, relative ${relative.toExponential(2)}`);
  assert.ok(relative <= tolerance, `${name}: relative error ${relative} > ${tolerance}`);
}

const output = (out: Record<string, HostTensor>, name: string) => out[name]!.data as Float32Array;

test('every session runs on the requested provider (no silent fallback)', () => {
  for (const session of Object.values(bundle.sessions))
    assert.equal(session.provider, PROVIDERS[0]!.name, `${session.component} runs on ${session.provider}`);
});

test('token ids match transformers exactly (padding, truncation, special tokens)', () => {
  assert.equal(golden.tokenization.length, 4);
  for (const { text, clip, t5 } of golden.tokenization) {
    assert.deepEqual(bundle.tokenizers.clip.encode(text), clip, `CLIP ids of ${JSON.stringify(text)}`);
    assert.deepEqual(bundle.tokenizers.t5.encode(text), t5, `T5 ids of ${JSON.stringify(text)}`);
  }
});

test('text encodings: CLIP pooled and T5 sequence', async (t) => {
  const encoding = await encodeInstruction(bundle, golden.instruction);
  expectClose(t, 'pooled', encoding.pooled.data, await floats('pooled'));
  expectClose(t, 't5_hidden', encoding.promptEmbeds.data, await floats('t5_hidden'));
});

test('slider projector outputs for every strength, 0 included', async (t) => {
  const pooled = { data: await floats('pooled'), dims: [1, bundle.manifest.transformer.pooledDim] };
  assert.deepEqual([...(await floats('strengths'))], golden.strengths);
  const modulation = await projectStrengths(bundle, golden.strengths, pooled);
  expectClose(t, 'modulation', modulation.data, await floats('modulation'));
});

test('source preprocessing and packed, scaled VAE latents', async (t) => {
  const prepared = await prepareSource(sourceBytes, {
    maxArea: bundle.manifest.defaults.maxArea,
    multiple: 2 * bundle.manifest.vae.scaleFactor,
  });
  assert.deepEqual([prepared.width, prepared.height], [golden.width, golden.height]);
  expectClose(t, 'source_pixels', prepared.pixels, await floats('source_pixels'), 1e-6);
  const encoded = await encodeSource(bundle, prepared);
  expectClose(t, 'image_latents_packed', encoded.contextTokens, await floats('image_latents_packed'));
});

test('noise packing, img_ids, sigmas and timesteps', async (t) => {
  const latent = {
    channels: bundle.manifest.vae.latentChannels,
    height: golden.height / 8,
    width: golden.width / 8,
  };
  assert.deepEqual(packLatents(await floats('noise_unpacked'), 1, latent), await floats('noise_packed'));
  assert.deepEqual(transformerImageIds(latent, latent), await floats('img_ids'));
  const mu = calculateShift(golden.noisyTokens, bundle.manifest.scheduler);
  t.diagnostic(`mu: ours ${mu}, golden ${golden.mu}`);
  assert.ok(Math.abs(mu - golden.mu) < 1e-12);
  const sigmas = makeSigmas(golden.steps, golden.noisyTokens, bundle.manifest.scheduler);
  assert.deepEqual(sigmas, await floats('sigmas'));
  assert.deepEqual(sigmasToTimesteps(sigmas, bundle.manifest.scheduler), await floats('timesteps'));
});

test('denoising from the golden inputs: step-1 transformer inputs, velocity and final latents', async (t) => {
  const { manifest } = bundle;
  const f = manifest.vae.latentChannels * 4;
  const t5 = await floats('t5_hidden');
  const feeds: Record<string, HostTensor>[] = [];
  const recorder = {
    run: async (input: Record<string, HostTensor>) => {
      if (feeds.length === 0)
        feeds.push(
          Object.fromEntries(Object.entries(input).map(([k, v]) => [k, { ...v, data: v.data.slice() }])),
        );
      return bundle.sessions.transformer.run(input);
    },
  };
  let velocity: Float32Array | undefined;
  const latents = await denoise({
    transformer: recorder,
    batch: golden.strengths.length,
    noise: await floats('noise_packed'),
    contextTokens: await floats('image_latents_packed'),
    features: f,
    imageIds: await floats('img_ids'),
    promptEmbeds: {
      data: t5,
      dims: [1, t5.length / manifest.transformer.jointAttentionDim, manifest.transformer.jointAttentionDim],
    },
    pooled: { data: await floats('pooled'), dims: [1, manifest.transformer.pooledDim] },
    modulation: {
      data: await floats('modulation'),
      dims: [golden.strengths.length, 2 * manifest.transformer.innerDim],
    },
    sigmas: await floats('sigmas'),
    guidance: golden.guidance,
    onStep: (step, v) => {
      if (step === 0) velocity = v.slice();
    },
  });
  const first = feeds[0]!;
  expectClose(
    t,
    'step1_hidden_states',
    output(first, 'hidden_states'),
    await floats('step1_hidden_states'),
    0,
  );
  assert.deepEqual(output(first, 'timestep'), await floats('step1_timestep'));
  assert.deepEqual(output(first, 'guidance'), await floats('step1_guidance'));
  assert.deepEqual(output(first, 'txt_ids'), await floats('txt_ids'));
  expectClose(t, 'velocity_step1', velocity!, await floats('velocity_step1'));
  expectClose(t, 'final_latents_packed', latents, await floats('final_latents_packed'));
});

/** The reference edit (one batch of the golden strengths) with the reference's initial noise. */
async function generateGolden(pipeline: EditPipeline) {
  const input = {
    image: sourceBytes,
    instruction: golden.instruction,
    strengths: golden.strengths,
    seed: 0,
    steps: golden.steps,
    guidance: golden.guidance,
  };
  return pipeline.generate(input, { noise: await floats('noise_unpacked'), keepTensors: true });
}

test('the whole EditPipeline (one batch of 3 strengths, injected noise) reproduces the reference images', async (t) => {
  const pipeline = new EditPipeline({ bundle, ownsBundle: false });
  const generation = await generateGolden(pipeline);
  expectClose(t, 'pipeline final_latents_packed', generation.latents!, await floats('final_latents_packed'));
  expectClose(t, 'pipeline decoded', generation.decoded!, await floats('decoded'));

  // 8-bit frames vs the reference PNGs: within 1/255 everywhere, equal on all but rounding ties.
  let total = 0;
  let differing = 0;
  let worst = 0;
  for (const [i, file] of golden.outputImages.entries()) {
    const { data, info } = await sharp(join(GOLDEN_DIR, file))
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const frame = generation.frames[i]!;
    assert.deepEqual([frame.width, frame.height], [info.width, info.height]);
    for (let k = 0; k < data.length; k++) {
      const d = Math.abs(frame.data[k]! - data[k]!);
      worst = Math.max(worst, d);
      if (d > 0) differing++;
      total++;
    }
  }
  t.diagnostic(`images: ${differing} of ${total} 8-bit values differ, by at most ${worst}/255`);
  assert.ok(worst <= MAX_PIXEL_DIFF, `largest difference ${worst}/255`);
  assert.ok(differing <= total * MAX_DIFFERING_SHARE, `${differing} of ${total} values differ`);
});

test('the multi-head attention export (extra/) gives the same final latents', async (t) => {
  // A scratch bundle whose transformer is the com.microsoft.MultiHeadAttention variant.
  const dir = await mkdtemp(join(tmpdir(), 'kk-mha-'));
  try {
    for (const entry of await readdir(TINY_RANDOM_MODEL_DIR))
      if (entry !== 'model.json') await symlink(join(TINY_RANDOM_MODEL_DIR, entry), join(dir, entry));
    const manifest = JSON.parse(await readFile(join(TINY_RANDOM_MODEL_DIR, 'model.json'), 'utf8'));
    manifest.attention = 'multi-head';
    manifest.components.transformer.file = 'extra/transformer-multi-head.onnx';
    delete manifest.files;
    await writeFile(join(dir, 'model.json'), JSON.stringify(manifest));
    const pipeline = new EditPipeline({ bundle: await loadBundle(dir, { executionProviders: PROVIDERS }) });
    try {
      const generation = await generateGolden(pipeline);
      expectClose(
        t,
        'multi-head final_latents_packed',
        generation.latents!,
        await floats('final_latents_packed'),
      );
    } finally {
      await pipeline.dispose();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

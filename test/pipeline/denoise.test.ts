import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HostTensor } from '../../models/host-tensor.ts';
import {
  denoise,
  repeatBatch,
  type DenoiseOptions,
  type TransformerRunner,
} from '../../pipeline/sampler/denoise.ts';
import { EditCancelledError } from '../../pipeline/errors.ts';
import { FLUX_SCHEDULER_CONFIG, makeSigmas } from '../../pipeline/scheduler/flow-match-euler.ts';

const F = 4; // features per token
const N = 3; // noisy tokens
const M = 2; // context tokens
const T = 2; // text tokens

/**
 * A stand-in transformer whose output for each batch row depends on that row's hidden states, modulation,
 * timestep and guidance, and on the mean of its context tokens: enough to catch rows being mixed up.
 */
class FakeTransformer implements TransformerRunner {
  calls: Record<string, HostTensor>[] = [];
  async run(feeds: Record<string, HostTensor>) {
    // The loop reuses its hidden_states buffer between steps, so keep a copy of what was fed.
    const hiddenCopy = Float32Array.from(feeds.hidden_states!.data as Float32Array);
    this.calls.push({ ...feeds, hidden_states: { data: hiddenCopy, dims: feeds.hidden_states!.dims } });
    const hidden = feeds.hidden_states!.data as Float32Array;
    const [batch, seq, f] = feeds.hidden_states!.dims as [number, number, number];
    const modulation = feeds.modulation!.data as Float32Array;
    const modWidth = feeds.modulation!.dims[1]!;
    const timestep = feeds.timestep!.data as Float32Array;
    const guidance = (feeds.guidance?.data as Float32Array | undefined)?.[0] ?? 0;
    const out = new Float32Array(hidden.length);
    for (let b = 0; b < batch; b++) {
      let contextMean = 0;
      for (let k = N * f; k < seq * f; k++) contextMean += hidden[b * seq * f + k]!;
      contextMean /= M * f;
      for (let k = 0; k < seq * f; k++) {
        const i = b * seq * f + k;
        out[i] = 0.5 * hidden[i]! + modulation[b * modWidth]! * timestep[b]! + 0.1 * guidance + contextMean;
      }
    }
    return { sample: { data: out, dims: [batch, seq, f] } };
  }
}

function options(strengths: number[], transformer: TransformerRunner): DenoiseOptions {
  return {
    transformer,
    batch: strengths.length,
    noise: Float32Array.from({ length: N * F }, (_, i) => Math.sin(i + 1)),
    contextTokens: Float32Array.from({ length: M * F }, (_, i) => Math.cos(i)),
    features: F,
    imageIds: new Float32Array((N + M) * 3),
    promptEmbeds: { data: Float32Array.from({ length: T * 3 }, (_, i) => i), dims: [1, T, 3] },
    pooled: { data: Float32Array.from([1, 2]), dims: [1, 2] },
    modulation: { data: Float32Array.from(strengths.flatMap((s) => [s, -s])), dims: [strengths.length, 2] },
    sigmas: makeSigmas(4, N, FLUX_SCHEDULER_CONFIG),
    guidance: 2.5,
  };
}

test('a batch of strengths gives exactly the latents of separate runs', async () => {
  const strengths = [0, 0.4, 1];
  const batched = await denoise(options(strengths, new FakeTransformer()));
  for (let b = 0; b < strengths.length; b++) {
    const single = await denoise(options([strengths[b]!], new FakeTransformer()));
    assert.deepEqual(batched.subarray(b * N * F, (b + 1) * N * F), single);
  }
  // Different strengths must actually give different latents, or the test above proves nothing.
  assert.notDeepEqual(batched.subarray(0, N * F), batched.subarray(N * F, 2 * N * F));
});

test('feeds concat(noisy, context) tokens, sigma as timestep, guidance, and repeated text inputs', async () => {
  const fake = new FakeTransformer();
  const opts = options([0.2, 0.8], fake);
  await denoise(opts);
  assert.equal(fake.calls.length, 4);
  const first = fake.calls[0]!;
  assert.deepEqual(first.hidden_states!.dims, [2, N + M, F]);
  const hidden = first.hidden_states!.data as Float32Array;
  assert.deepEqual(hidden.subarray(0, N * F), opts.noise);
  assert.deepEqual(hidden.subarray(N * F, (N + M) * F), opts.contextTokens);
  assert.deepEqual(hidden.subarray((N + M) * F, (2 * N + M) * F), opts.noise);
  assert.deepEqual([...(first.timestep!.data as Float32Array)], [1, 1]);
  assert.deepEqual([...(fake.calls[1]!.timestep!.data as Float32Array)], [opts.sigmas[1], opts.sigmas[1]]);
  assert.deepEqual([...(first.guidance!.data as Float32Array)], [2.5, 2.5]);
  assert.deepEqual(first.encoder_hidden_states!.dims, [2, T, 3]);
  assert.deepEqual(first.pooled_projections!.dims, [2, 2]);
  assert.deepEqual(first.txt_ids!.dims, [T, 3]);
  assert.ok((first.txt_ids!.data as Float32Array).every((v) => v === 0));
});

test('no guidance input when the transformer has none', async () => {
  const fake = new FakeTransformer();
  await denoise({ ...options([1], fake), guidance: undefined });
  assert.equal(fake.calls[0]!.guidance, undefined);
});

test('the velocity is the first N output tokens and each step is an Euler step', async () => {
  const fake = new FakeTransformer();
  const opts = options([0.5], fake);
  const velocities: Float32Array[] = [];
  const latents = await denoise({ ...opts, onStep: (_, v) => velocities.push(Float32Array.from(v)) });
  const x = Float32Array.from(opts.noise);
  for (let step = 0; step < 4; step++) {
    const dt = Math.fround(opts.sigmas[step + 1]! - opts.sigmas[step]!);
    for (let i = 0; i < x.length; i++) x[i] = x[i]! + Math.fround(dt * velocities[step]![i]!);
  }
  assert.deepEqual(latents, x);
  assert.equal(velocities[0]!.length, N * F);
});

test('an aborted signal stops the loop between steps', async () => {
  const controller = new AbortController();
  const fake = new FakeTransformer();
  await assert.rejects(
    denoise({
      ...options([1], fake),
      signal: controller.signal,
      onStep: (step) => step === 1 && controller.abort(),
    }),
    EditCancelledError,
  );
  assert.equal(fake.calls.length, 2);
});

test('repeatBatch copies a batch-1 tensor along the first axis', () => {
  const t = repeatBatch({ data: Float32Array.from([1, 2]), dims: [1, 2] }, 3);
  assert.deepEqual(t.dims, [3, 2]);
  assert.deepEqual([...t.data], [1, 2, 1, 2, 1, 2]);
  assert.throws(() => repeatBatch({ data: new Float32Array(4), dims: [2, 2] }, 2), RangeError);
});

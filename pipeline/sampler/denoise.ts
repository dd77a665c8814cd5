/**
 * Step "denoise": the Euler loop of FluxKontextPipeline for a batch of images that differ only in their
 * slider modulation. Each step feeds the transformer concat(noisy tokens, source context tokens) along the
 * sequence, keeps the first N output tokens as the velocity, and moves `x += (sigma_next - sigma) * v`.
 */
import type { HostTensor } from '../../models/host-tensor.ts';
import { floatOutput, type FloatTensor } from '../../models/host-tensor.ts';
import { throwIfAborted } from '../errors.ts';
import { eulerStep } from '../scheduler/flow-match-euler.ts';

/** What the loop needs from the transformer component (a ModelSession, or a stand-in in tests). */
export interface TransformerRunner {
  run(feeds: Record<string, HostTensor>): Promise<Record<string, HostTensor>>;
}

export interface DenoiseOptions {
  transformer: TransformerRunner;
  /** Images in the batch (one per strength). */
  batch: number;
  /** Packed initial noise for ONE image, [N, F]; every batch member starts from it. */
  noise: Float32Array;
  /** Packed, scaled source latents, [M, F]. */
  contextTokens: Float32Array;
  /** Features per token, F = latent channels * 4. */
  features: number;
  /** Transformer `img_ids`, [N + M, 3]. */
  imageIds: Float32Array;
  /** T5 sequence for ONE image, [1, T, D]. */
  promptEmbeds: FloatTensor;
  /** CLIP pooled for ONE image, [1, P]. */
  pooled: FloatTensor;
  /** Slider modulation per batch member, [batch, 2 * innerDim]. */
  modulation: FloatTensor;
  /** `steps + 1` sigmas ending in 0 (from makeSigmas). */
  sigmas: Float32Array;
  /** Guidance scale; undefined when the transformer has no guidance input. */
  guidance: number | undefined;
  signal?: AbortSignal;
  /** Called after each step with the 0-based step index and its velocity, [batch, N, F] (a reused buffer: copy to keep). */
  onStep?: (step: number, velocity: Float32Array) => void;
}

/** Repeats one [1, ...] tensor `batch` times along the first axis. */
export function repeatBatch(tensor: FloatTensor, batch: number): FloatTensor {
  if (tensor.dims[0] !== 1)
    throw new RangeError(`expected a batch-1 tensor, got [${tensor.dims.join(', ')}]`);
  if (batch === 1) return tensor;
  const data = new Float32Array(tensor.data.length * batch);
  for (let b = 0; b < batch; b++) data.set(tensor.data, b * tensor.data.length);
  return { data, dims: [batch, ...tensor.dims.slice(1)] };
}

/** Runs the loop; returns the final packed latents, [batch, N, F]. */
export async function denoise(options: DenoiseOptions): Promise<Float32Array> {
  const { batch, noise, contextTokens, features: f, sigmas } = options;
  const noisyLen = noise.length / f;
  const contextLen = contextTokens.length / f;
  const seqLen = noisyLen + contextLen;
  if (!Number.isInteger(noisyLen) || !Number.isInteger(contextLen))
    throw new RangeError(
      `noise (${noise.length}) and context (${contextTokens.length}) must be whole tokens of ${f}`,
    );
  if (options.imageIds.length !== seqLen * 3)
    throw new RangeError(`img_ids has ${options.imageIds.length / 3} rows, expected ${seqLen}`);
  const textLen = options.promptEmbeds.dims[1]!;

  const latents = new Float32Array(batch * noise.length);
  for (let b = 0; b < batch; b++) latents.set(noise, b * noise.length);

  // Inputs that do not change between steps are built once.
  const hidden = new Float32Array(batch * seqLen * f);
  for (let b = 0; b < batch; b++) hidden.set(contextTokens, (b * seqLen + noisyLen) * f);
  const constant: Record<string, HostTensor> = {
    encoder_hidden_states: repeatBatch(options.promptEmbeds, batch),
    pooled_projections: repeatBatch(options.pooled, batch),
    img_ids: { data: options.imageIds, dims: [seqLen, 3] },
    txt_ids: { data: new Float32Array(textLen * 3), dims: [textLen, 3] },
    modulation: options.modulation,
  };
  if (options.guidance !== undefined)
    constant.guidance = { data: new Float32Array(batch).fill(options.guidance), dims: [batch] };

  const steps = sigmas.length - 1;
  const velocity = new Float32Array(latents.length);
  for (let step = 0; step < steps; step++) {
    throwIfAborted(options.signal);
    const sigma = sigmas[step]!;
    for (let b = 0; b < batch; b++)
      hidden.set(latents.subarray(b * noise.length, (b + 1) * noise.length), b * seqLen * f);
    const out = await options.transformer.run({
      ...constant,
      hidden_states: { data: hidden, dims: [batch, seqLen, f] },
      timestep: { data: new Float32Array(batch).fill(sigma), dims: [batch] },
    });
    const sample = floatOutput(out, 'sample', 'transformer').data;
    if (sample.length !== batch * seqLen * f)
      throw new RangeError(`transformer returned ${sample.length} values, expected ${batch}x${seqLen}x${f}`);
    // Keep only the noisy tokens' predictions; the context tokens' outputs are discarded.
    for (let b = 0; b < batch; b++)
      velocity.set(sample.subarray(b * seqLen * f, (b * seqLen + noisyLen) * f), b * noise.length);
    eulerStep(latents, velocity, sigma, sigmas[step + 1]!);
    options.onStep?.(step, velocity);
  }
  return latents;
}

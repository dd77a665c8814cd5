/**
 * WebGPU's largest buffer is 2 GiB, and a transformer exported with decomposed attention materialises the
 * [batch, heads, S, S] float32 attention scores (S = text + noisy + context tokens) in one buffer; past that
 * size WebGPU computes garbage rather than failing. So on WebGPU with such a bundle the batch is lowered until
 * the scores fit, and an image too large for even one is refused.
 */
import type { ExecutionProviderName } from '../config/execution-provider.ts';
import type { BundleManifest } from '../models/bundle-manifest.ts';
import { AttentionTooLargeError } from './errors.ts';

export const WEBGPU_MAX_BUFFER_BYTES = 2 ** 31;

export interface AttentionLimitInput {
  attention: BundleManifest['attention'];
  /** The provider the transformer session runs on. */
  provider: ExecutionProviderName | undefined;
  numHeads: number;
  /** Joint sequence length: T5 tokens + noisy tokens + context tokens. */
  sequenceLength: number;
  maxBatch: number;
}

/** The largest transformer batch to use; throws AttentionTooLargeError when not even 1 fits. */
export function attentionBatchLimit(input: AttentionLimitInput): number {
  if (input.attention !== 'decomposed' || input.provider !== 'webgpu') return input.maxBatch;
  const perImage = input.numHeads * input.sequenceLength * input.sequenceLength * 4;
  if (perImage > WEBGPU_MAX_BUFFER_BYTES) throw new AttentionTooLargeError(perImage, input.sequenceLength);
  return Math.min(input.maxBatch, Math.floor(WEBGPU_MAX_BUFFER_BYTES / perImage));
}

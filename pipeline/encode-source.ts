/**
 * Step "encode-image": the prepared source through the VAE encoder (the latent distribution's mean, as
 * diffusers' `retrieve_latents(..., sample_mode="argmax")`), scaled `(z - shift) * scale` and packed 2x2
 * into the context tokens the transformer attends to.
 */
import type { ModelBundle } from '../models/load-bundle.ts';
import type { PreparedSource } from './image/preprocess.ts';
import { floatOutput } from '../models/host-tensor.ts';
import { packLatents, scaleLatents, type LatentShape } from './sampler/latent-packing.ts';

export interface SourceEncoding {
  /** Packed, scaled source latents: [1, M, C*4]. */
  contextTokens: Float32Array;
  /** The source latent grid (M = height/2 * width/2). */
  latent: LatentShape;
  /** Working size in pixels (what the VAE saw). */
  width: number;
  height: number;
  /** The source's displayed size, before resizing (the single edit is resized back to it). */
  sourceWidth: number;
  sourceHeight: number;
}

type SourceBundle = Pick<ModelBundle, 'sessions' | 'manifest'>;

export async function encodeSource(bundle: SourceBundle, source: PreparedSource): Promise<SourceEncoding> {
  const { vae } = bundle.manifest;
  const out = await bundle.sessions.vaeEncoder.run({
    sample: { data: source.pixels, dims: [1, 3, source.height, source.width] },
  });
  const mean = floatOutput(out, 'latent_mean', 'vaeEncoder');
  const [, channels, height, width] = mean.dims;
  if (channels !== vae.latentChannels || height === undefined || width === undefined)
    throw new TypeError(`vaeEncoder returned latents of shape [${mean.dims.join(', ')}]`);
  const latent = { channels, height, width };
  return {
    contextTokens: packLatents(scaleLatents(mean.data, vae.scalingFactor, vae.shiftFactor), 1, latent),
    latent,
    width: source.width,
    height: source.height,
    sourceWidth: source.sourceWidth,
    sourceHeight: source.sourceHeight,
  };
}

export function sourceEncodingBytes(encoding: SourceEncoding): number {
  return encoding.contextTokens.byteLength + 64;
}

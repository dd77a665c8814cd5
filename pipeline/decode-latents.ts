/**
 * Step "decode": packed latents back to pixels, as diffusers does after the loop: unpack to
 * [B, C, h, w], undo the VAE scaling (`z / scale + shift`), and run the VAE decoder.
 */
import type { ModelBundle } from '../models/load-bundle.ts';
import { floatOutput, type FloatTensor } from '../models/host-tensor.ts';
import { unpackLatents, unscaleLatents, type LatentShape } from './sampler/latent-packing.ts';

/** Decodes one image's packed latents ([N, F]) to [1, 3, H, W] in about [-1, 1]. */
export async function decodeLatents(
  bundle: Pick<ModelBundle, 'sessions' | 'manifest'>,
  packed: Float32Array,
  latent: LatentShape,
): Promise<FloatTensor> {
  const { vae } = bundle.manifest;
  const unscaled = unscaleLatents(unpackLatents(packed, 1, latent), vae.scalingFactor, vae.shiftFactor);
  const out = await bundle.sessions.vaeDecoder.run({
    latent: { data: unscaled, dims: [1, latent.channels, latent.height, latent.width] },
  });
  return floatOutput(out, 'sample', 'vaeDecoder');
}

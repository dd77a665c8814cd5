/**
 * FLUX's latent layout, after diffusers' `_pack_latents`, `_unpack_latents` and
 * `_prepare_latent_image_ids`: a [B, C, H, W] latent becomes [B, (H/2)*(W/2), C*4] tokens, one per
 * 2x2 patch, token index `i * (W/2) + j` and feature index `c * 4 + dy * 2 + dx`.
 */

/** Latent grid of one image: channels and spatial size (H and W are even). */
export interface LatentShape {
  channels: number;
  height: number;
  width: number;
}

/** Number of packed tokens for a latent grid. */
export function packedTokenCount(shape: Pick<LatentShape, 'height' | 'width'>): number {
  return (shape.height / 2) * (shape.width / 2);
}

function checkEven(shape: LatentShape): void {
  if (shape.height % 2 !== 0 || shape.width % 2 !== 0)
    throw new RangeError(`latent sides must be even for 2x2 packing, got ${shape.height}x${shape.width}`);
}

/** `_pack_latents`: [batch, C, H, W] -> [batch, (H/2)*(W/2), C*4]. */
export function packLatents(latents: Float32Array, batch: number, shape: LatentShape): Float32Array {
  checkEven(shape);
  const { channels: c, height: h, width: w } = shape;
  if (latents.length !== batch * c * h * w)
    throw new RangeError(`expected ${batch}x${c}x${h}x${w} latent values, got ${latents.length}`);
  const out = new Float32Array(latents.length);
  const hh = h / 2;
  const hw = w / 2;
  let o = 0;
  for (let b = 0; b < batch; b++)
    for (let i = 0; i < hh; i++)
      for (let j = 0; j < hw; j++)
        for (let ch = 0; ch < c; ch++)
          for (let dy = 0; dy < 2; dy++)
            for (let dx = 0; dx < 2; dx++)
              out[o++] = latents[((b * c + ch) * h + 2 * i + dy) * w + 2 * j + dx]!;
  return out;
}

/** `_unpack_latents`: [batch, (H/2)*(W/2), C*4] -> [batch, C, H, W]; the inverse of `packLatents`. */
export function unpackLatents(tokens: Float32Array, batch: number, shape: LatentShape): Float32Array {
  checkEven(shape);
  const { channels: c, height: h, width: w } = shape;
  if (tokens.length !== batch * c * h * w)
    throw new RangeError(
      `expected ${batch}x${packedTokenCount(shape)}x${c * 4} token values, got ${tokens.length}`,
    );
  const out = new Float32Array(tokens.length);
  const hh = h / 2;
  const hw = w / 2;
  let t = 0;
  for (let b = 0; b < batch; b++)
    for (let i = 0; i < hh; i++)
      for (let j = 0; j < hw; j++)
        for (let ch = 0; ch < c; ch++)
          for (let dy = 0; dy < 2; dy++)
            for (let dx = 0; dx < 2; dx++)
              out[((b * c + ch) * h + 2 * i + dy) * w + 2 * j + dx] = tokens[t++]!;
  return out;
}

/**
 * `_prepare_latent_image_ids` for a packed grid of `rows x cols` tokens: [rows*cols, 3] with
 * `[first, i, j]`. `first` is 0 for the noisy tokens and 1 for the context (source image) tokens,
 * which is how Kontext tells the two images apart in RoPE.
 */
export function latentImageIds(rows: number, cols: number, first: 0 | 1): Float32Array {
  const ids = new Float32Array(rows * cols * 3);
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < cols; j++) {
      const k = (i * cols + j) * 3;
      ids[k] = first;
      ids[k + 1] = i;
      ids[k + 2] = j;
    }
  return ids;
}

/** The transformer's `img_ids`: noisy-token ids (first coordinate 0) followed by context ids (1). */
export function transformerImageIds(noisy: LatentShape, context: LatentShape): Float32Array {
  const a = latentImageIds(noisy.height / 2, noisy.width / 2, 0);
  const b = latentImageIds(context.height / 2, context.width / 2, 1);
  const ids = new Float32Array(a.length + b.length);
  ids.set(a);
  ids.set(b, a.length);
  return ids;
}

/** VAE scaling: encoder means -> model latents, `(z - shift) * scale` (float32 like diffusers). */
export function scaleLatents(z: Float32Array, scalingFactor: number, shiftFactor: number): Float32Array {
  const scale = Math.fround(scalingFactor);
  const shift = Math.fround(shiftFactor);
  const out = new Float32Array(z.length);
  // A plain loop, not Float32Array.from(z, fn): the callback form costs ~100 ms on a 1024^2 latent. Storing into
  // a Float32Array rounds to float32, so this is float32 arithmetic step by step, as in diffusers.
  for (let i = 0; i < z.length; i++) out[i] = Math.fround(z[i]! - shift) * scale;
  return out;
}

/** The inverse, before decoding: `z / scale + shift`. */
export function unscaleLatents(z: Float32Array, scalingFactor: number, shiftFactor: number): Float32Array {
  const scale = Math.fround(scalingFactor);
  const shift = Math.fround(shiftFactor);
  const out = new Float32Array(z.length);
  for (let i = 0; i < z.length; i++) out[i] = Math.fround(z[i]! / scale) + shift;
  return out;
}

/**
 * The slider projector: strength s (with CLIP pooled) -> the modulation deltas [delta_scale, delta_shift]
 * added to every double-stream block's text-stream modulation. It runs for every strength, 0 included:
 * s = 0 is not "no edit" but the projector's output at pe = [sin 0, cos 0] = [0, 1].
 */
import type { ModelBundle } from '../models/load-bundle.ts';
import { floatOutput, type FloatTensor } from '../models/host-tensor.ts';
import { repeatBatch } from './sampler/denoise.ts';

/** [strengths.length, 2 * innerDim] modulation rows, in the order of `strengths`. */
export async function projectStrengths(
  bundle: Pick<ModelBundle, 'sessions'>,
  strengths: readonly number[],
  pooled: FloatTensor,
): Promise<FloatTensor> {
  const batch = strengths.length;
  const out = await bundle.sessions.sliderProjector.run({
    strength: { data: Float32Array.from(strengths), dims: [batch] },
    pooled: repeatBatch(pooled, batch),
  });
  return floatOutput(out, 'modulation', 'sliderProjector');
}

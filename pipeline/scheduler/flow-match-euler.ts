/**
 * FlowMatchEulerDiscreteScheduler (diffusers) as pure functions, for the way FluxKontextPipeline uses it:
 * sigmas = linspace(1, 1/N, N), shifted by `mu` (which grows with the image's token count), a
 * terminal 0 appended, and the Euler update `x += (sigma_next - sigma) * v`.
 *
 * diffusers computes the schedule in float32 (numpy 2 keeps Python scalars "weak", so
 * `math.exp(mu) / (math.exp(mu) + (1 / t - 1))` runs in float32); we round at the same places with
 * `Math.fround` so the sigmas match bit for bit in the common case.
 */

/** The scheduler's config, as stored in a bundle's `model.json` (`scheduler`). */
export interface FlowMatchSchedulerConfig {
  numTrainTimesteps: number;
  /** Static shift, used only when `useDynamicShifting` is false. */
  shift: number;
  useDynamicShifting: boolean;
  baseImageSeqLen: number;
  maxImageSeqLen: number;
  baseShift: number;
  maxShift: number;
}

/** FLUX.1's published scheduler config (scheduler/scheduler_config.json). */
export const FLUX_SCHEDULER_CONFIG: Readonly<FlowMatchSchedulerConfig> = Object.freeze({
  numTrainTimesteps: 1000,
  shift: 3.0,
  useDynamicShifting: true,
  baseImageSeqLen: 256,
  maxImageSeqLen: 4096,
  baseShift: 0.5,
  maxShift: 1.15,
});

/**
 * `calculate_shift`: mu grows linearly with the number of noisy image tokens, from `baseShift` at
 * `baseImageSeqLen` to `maxShift` at `maxImageSeqLen` (and keeps going outside that range).
 */
export function calculateShift(
  imageSeqLen: number,
  config: Pick<FlowMatchSchedulerConfig, 'baseImageSeqLen' | 'maxImageSeqLen' | 'baseShift' | 'maxShift'>,
): number {
  const m = (config.maxShift - config.baseShift) / (config.maxImageSeqLen - config.baseImageSeqLen);
  const b = config.baseShift - m * config.baseImageSeqLen;
  return imageSeqLen * m + b;
}

/**
 * The exponential time shift `exp(mu) / (exp(mu) + (1/t - 1)^sigma)` with diffusers' float32 rounding.
 * `t` must be in (0, 1].
 */
export function timeShift(mu: number, sigma: number, t: number): number {
  const f = Math.fround;
  const expMu = f(Math.exp(mu));
  const base = f(f(1 / f(t)) - 1);
  const powered = sigma === 1 ? base : f(base ** sigma);
  return f(expMu / f(expMu + powered));
}

/** numpy's `linspace(start, stop, num)` (endpoint included): `i * step + start`, last value exactly `stop`. */
export function linspace(start: number, stop: number, num: number): number[] {
  if (num === 1) return [start];
  const step = (stop - start) / (num - 1);
  return Array.from({ length: num }, (_, i) => (i === num - 1 ? stop : i * step + start));
}

/**
 * The sigma schedule for `steps` denoising steps over `imageSeqLen` noisy tokens: `steps + 1` float32
 * values from ~1 down to the appended terminal 0. The transformer's `timestep` input at step `i` is
 * `sigmas[i]`; the Euler step goes from `sigmas[i]` to `sigmas[i + 1]`.
 */
export function makeSigmas(
  steps: number,
  imageSeqLen: number,
  config: FlowMatchSchedulerConfig,
): Float32Array {
  if (!Number.isInteger(steps) || steps < 1)
    throw new RangeError(`steps must be an integer >= 1, got ${steps}`);
  if (!Number.isInteger(imageSeqLen) || imageSeqLen < 1)
    throw new RangeError(`imageSeqLen must be an integer >= 1, got ${imageSeqLen}`);
  const base = linspace(1, 1 / steps, steps).map((s) => Math.fround(s));
  let shifted: number[];
  if (config.useDynamicShifting) {
    const mu = calculateShift(imageSeqLen, config);
    shifted = base.map((t) => timeShift(mu, 1, t));
  } else {
    const f = Math.fround;
    const shift = config.shift;
    shifted = base.map((s) => f(f(shift * s) / f(1 + f((shift - 1) * s))));
  }
  const sigmas = new Float32Array(steps + 1);
  sigmas.set(shifted);
  sigmas[steps] = 0;
  return sigmas;
}

/** The timesteps diffusers reports (`sigmas * numTrainTimesteps`, float32), without the terminal one. */
export function sigmasToTimesteps(
  sigmas: Float32Array,
  config: Pick<FlowMatchSchedulerConfig, 'numTrainTimesteps'>,
) {
  return Float32Array.from(sigmas.subarray(0, sigmas.length - 1), (s) => s * config.numTrainTimesteps);
}

/**
 * One Euler step in place: `sample += (sigmaNext - sigma) * velocity`, rounded like torch's float32
 * `sample + dt * model_output` (the product is rounded before the sum). Returns `sample`.
 */
export function eulerStep(
  sample: Float32Array,
  velocity: Float32Array,
  sigma: number,
  sigmaNext: number,
): Float32Array {
  if (sample.length !== velocity.length)
    throw new RangeError(`sample has ${sample.length} values but velocity has ${velocity.length}`);
  const dt = Math.fround(Math.fround(sigmaNext) - Math.fround(sigma));
  for (let i = 0; i < sample.length; i++) sample[i] = sample[i]! + Math.fround(dt * velocity[i]!);
  return sample;
}

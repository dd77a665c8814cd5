/**
 * A seeded standard-normal generator that gives the same numbers on every platform Node runs on.
 *
 * - Seeding: the seed (an integer in [0, 2^53)) is split into its low and high 32-bit halves; splitmix32
 *   started at `low ^ 0x9e3779b9` yields xoshiro128**'s 4 state words, and `high` is XORed into the third.
 * - Uniforms: xoshiro128** (Blackman & Vigna) with 32-bit integer math (`Math.imul`, `>>>`), two outputs
 *   per double: `((a >>> 5) * 2^26 + (b >>> 6) + 0.5) / 2^53`, in (0, 1), never 0.
 * - Normals: Box-Muller, `sqrt(-2 ln u1) * cos(2 pi u2)` then `... * sin(2 pi u2)`, in that order.
 *   V8 computes `Math.log/cos/sin` with its bundled fdlibm port rather than the C library, so results
 *   do not depend on the OS or CPU; values are stored as float32.
 *
 * This is not torch's generator: the same seed gives different noise than diffusers. Tests that compare
 * with PyTorch inject the reference noise instead.
 */

function splitmix32(state: number): () => number {
  let s = state >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

const rotl = (x: number, k: number) => ((x << k) | (x >>> (32 - k))) >>> 0;

/** xoshiro128**: returns a function producing uint32 values. `state` must not be all zero. */
export function xoshiro128ss(state: [number, number, number, number]): () => number {
  let [s0, s1, s2, s3] = state.map((v) => v >>> 0) as [number, number, number, number];
  if ((s0 | s1 | s2 | s3) === 0) throw new RangeError('xoshiro128** state must not be all zero');
  return () => {
    const result = Math.imul(rotl(Math.imul(s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (s1 << 9) >>> 0;
    s2 = (s2 ^ s0) >>> 0;
    s3 = (s3 ^ s1) >>> 0;
    s1 = (s1 ^ s2) >>> 0;
    s0 = (s0 ^ s3) >>> 0;
    s2 = (s2 ^ t) >>> 0;
    s3 = rotl(s3, 11);
    return result;
  };
}

/** The 4-word xoshiro state for a seed, as documented above. */
export function seedState(seed: number): [number, number, number, number] {
  if (!Number.isSafeInteger(seed) || seed < 0)
    throw new RangeError(`seed must be an integer in [0, 2^53), got ${seed}`);
  const low = seed >>> 0;
  const high = Math.floor(seed / 2 ** 32) >>> 0;
  const mix = splitmix32((low ^ 0x9e3779b9) >>> 0);
  const state: [number, number, number, number] = [mix(), mix(), (mix() ^ high) >>> 0, mix()];
  // splitmix32 never yields four zeros in a row from one stream, but keep xoshiro's precondition explicit.
  if ((state[0] | state[1] | state[2] | state[3]) === 0) state[0] = 1;
  return state;
}

/** A uniform double generator in (0, 1) for `seed`. */
export function seededUniform(seed: number): () => number {
  const next = xoshiro128ss(seedState(seed));
  return () => ((next() >>> 5) * 2 ** 26 + (next() >>> 6) + 0.5) / 2 ** 53;
}

/** `count` standard-normal float32 values for `seed` (the same prefix for any count). */
export function seededNormal(seed: number, count: number): Float32Array {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`count must be a non-negative integer`);
  const uniform = seededUniform(seed);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i += 2) {
    const radius = Math.sqrt(-2 * Math.log(uniform()));
    const angle = 2 * Math.PI * uniform();
    out[i] = radius * Math.cos(angle);
    if (i + 1 < count) out[i + 1] = radius * Math.sin(angle);
  }
  return out;
}

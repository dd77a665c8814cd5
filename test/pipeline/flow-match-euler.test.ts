import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  FLUX_SCHEDULER_CONFIG,
  calculateShift,
  eulerStep,
  linspace,
  makeSigmas,
  sigmasToTimesteps,
  timeShift,
} from '../../pipeline/scheduler/flow-match-euler.ts';

// Expected values come from diffusers' formulas evaluated by hand (and in plain Python with float32
// rounding via struct): calculate_shift, _time_shift_exponential, np.linspace(1, 1/N, N).

test('calculateShift is linear between (256, 0.5) and (4096, 1.15)', () => {
  assert.equal(calculateShift(256, FLUX_SCHEDULER_CONFIG), 0.5);
  assert.ok(Math.abs(calculateShift(4096, FLUX_SCHEDULER_CONFIG) - 1.15) < 1e-12);
  // 16 tokens: 0.5 - 240 * 0.65 / 3840
  assert.ok(Math.abs(calculateShift(16, FLUX_SCHEDULER_CONFIG) - 0.459375) < 1e-12);
  assert.ok(Math.abs(calculateShift(1024, FLUX_SCHEDULER_CONFIG) - 0.63) < 1e-12);
});

test('timeShift: exp(mu) / (exp(mu) + 1/t - 1)', () => {
  assert.equal(timeShift(0.7, 1, 1), 1);
  const expected = Math.exp(0.459375) / (Math.exp(0.459375) + 1 / 3);
  assert.ok(Math.abs(timeShift(0.459375, 1, 0.75) - expected) < 1e-7);
});

test('linspace matches numpy (endpoint exact, i * step + start)', () => {
  assert.deepEqual(linspace(1, 0.25, 4), [1, 0.75, 0.5, 0.25]);
  assert.deepEqual(linspace(1, 1, 1), [1]);
});

test('makeSigmas: 4 steps over 16 tokens', () => {
  const sigmas = makeSigmas(4, 16, FLUX_SCHEDULER_CONFIG);
  assert.deepEqual([...sigmas], [1, 0.8260643482208252, 0.6128659248352051, 0.3454189896583557, 0]);
});

test('makeSigmas: 28 steps at 1024x1024 (4096 tokens, mu = 1.15)', () => {
  const sigmas = makeSigmas(28, 4096, FLUX_SCHEDULER_CONFIG);
  assert.equal(sigmas.length, 29);
  assert.deepEqual(
    [...sigmas.subarray(0, 4)],
    [1, 0.988408625125885, 0.9762224555015564, 0.9633944034576416],
  );
  assert.equal(sigmas[27], 0.10472089797258377);
  assert.equal(sigmas[28], 0);
  for (let i = 1; i < sigmas.length; i++) assert.ok(sigmas[i]! < sigmas[i - 1]!, 'strictly decreasing');
});

test('makeSigmas without dynamic shifting uses the static shift', () => {
  const config = { ...FLUX_SCHEDULER_CONFIG, useDynamicShifting: false, shift: 3 };
  const sigmas = makeSigmas(2, 4096, config);
  // linspace(1, 0.5, 2) -> 3s / (1 + 2s): 1 and 1.5 / 2 = 0.75
  assert.deepEqual([...sigmas], [1, 0.75, 0]);
});

test('makeSigmas rejects bad step counts', () => {
  assert.throws(() => makeSigmas(0, 16, FLUX_SCHEDULER_CONFIG), RangeError);
  assert.throws(() => makeSigmas(2.5, 16, FLUX_SCHEDULER_CONFIG), RangeError);
});

test('sigmasToTimesteps multiplies by numTrainTimesteps and drops the terminal sigma', () => {
  const timesteps = sigmasToTimesteps(Float32Array.from([1, 0.5, 0]), FLUX_SCHEDULER_CONFIG);
  assert.deepEqual([...timesteps], [1000, 500]);
});

test('eulerStep: sample + (sigmaNext - sigma) * velocity, in place', () => {
  const sample = Float32Array.from([1, 2, 3]);
  const velocity = Float32Array.from([2, -4, 0.5]);
  const out = eulerStep(sample, velocity, 1, 0.75);
  assert.equal(out, sample);
  assert.deepEqual([...sample], [0.5, 3, 2.875]);
  assert.throws(() => eulerStep(sample, new Float32Array(2), 1, 0.5), RangeError);
});

test('a full Euler run with the exact velocity (x1 - x0) lands on x0', () => {
  // Flow matching: x_sigma = sigma * noise + (1 - sigma) * x0, velocity = noise - x0.
  const x0 = Float32Array.from([0.25, -0.5, 0.75]);
  const noise = Float32Array.from([1, 1, -1]);
  const velocity = Float32Array.from(noise, (n, i) => n - x0[i]!);
  const sigmas = makeSigmas(8, 64, FLUX_SCHEDULER_CONFIG);
  const x = Float32Array.from(noise);
  for (let i = 0; i < 8; i++) eulerStep(x, velocity, sigmas[i]!, sigmas[i + 1]!);
  x.forEach((v, i) => assert.ok(Math.abs(v - x0[i]!) < 1e-6));
});

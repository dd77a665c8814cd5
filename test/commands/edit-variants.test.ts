import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  EDIT_ACTIONS,
  applyEditAction,
  asSweep,
  canApplyAction,
  canStrengthen,
  canWeaken,
  randomSeed,
  stronger,
  weaker,
  withNewSeed,
  withStrength,
} from '../../commands/edit-variants.ts';
import type { EditRequest } from '../../commands/edit-request.ts';
import { MAX_SEED, STRENGTH_STEP } from '../../commands/limits.ts';
import { assertCommandError } from './helpers.ts';

const at = (value: number): EditRequest => ({
  instruction: 'make it snowy',
  strength: { kind: 'single', value },
  seed: 5,
  steps: 20,
});
const sweepOf = (frames: number): EditRequest => ({ instruction: 'x', strength: { kind: 'sweep', frames } });

test('weaker and stronger move a single edit by STRENGTH_STEP, clamped to [0, 1]', () => {
  assert.equal(STRENGTH_STEP, 0.25);
  const cases: Array<[number, number, number]> = [
    // value, weaker, stronger
    [0.5, 0.25, 0.75],
    [1, 0.75, 1],
    [0, 0, 0.25],
    [0.3, 0.05, 0.55],
    [0.1, 0, 0.35],
    [0.9, 0.65, 1],
  ];
  for (const [value, weakerValue, strongerValue] of cases) {
    assert.deepEqual(weaker(at(value)), at(weakerValue), `weaker(${value})`);
    assert.deepEqual(stronger(at(value)), at(strongerValue), `stronger(${value})`);
  }
});

test('weaker and stronger keep everything else and do not mutate the input', () => {
  const request = at(0.5);
  const copy = structuredClone(request);
  const result = stronger(request);
  assert.deepEqual(request, copy);
  assert.equal(result.instruction, request.instruction);
  assert.equal(result.seed, 5);
  assert.equal(result.steps, 20);
});

test('weaker and stronger refuse a sweep', () => {
  assertCommandError(() => weaker(sweepOf(6)), 'not_single');
  assertCommandError(() => stronger(sweepOf(6)), 'not_single');
  assert.equal(canWeaken(sweepOf(6)), false);
  assert.equal(canStrengthen(sweepOf(6)), false);
});

test('canWeaken and canStrengthen say when the button would do nothing', () => {
  assert.equal(canWeaken(at(0)), false);
  assert.equal(canWeaken(at(0.01)), true);
  assert.equal(canStrengthen(at(1)), false);
  assert.equal(canStrengthen(at(0.99)), true);
});

test("asSweep turns a single edit into a sweep of the model's default frames and keeps a sweep as it is", () => {
  // No count: the queue fills in the model's defaults.sweepFrames, the one source of that number.
  assert.deepEqual(asSweep(at(0.4)), { ...at(0.4), strength: { kind: 'sweep' } });
  assert.deepEqual(asSweep(sweepOf(9)), sweepOf(9));
});

test('withStrength picks an exact strength and validates it', () => {
  assert.deepEqual(withStrength(sweepOf(7), 1 / 6), {
    instruction: 'x',
    strength: { kind: 'single', value: 1 / 6 },
  });
  assertCommandError(() => withStrength(at(0.5), 1.2), 'invalid_strength');
});

test('withNewSeed replaces the seed and validates it', () => {
  assert.deepEqual(withNewSeed(at(0.5), 99), { ...at(0.5), seed: 99 });
  assert.deepEqual(withNewSeed({ instruction: 'x', strength: { kind: 'single', value: 1 } }, 0).seed, 0);
  assertCommandError(() => withNewSeed(at(0.5), -1), 'invalid_seed');
  assertCommandError(() => withNewSeed(at(0.5), MAX_SEED + 1), 'invalid_seed');
});

test('randomSeed stays in range and varies', () => {
  const seeds = new Set(Array.from({ length: 50 }, () => randomSeed()));
  for (const seed of seeds) assert.ok(Number.isInteger(seed) && seed >= 0 && seed <= MAX_SEED);
  assert.ok(seeds.size > 40, 'fifty 32-bit draws are nearly all distinct');
});

test('applyEditAction maps every button to its helper', () => {
  assert.deepEqual(
    EDIT_ACTIONS.map((a) => a.action),
    ['weaker', 'stronger', 'sweep', 'new-seed'],
  );
  assert.deepEqual(applyEditAction('weaker', at(0.5)), weaker(at(0.5)));
  assert.deepEqual(applyEditAction('stronger', at(0.5)), stronger(at(0.5)));
  assert.deepEqual(applyEditAction('sweep', at(0.5)), asSweep(at(0.5)));
  assert.deepEqual(applyEditAction('new-seed', at(0.5), 1234), withNewSeed(at(0.5), 1234));
  const reseeded = applyEditAction('new-seed', at(0.5));
  assert.ok(reseeded.seed !== undefined && reseeded.seed >= 0 && reseeded.seed <= MAX_SEED);
});

test('canApplyAction: the buttons that would change something', () => {
  const offered = (r: EditRequest) => EDIT_ACTIONS.map((a) => a.action).filter((a) => canApplyAction(a, r));
  assert.deepEqual(offered(at(0.5)), ['weaker', 'stronger', 'sweep', 'new-seed']);
  assert.deepEqual(offered(at(0)), ['stronger', 'sweep', 'new-seed']);
  assert.deepEqual(offered(at(1)), ['weaker', 'sweep', 'new-seed']);
  assert.deepEqual(offered(sweepOf(6)), ['new-seed']);
});

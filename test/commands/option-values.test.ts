import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSeed, parseSteps, parseStrength, checkStrengthValue } from '../../commands/option-values.ts';
import { MAX_SEED } from '../../commands/limits.ts';
import { assertCommandError } from './helpers.ts';

test('parseStrength accepts every documented number form', () => {
  const cases: Array<[string, number]> = [
    ['0.3', 0.3],
    ['.3', 0.3],
    ['30%', 0.3],
    ['1', 1],
    ['0', 0],
    ['1.', 1],
    ['0.', 0],
    ['1.0', 1],
    ['0,5', 0.5],
    [',25', 0.25],
    ['100%', 1],
    ['0%', 0],
    ['12.5%', 0.125],
    ['007%', 0.07],
    ['  0.4  ', 0.4],
    ['1e-7', 1e-7],
    ['5E-1', 0.5],
    ['0.30000000000000004', 0.30000000000000004],
  ];
  for (const [text, value] of cases) {
    assert.deepEqual(parseStrength(text), { kind: 'single', value }, text);
  }
});

test('parseStrength never returns negative zero', () => {
  for (const text of ['0', '0.0', '0%', '0e5']) {
    const spec = parseStrength(text);
    assert.ok(spec.kind === 'single' && Object.is(spec.value, 0), text);
  }
});

test('parseStrength accepts sweep with the default or a bounded frame count', () => {
  // No count: the model's defaults.sweepFrames applies (filled in by the queue or the CLI).
  assert.deepEqual(parseStrength('sweep'), { kind: 'sweep' });
  assert.deepEqual(parseStrength('SWEEP'), { kind: 'sweep' });
  assert.deepEqual(parseStrength('Sweep:3'), { kind: 'sweep', frames: 3 });
  assert.deepEqual(parseStrength('sweep:16'), { kind: 'sweep', frames: 16 });
  assert.deepEqual(parseStrength('sweep:08'), { kind: 'sweep', frames: 8 });
});

test('parseStrength rejects out-of-range and malformed values', () => {
  for (const text of [
    '1.5',
    '-0.1',
    '-0',
    '+0.3',
    '101%',
    '2',
    '0x1',
    'Infinity',
    'NaN',
    '',
    ' ',
    'half',
    '0.3.4',
    '0..3',
    '%',
    '30 %',
    '1e1',
    '0.5%%',
    'sweeps',
    '0.' + '0'.repeat(40) + '1',
  ]) {
    assertCommandError(() => parseStrength(text), 'invalid_strength', JSON.stringify(text));
  }
});

test('parseStrength rejects sweep frame counts outside 3..16', () => {
  for (const text of [
    'sweep:2',
    'sweep:17',
    'sweep:0',
    'sweep:',
    'sweep:-4',
    'sweep:4.5',
    'sweep:six',
    'sweep:1e1',
  ]) {
    assertCommandError(() => parseStrength(text), 'invalid_sweep', text);
  }
});

test('the strength error says the range and a fix', () => {
  const error = assertCommandError(() => parseStrength('1.5'), 'invalid_strength');
  assert.match(error.userMessage, /between 0 and 1, or 'sweep'/);
  assert.match(error.userMessage, /1\.5/);
  assert.match(error.hint ?? '', /strength:0\.4/);
  assert.equal(error.option, 'strength');
});

test('error messages do not echo values that could render or ping', () => {
  const error = assertCommandError(() => parseStrength('<@everyone>'), 'invalid_strength');
  assert.doesNotMatch(error.userMessage, /everyone/);
  assert.equal(error.value, '<@everyone>', 'the raw value is still kept for logs');
});

test('checkStrengthValue validates numbers from structured options', () => {
  assert.deepEqual(checkStrengthValue(0.25), { kind: 'single', value: 0.25 });
  assert.ok(Object.is((checkStrengthValue(-0) as { value: number }).value, 0));
  for (const value of [-0.01, 1.01, NaN, Infinity, -Infinity]) {
    assertCommandError(() => checkStrengthValue(value), 'invalid_strength', String(value));
  }
});

test('parseSeed accepts 0..2^32-1 written in digits', () => {
  assert.equal(parseSeed('0'), 0);
  assert.equal(parseSeed('42'), 42);
  assert.equal(parseSeed('007'), 7);
  assert.equal(parseSeed(String(MAX_SEED)), 4294967295);
  assert.equal(parseSeed(123), 123);
  for (const value of [
    '-1',
    '4294967296',
    '1.5',
    '1e3',
    '0x10',
    '+5',
    '',
    'abc',
    '9'.repeat(400),
    -1,
    1.5,
    2 ** 32,
    NaN,
  ]) {
    assertCommandError(() => parseSeed(value), 'invalid_seed', String(value));
  }
});

test('parseSteps accepts 1..50', () => {
  assert.equal(parseSteps('1'), 1);
  assert.equal(parseSteps('50'), 50);
  assert.equal(parseSteps(28), 28);
  for (const value of ['0', '51', '-3', '2.5', 'many', '', 0, 51, 3.5]) {
    assertCommandError(() => parseSteps(value), 'invalid_steps', String(value));
  }
});

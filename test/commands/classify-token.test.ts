import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyToken, closestOption, editDistance } from '../../commands/classify-token.ts';

test('editDistance counts inserts, deletes, replacements and adjacent swaps', () => {
  const cases: Array<[string, string, number]> = [
    ['', '', 0],
    ['seed', 'seed', 0],
    ['', 'seed', 4],
    ['sed', 'seed', 1],
    ['seeds', 'seed', 1],
    ['sead', 'seed', 1],
    ['esed', 'seed', 1],
    ['strenght', 'strength', 1],
    ['stregnth', 'strength', 1],
    ['strnegth', 'strength', 1],
    ['srtnegth', 'strength', 2],
    ['kitten', 'sitting', 3],
  ];
  for (const [a, b, distance] of cases) {
    assert.equal(editDistance(a, b), distance, `${a} -> ${b}`);
    assert.equal(editDistance(b, a), distance, `${b} -> ${a}`);
  }
});

test('closestOption allows 2 edits for strength and 1 for seed and steps', () => {
  assert.equal(closestOption('strenght'), 'strength');
  assert.equal(closestOption('strngth'), 'strength');
  assert.equal(closestOption('strenghten'), undefined);
  assert.equal(closestOption('sed'), 'seed');
  assert.equal(closestOption('need'), 'seed');
  assert.equal(closestOption('set'), undefined);
  assert.equal(closestOption('step'), 'steps');
  assert.equal(closestOption('stop'), undefined);
  assert.equal(closestOption('strength'), undefined, 'an exact name is not a near miss');
});

test('classifyToken implements the colon rule', () => {
  assert.deepEqual(classifyToken('strength:0.3'), { kind: 'option', name: 'strength', value: '0.3' });
  assert.deepEqual(classifyToken('SEED=12'), { kind: 'option', name: 'seed', value: '12' });
  assert.deepEqual(classifyToken('steps:x:y'), { kind: 'option', name: 'steps', value: 'x:y' });
  assert.deepEqual(classifyToken('strength=sweep:4'), { kind: 'option', name: 'strength', value: 'sweep:4' });
  assert.deepEqual(classifyToken('strength:'), { kind: 'missing-value', name: 'strength' });
  assert.equal(classifyToken('strenght:0.3').kind, 'unknown');
  assert.equal(classifyToken('strenght:sweep').kind, 'unknown');
  assert.equal(classifyToken('sweep:8').kind, 'unknown');
  for (const text of [
    'plain',
    '16:9',
    '10:30',
    ':smile:',
    'https://x',
    'note:blue',
    'strenght:high',
    'strenght:',
    'sweep:left',
    'need:more',
    'seed-:1',
    '_seed:1',
    'séed:1',
    's3ed:1',
    'seed',
    '=seed',
    'averyveryverylongkey:1',
  ]) {
    assert.deepEqual(classifyToken(text), { kind: 'text' }, text);
  }
});

test('a near-miss hint never echoes an unsafe value', () => {
  const classified = classifyToken('strenght:0<@everyone>');
  assert.equal(classified.kind, 'unknown');
  assert.ok(classified.kind === 'unknown' && !classified.hint.includes('everyone'));
});

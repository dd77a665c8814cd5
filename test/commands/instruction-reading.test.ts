import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  instructionWords,
  readInstruction,
  type ReadingCapabilities,
} from '../../commands/instruction-reading.ts';
import { closedCapabilities } from './reading-fixture.ts';

const closed = closedCapabilities();
const verdict = (text: string, capabilities: ReadingCapabilities = closed, unknown: string[] = []) =>
  readInstruction(text, capabilities, unknown).verdict;

test('the issue-14 instructions get the verdicts the pipeline acts on', () => {
  assert.deepEqual(verdict('make it look like winter', closed, ['winter']), { kind: 'no-edit' });
  assert.deepEqual(verdict('rainy day', closed, ['rainy']), { kind: 'no-edit' }, '"day" is not a cue');
  // No cue but every word known to the model (generic words of training phrasings): the model reads it.
  assert.deepEqual(verdict('tone down the colour'), { kind: 'ok' });
  assert.deepEqual(verdict('it is too bright, darken it'), { kind: 'ok' }, 'brighter / darker: one axis');
  assert.deepEqual(verdict('make it darker and warmer'), {
    kind: 'two-edits',
    applied: 'make it darker',
    leftOut: ['warmer'],
  });
  assert.deepEqual(verdict('make it black and white'), { kind: 'ok' }, 'both halves are grayscale cues');
  assert.deepEqual(verdict('make it black and white and blurry'), {
    kind: 'two-edits',
    applied: 'make it black and white',
    leftOut: ['blurry'],
  });
});

test('clauses carry the edits their words cue; clauses without a cue are dropped', () => {
  const reading = readInstruction('please, make it darker and warmer', closed, ['zorblax']);
  assert.deepEqual(reading.clauses, [
    { text: 'make it darker', edits: ['darker'] },
    { text: 'warmer', edits: ['warmer'] },
  ]);
  assert.deepEqual(reading.unknownWords, ['zorblax'], 'the caller-given unknown words are passed through');
  // A word may cue several edits: the clause lists them in the capabilities' order.
  assert.deepEqual(readInstruction('make it dark', closed).clauses, [
    { text: 'make it dark', edits: ['darker', 'night'] },
  ]);
});

test('every conjunction and clause mark splits; the texts stay as the user wrote them', () => {
  const split = (text: string) => readInstruction(text, closed).clauses.map((c) => c.text);
  assert.deepEqual(split('Make it DARKER, then Warmer'), ['Make it DARKER', 'Warmer']);
  assert.deepEqual(split('darker;warmer&blurry+foggy'), ['darker', 'warmer', 'blurry', 'foggy']);
  assert.deepEqual(split('darker plus warmer also blurry'), ['darker', 'warmer', 'blurry']);
  assert.deepEqual(split('make it darker as well as warmer'), ['make it darker', 'warmer']);
  // "as" alone is no conjunction.
  assert.deepEqual(split('make it as dark as night'), ['make it as dark as night']);
  // A clause keeps its inner punctuation (the apostrophe) but not what surrounds it.
  assert.deepEqual(split("it's too dark!!"), ["it's too dark"]);
});

test('the applied text runs over the clauses of the first edit; each other edit is left out', () => {
  assert.deepEqual(verdict('it is too bright, darken it and make it warmer, then blur it'), {
    kind: 'two-edits',
    applied: 'it is too bright, darken it',
    leftOut: ['make it warmer', 'blur it'],
  });
  // A later clause on the first edit's axis is part of the edit the model makes, not left out.
  assert.deepEqual(verdict('darker and warmer and dim it'), {
    kind: 'two-edits',
    applied: 'darker',
    leftOut: ['warmer'],
  });
  // Axes come from `opposite` on either side of the pair.
  assert.deepEqual(verdict('less saturated and more grayscale'), { kind: 'ok' });
  assert.deepEqual(verdict('too flat, add contrast'), { kind: 'ok' });
  // Clauses that share one cued edit are one edit ("dark" cues darker and night).
  assert.deepEqual(verdict('make it dark and blue like night'), { kind: 'ok' });
});

test('normalisation follows the tokenizer: NFKC, lower case, every non a-z run separates', () => {
  const { words } = instructionWords('Ｍake it ＤＡＲＫＥＲ—now! café');
  assert.deepEqual(
    words.map((w) => w.text),
    ['make', 'it', 'darker', 'now', 'caf'],
  );
  assert.deepEqual(verdict('ＤＡＲＫＥＲ ＆ ＷＡＲＭＥＲ'), {
    kind: 'two-edits',
    applied: 'DARKER',
    leftOut: ['WARMER'],
  });
  assert.deepEqual(
    verdict('darker2warmer'),
    {
      kind: 'ok',
    },
    'a digit separates words but is no conjunction: one clause',
  );
});

test('only bundles that ask for it are judged', () => {
  // FLUX-style capabilities: no flags, so always "ok", cues or not.
  const open = closedCapabilities(undefined, {});
  assert.deepEqual(verdict('make it look like winter', open, ['winter']), { kind: 'ok' });
  assert.deepEqual(verdict('make it darker and warmer', open), { kind: 'ok' });
  assert.deepEqual(readInstruction('make it look like winter', undefined).verdict, { kind: 'ok' });
  // Closed but several edits allowed: no-edit still refused, two edits fine.
  const closedOnly = closedCapabilities(undefined, { closed: true });
  assert.deepEqual(verdict('rainy day', closedOnly, ['rainy']), { kind: 'no-edit' });
  assert.deepEqual(verdict('make it darker and warmer', closedOnly), { kind: 'ok' });
  // One edit per instruction but open: an unknown edit is the model's to try.
  const oneEditOnly = closedCapabilities(undefined, { oneEditPerInstruction: true });
  assert.deepEqual(verdict('rainy day', oneEditOnly, ['rainy']), { kind: 'ok' });
  assert.equal(verdict('make it darker and warmer', oneEditOnly).kind, 'two-edits');
  // Flags without a single cue (a manifest from before cues): nothing to judge with, so nothing is refused.
  const noCues = { closed: true, oneEditPerInstruction: true, edits: [{ name: 'sepia' }] };
  assert.deepEqual(verdict('rainy day', noCues, ['rainy']), { kind: 'ok' });
});

test('an instruction with no words at all names no edit', () => {
  assert.deepEqual(verdict('!!! 42'), { kind: 'no-edit' });
  assert.deepEqual(readInstruction('', closed).clauses, []);
});

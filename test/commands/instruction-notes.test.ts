import { test } from 'node:test';
import assert from 'node:assert/strict';
import { instructionNote, unknownEditText } from '../../commands/instruction-notes.ts';
import { readInstruction } from '../../commands/instruction-reading.ts';
import { closedCapabilities } from './reading-fixture.ts';

const capabilities = closedCapabilities();
const note = (text: string, unknown: string[] = []) =>
  instructionNote('kk-tiny', readInstruction(text, capabilities, unknown), capabilities);

test('two edits: the note says which one was applied and how to add the other', () => {
  assert.equal(
    note('make it darker and warmer'),
    'Note: kk-tiny makes one edit per instruction: it applied "make it darker" and left out "warmer". ' +
      'To add it, edit this result again with "warmer".',
  );
  assert.match(
    note('make it darker, warmer and blurry'),
    /left out "warmer" and "blurry"\. To add them, edit this result again with each in turn\.$/,
  );
});

test('unknown words keep their note; with an edit left out both go in one note', () => {
  assert.equal(note('make it darker'), '');
  const unknownOnly = note('make it zorblax darker', ['zorblax']);
  assert.match(unknownOnly, /^Note: kk-tiny does not know this word: "zorblax", so it may misread/);
  assert.match(unknownOnly, /It knows instructions such as "make it grayscale"/);
  const both = note('make it zorblax darker and warmer', ['zorblax']);
  assert.equal(both.match(/Note:/g)?.length, 1, both);
  assert.match(both, /does not know this word: "zorblax", so it may misread the instruction\. It also makes/);
  assert.match(both, /applied "make it zorblax darker" and left out "warmer"/);
  assert.doesNotMatch(both, /It knows instructions such as/, 'no suggestions when known edits were used');
});

test('the refusal lists the edits, names the unknown words and suggests instructions', () => {
  const { userMessage, hint } = unknownEditText('kk-tiny', capabilities, ['winter']);
  assert.equal(
    userMessage,
    "kk-tiny can't do that: it only makes these 13 edits: grayscale, sepia, brighter, darker, contrast, " +
      'faded, warmer, cooler, vivid, blur, vignette, night, fog. It doesn\'t know "winter".',
  );
  assert.equal(hint, 'try an instruction such as "make it grayscale", "make it sepia", "make it brighter"');
  assert.match(
    unknownEditText('kk-tiny', capabilities, []).userMessage,
    /fog\. No word of the instruction names one of them\.$/,
  );
  const many = unknownEditText('m', capabilities, ['a', 'b', 'c', 'd', 'e', 'f', 'g']).userMessage;
  assert.match(many, /It doesn't know "a", "b", "c", "d" and "e" \(and 2 more words\)\.$/);
});

test('a long edit list is cut; one edit reads in the singular', () => {
  const edits = Array.from({ length: 30 }, (_, i) => ({ name: `e${i}`, examples: [`x${i}`] }));
  assert.match(unknownEditText('m', { edits }, []).userMessage, /e23 and 6 more\./);
  assert.match(
    unknownEditText('m', { edits: [{ name: 'sepia', examples: ['make it sepia'] }] }, ['x']).userMessage,
    /^m can't do that: it only makes this edit: sepia\./,
  );
});

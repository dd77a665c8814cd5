import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { Tokenizer } from '@huggingface/tokenizers';
import { FixedLengthTokenizer, loadTokenizer } from '../../models/tokenizer.ts';
import { unknownWordsNote } from '../../commands/index.ts';

const kkTiny = () =>
  loadTokenizer('models/kk-tiny/tokenizer/tokenizer.json', { maxLength: 16, padTokenId: 0 });

test('word-level vocabulary: words it lacks are reported once, without punctuation', async () => {
  const tokenizer = await kkTiny();
  assert.equal(tokenizer.unkToken, '<|unk|>');
  assert.deepEqual(tokenizer.unknownWords('make it sepia'), []);
  assert.deepEqual(tokenizer.unknownWords('Make the colours SHIMMERING, shimmering!'), [
    'SHIMMERING',
    'shimmering',
  ]);
  assert.deepEqual(tokenizer.unknownWords('make it zorblax zorblax'), ['zorblax']);
  assert.deepEqual(tokenizer.unknownWords('  ... !!! '), []);
});

test('a tokenizer without an unknown token reports nothing', async () => {
  const json: object = JSON.parse(await readFile('models/kk-tiny/tokenizer/tokenizer.json', 'utf8'));
  const tokenizer = new FixedLengthTokenizer(new Tokenizer(json, {}), { maxLength: 16, padTokenId: 0 });
  assert.equal(tokenizer.unkToken, undefined);
  assert.deepEqual(tokenizer.unknownWords('make it zorblax'), []);
});

test('the note names the words and suggests known instructions', () => {
  assert.equal(unknownWordsNote('m@1', []), '');
  const note = unknownWordsNote('m@1', ['zorblax', 'qux'], {
    edits: [
      { name: 'sepia', examples: ['make it sepia', 'sepia'] },
      { name: 'fog', examples: ['add fog'] },
    ],
  });
  assert.match(note, /m@1 does not know these words: "zorblax", "qux"/);
  assert.match(note, /"make it sepia", "add fog"/);
  assert.match(unknownWordsNote('m@1', ['x']), /does not know this word: "x", so it may misread/);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTokenizer } from '../../models/tokenizer.ts';

// A minimal tokenizer.json: whitespace words, a 4-word vocabulary, "<s> $A </s>" around every sequence
// (the shape of CLIP's template; T5 has only the trailing "</s>").
function tokenizerJson(single: unknown[]) {
  return {
    version: '1.0',
    added_tokens: [
      {
        id: 0,
        content: '<unk>',
        special: true,
        single_word: false,
        lstrip: false,
        rstrip: false,
        normalized: false,
      },
      {
        id: 1,
        content: '<s>',
        special: true,
        single_word: false,
        lstrip: false,
        rstrip: false,
        normalized: false,
      },
      {
        id: 2,
        content: '</s>',
        special: true,
        single_word: false,
        lstrip: false,
        rstrip: false,
        normalized: false,
      },
      {
        id: 3,
        content: '<pad>',
        special: true,
        single_word: false,
        lstrip: false,
        rstrip: false,
        normalized: false,
      },
    ],
    normalizer: null,
    pre_tokenizer: { type: 'WhitespaceSplit' },
    post_processor: {
      type: 'TemplateProcessing',
      single,
      pair: single,
      special_tokens: {
        '<s>': { id: '<s>', ids: [1], tokens: ['<s>'] },
        '</s>': { id: '</s>', ids: [2], tokens: ['</s>'] },
      },
    },
    decoder: null,
    model: {
      type: 'WordPiece',
      unk_token: '<unk>',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab: { '<unk>': 0, '<s>': 1, '</s>': 2, '<pad>': 3, make: 4, it: 5, snowy: 6, red: 7 },
    },
  };
}

const CLIP_LIKE = [
  { SpecialToken: { id: '<s>', type_id: 0 } },
  { Sequence: { id: 'A', type_id: 0 } },
  { SpecialToken: { id: '</s>', type_id: 0 } },
];
const T5_LIKE = [{ Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } }];

async function withTokenizer(
  single: unknown[],
  maxLength: number,
  fn: (t: Awaited<ReturnType<typeof loadTokenizer>>) => void,
) {
  const dir = await mkdtemp(join(tmpdir(), 'kk-tok-'));
  try {
    await writeFile(join(dir, 'tokenizer.json'), JSON.stringify(tokenizerJson(single)));
    fn(await loadTokenizer(join(dir, 'tokenizer.json'), { maxLength, padTokenId: 3 }));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('pads to maxLength with padTokenId after the special tokens', async () => {
  await withTokenizer(CLIP_LIKE, 8, (t) => {
    assert.deepEqual(t.encode('make it snowy'), [1, 4, 5, 6, 2, 3, 3, 3]);
  });
});

test('truncation keeps the special tokens, like truncation=True in transformers', async () => {
  await withTokenizer(CLIP_LIKE, 5, (t) => {
    assert.deepEqual(t.encode('make it snowy red make it'), [1, 4, 5, 6, 2]);
  });
  await withTokenizer(T5_LIKE, 4, (t) => {
    assert.deepEqual(t.encode('make it snowy red make it'), [4, 5, 6, 2]);
  });
});

test('exactly maxLength tokens is neither cut nor padded', async () => {
  await withTokenizer(CLIP_LIKE, 5, (t) => {
    assert.deepEqual(t.encode('make it red'), [1, 4, 5, 7, 2]);
    assert.deepEqual([...t.encodeToInt64('make it red')], [1n, 4n, 5n, 7n, 2n]);
  });
});

test('an empty instruction is just the special tokens and padding', async () => {
  await withTokenizer(T5_LIKE, 3, (t) => {
    assert.deepEqual(t.encode(''), [2, 3, 3]);
  });
});

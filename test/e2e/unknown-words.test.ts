/**
 * kk-tiny knows only the words of its training phrasings: an instruction with other words gets a note
 * naming them, from the pipeline through the queue to the delivered result.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { startLocalEditing, type LocalEditing } from './local-editing.ts';

let local: LocalEditing;
let photo: Uint8Array;
const edit = (text: string) => local.edit(text, photo);

before(async () => {
  local = await startLocalEditing('models/kk-tiny', 'e2e-unknown-words');
  photo = await readFile('models/kk-tiny/eval-images/rocket.jpg');
});

after(() => local.close());

test('words the model does not know come back as a note with the result', async () => {
  const { result } = await edit('make it darker zorblax strength:0.5 seed:1');
  assert.match(result.note ?? '', /does not know this word: "zorblax"/);
  assert.match(result.note ?? '', /"make it sepia"/, 'suggests instructions from model.json capabilities');
});

test('an instruction in the model vocabulary has no note', async () => {
  const { result } = await edit('make it sepia strength:0.5 seed:1');
  assert.equal(result.note, undefined);
});

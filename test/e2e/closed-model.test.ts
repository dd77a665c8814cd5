/**
 * A closed, one-edit bundle (kk-tiny with cues in its model.json, as the retrained kk-tiny ships) through
 * the whole local path: command text -> job -> worker -> delivery. An instruction that names none of its
 * edits fails at once with `unknown_edit` (never retried); two edits come back with the one-edit note.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { EMBEDDED_MODEL_DIR } from '../../models/default-model-dir.ts';
import { EditFailedError } from '../../bots/local/local-adapter.ts';
import { closedOneEditManifest } from '../commands/reading-fixture.ts';
import { bundleWithPatches, type PatchedBundle } from '../pipeline/patched-bundle.ts';
import { startLocalEditing, type LocalEditing } from './local-editing.ts';

let patched: PatchedBundle;
let local: LocalEditing;
let photo: Uint8Array;

before(async () => {
  patched = await bundleWithPatches(EMBEDDED_MODEL_DIR, {
    'model.json': closedOneEditManifest,
  });
  local = await startLocalEditing(patched.dir, 'e2e-closed-model');
  photo = await readFile(`${EMBEDDED_MODEL_DIR}/eval-images/rocket.jpg`);
});
after(async () => {
  await local.close();
  await patched.remove();
});

test('an edit the model does not make is delivered as a failure with the reason, after one attempt', async () => {
  await assert.rejects(
    local.edit('make it look like winter strength:0.5 seed:1', photo),
    (error: unknown) => {
      assert.ok(error instanceof EditFailedError);
      assert.equal(error.code, 'unknown_edit');
      assert.match(error.userMessage, /^kk-tiny can't do that: .* It doesn't know "winter"\.$/);
      assert.match(error.hint ?? '', /^try an instruction such as /);
      return true;
    },
  );
  const failed = await local.services.queue.queue.getFailed();
  assert.equal(failed.length, 1);
  assert.equal(failed[0]?.attemptsMade, 1, 'not retried');
});

test('two edits are delivered with the note naming the part left out', async () => {
  const { result } = await local.edit('make it darker and warmer strength:0.5 seed:1', photo);
  assert.match(result.note ?? '', /it applied "make it darker" and left out "warmer"\./);
});

/**
 * The instruction check of `EditPipeline.run()` on kk-tiny with the capabilities of a closed, one-edit model
 * (cues patched into a copy of its model.json): a refusal before any session runs, and the notes in the result.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { EMBEDDED_MODEL_DIR } from '../../models/default-model-dir.ts';
import { loadBundle, type ModelBundle } from '../../models/load-bundle.ts';
import { EditPipeline } from '../../pipeline/edit-pipeline.ts';
import { UnknownEditError } from '../../pipeline/errors.ts';
import { classifyFailure } from '../../queue/retry.ts';
import { closedOneEditManifest } from '../commands/reading-fixture.ts';
import { bundleWithPatches, type PatchedBundle } from './patched-bundle.ts';

let patched: PatchedBundle;
let stripped: PatchedBundle;
let closed: ModelBundle;
let original: ModelBundle;
let image: Uint8Array;

before(async () => {
  patched = await bundleWithPatches(EMBEDDED_MODEL_DIR, {
    'model.json': closedOneEditManifest,
  });
  // kk-tiny 4 ships the fields; without them it stands for a bundle from before (kk-tiny 3).
  stripped = await bundleWithPatches(EMBEDDED_MODEL_DIR, {
    'model.json': (manifest) => {
      const capabilities = manifest.capabilities as { edits: Record<string, unknown>[] } & Record<
        string,
        unknown
      >;
      delete capabilities.closed;
      delete capabilities.oneEditPerInstruction;
      for (const edit of capabilities.edits) {
        delete edit.cues;
        delete edit.opposite;
      }
    },
  });
  [closed, original] = await Promise.all([loadBundle(patched.dir), loadBundle(stripped.dir)]);
  image = await readFile(`${EMBEDDED_MODEL_DIR}/eval-images/rocket.jpg`);
});
after(async () => {
  await Promise.all([closed.dispose(), original.dispose()]);
  await Promise.all([patched.remove(), stripped.remove()]);
});

const run = (bundle: ModelBundle, instruction: string) =>
  new EditPipeline({ bundle, ownsBundle: false }).run({ image, instruction, strengths: [0.5], seed: 1 });
const sessionRuns = (bundle: ModelBundle) => Object.values(bundle.sessions).map((s) => s.runCount);

test('an edit a closed model does not make is refused before any session runs, and never retried', async () => {
  const before = sessionRuns(closed);
  await assert.rejects(run(closed, 'make it look like winter'), (error: unknown) => {
    assert.ok(error instanceof UnknownEditError);
    assert.equal(error.code, 'unknown_edit');
    assert.match(
      error.userMessage,
      /^kk-tiny can't do that: it only makes these 16 edits: grayscale, sepia,/,
    );
    assert.match(error.userMessage, /It doesn't know "winter"\.$/);
    assert.match(error.hint ?? '', /"make it black and white"/);
    assert.equal(classifyFailure(error).retryable, false);
    return true;
  });
  assert.deepEqual(sessionRuns(closed), before, 'no text encoder, VAE or transformer ran');
});

test('two edits run the first and say what was left out; unknown words join the same note', async () => {
  const twoEdits = await run(closed, 'make it darker and warmer');
  assert.equal(twoEdits.files.length, 1);
  assert.equal(
    twoEdits.note,
    'Note: kk-tiny makes one edit per instruction: it applied "make it darker" and left out "warmer". ' +
      'To add it, edit this result again with "warmer".',
  );
  // The model reads only the applied edit's words: the image is the one "make it darker" alone gives.
  const applied = await run(closed, 'make it darker');
  assert.equal(applied.note, undefined);
  assert.deepEqual(twoEdits.files[0]!.data, applied.files[0]!.data);
  const warmer = await run(closed, 'make it darker warmer');
  assert.notDeepEqual(twoEdits.files[0]!.data, warmer.files[0]!.data, 'the words left out would change it');
  const both = await run(closed, 'make it zorblax darker and warmer');
  assert.match(both.note ?? '', /^Note: kk-tiny does not know this word: "zorblax".* It also makes one edit/);
  const plain = await run(closed, 'brighten it and make it darker');
  assert.equal(plain.note, undefined, 'brighter and darker are one axis: one edit');
  // kk-tiny 4.2's vocabulary lacks "then" (no two-edit training): a conjunction is structure, not a word to flag.
  assert.deepEqual(closed.tokenizers.clip.unknownWords('make it darker, then dimmer'), ['then']);
  assert.equal((await run(closed, 'make it darker, then dimmer')).note, undefined);
});

test('a manifest without the new fields (kk-tiny 3) runs every instruction, with the unknown-words note', async () => {
  const result = await run(original, 'make it look like winter');
  assert.match(result.note ?? '', /^Note: kk-tiny does not know this word: "winter"/);
  assert.equal((await run(original, 'make it darker and warmer')).note, undefined);
});

/**
 * The embedded bundle's cue words (model.json `capabilities.edits[].cues`) against its own phrasings
 * (edits.json), without running the model: an instruction it was trained on must never be refused as an
 * unknown edit, a held-out single-edit phrasing must read as the edit it names, and the phrasing checks must
 * read as their kind says. Skipped for a bundle without cues (kk-tiny 3).
 */
import { join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readInstruction } from '../../commands/instruction-reading.ts';
import { FAMILY_IDS, familySpec, loadEditsSpec, renderPhrasing } from '../../eval/edits-spec.ts';
import { EMBEDDED_MODEL_DIR } from '../../models/default-model-dir.ts';
import { readManifest } from '../../models/load-bundle.ts';
import { loadTokenizer } from '../../models/tokenizer.ts';

// Read before the tests are declared: whether they run depends on it. KK_CUES_MODEL_DIR checks a candidate.
const modelDir = process.env.KK_CUES_MODEL_DIR ?? EMBEDDED_MODEL_DIR;
const manifest = await readManifest(modelDir);
const capabilities = manifest.capabilities;
// The words the model does not know decide a refusal, as in the pipeline (pipeline/instruction-check.ts).
const clip = await loadTokenizer(join(modelDir, manifest.tokenizers.clip.file), manifest.tokenizers.clip);
const spec = await loadEditsSpec(modelDir);
const noCues = capabilities?.edits.some((edit) => (edit.cues?.length ?? 0) > 0)
  ? false
  : 'the bundle has no cue words (kk-tiny 3)';

/** Every phrasing of edits.json with its family, tint's with one colour filled in. */
function phrasings(split: 'train' | 'heldOut') {
  return FAMILY_IDS.flatMap((family) =>
    familySpec(spec, family).phrasings[split].map((phrasing) => ({
      family,
      text: renderPhrasing(phrasing, 'blue'),
    })),
  );
}
const read = (text: string) => readInstruction(text, capabilities, clip.unknownWords(text));
const show = (text: string) => `"${text}" ${JSON.stringify(read(text).clauses.map((c) => c.edits))}`;

test('no instruction the model was trained on is refused as an unknown edit', { skip: noCues }, () => {
  const refused = phrasings('train').filter(({ text }) => read(text).verdict.kind === 'no-edit');
  assert.deepEqual(
    refused.map(({ family, text }) => `${family}: "${text}"`),
    [],
    `${refused.length} training phrasings have no cue word`,
  );
});

test(
  'every held-out phrasing reads as one edit, with its own edit among the cued ones',
  { skip: noCues },
  () => {
    const misread = phrasings('heldOut').filter(({ family, text }) => {
      const reading = read(text);
      return reading.verdict.kind !== 'ok' || !reading.clauses.some((c) => c.edits.includes(family));
    });
    assert.deepEqual(
      misread.map(({ family, text }) => `${family}: ${show(text)}`),
      [],
    );
  },
);

test(
  'phrasing checks read as their kind says: unsupported refused, two edits noted, complaints answered',
  { skip: noCues || (spec.phrasingChecks ? false : 'edits.json has no phrasingChecks') },
  () => {
    const expected = { unsupported: 'no-edit', 'two-edit': 'two-edits', complaint: 'ok', negation: 'ok' };
    const wrong = (spec.phrasingChecks ?? []).filter(
      (check) => read(check.text).verdict.kind !== expected[check.kind],
    );
    assert.deepEqual(
      wrong.map((check) => `${check.kind}: ${show(check.text)} -> ${read(check.text).verdict.kind}`),
      [],
    );
  },
);

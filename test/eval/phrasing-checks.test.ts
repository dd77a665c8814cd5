/**
 * The eval's phrasings section (issue 14) before a bundle ships phrasing checks: kk-tiny 3 with cues patched
 * into model.json and four checks into edits.json, on one photo. Checks the plumbing and the verdict rules,
 * not kk-tiny 3's quality (it was never trained on complaints).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { EMBEDDED_MODEL_DIR } from '../../models/default-model-dir.ts';
import { loadEditsSpec, parseEditsSpec, type EditsSpec, type PhrasingCheck } from '../../eval/edits-spec.ts';
import { loadEvalSource, type EvalSource } from '../../eval/evaluate-case.ts';
import {
  PHRASING_FIDELITY_DB,
  evaluatePhrasingCheck,
  phrasingCheckPasses,
  summarisePhrasings,
  type PhrasingCheckResult,
} from '../../eval/phrasing-checks.ts';
import { phrasingChecksTable, phrasingSummaryTable } from '../../eval/phrasing-tables.ts';
import { createEditPipeline } from '../../pipeline/create-edit-pipeline.ts';
import type { EditPipeline } from '../../pipeline/edit-pipeline.ts';
import { closedOneEditManifest } from '../commands/reading-fixture.ts';
import { bundleWithPatches, type PatchedBundle } from '../pipeline/patched-bundle.ts';

const CHECKS: PhrasingCheck[] = [
  { text: 'make it darker please', kind: 'negation', family: 'darker' },
  { text: 'make it darker and warmer', kind: 'two-edit', family: 'darker' },
  { text: 'make it warmer and darker', kind: 'two-edit', family: 'darker' },
  { text: 'make it look like winter', kind: 'unsupported', family: null },
];

let patched: PatchedBundle;
let pipeline: EditPipeline;
let spec: EditsSpec;
let chelsea: EvalSource;
const results: PhrasingCheckResult[] = [];

before(async () => {
  patched = await bundleWithPatches(EMBEDDED_MODEL_DIR, {
    'model.json': closedOneEditManifest,
    'edits.json': (edits) => void (edits.phrasingChecks = CHECKS),
  });
  spec = await loadEditsSpec(patched.dir);
  pipeline = await createEditPipeline({ modelDir: patched.dir, maxBatch: 11 });
  chelsea = await loadEvalSource(pipeline, join(patched.dir, 'eval-images'), 'chelsea');
});
after(async () => {
  await pipeline.dispose();
  await patched.remove();
});

test('edits.json phrasing checks are read; family is null exactly for unsupported, colour exactly for tint', async () => {
  assert.deepEqual(spec.phrasingChecks, CHECKS);
  const raw = (await loadEditsSpec(EMBEDDED_MODEL_DIR)) as Record<string, unknown>;
  assert.ok(Array.isArray(raw.phrasingChecks), 'the embedded bundle ships its own checks');
  const withChecks = (phrasingChecks: unknown[]) => () => parseEditsSpec({ ...raw, phrasingChecks });
  assert.throws(withChecks([{ text: 'snow', kind: 'unsupported', family: 'fog' }]), /null exactly/);
  assert.throws(withChecks([{ text: 'x', kind: 'complaint', family: null }]), /null exactly/);
  assert.throws(withChecks([{ text: 'tint it', kind: 'two-edit', family: 'tint' }]), /colour is given/);
  assert.doesNotThrow(
    withChecks([{ text: 'tint it blue and darken it', kind: 'two-edit', family: 'tint', colour: 'blue' }]),
  );
});

test('each check is judged as the user meets it', async () => {
  for (const check of CHECKS) results.push(await evaluatePhrasingCheck(pipeline, spec, [chelsea], check));
  const [plain, twoEdits, reversed, winter] = results;
  assert.equal(plain?.refused, false);
  assert.equal(plain?.oneEditNote, false);
  assert.ok((plain?.fidelity ?? 0) >= PHRASING_FIDELITY_DB, `"make it darker please": ${plain?.fidelity}`);
  assert.equal(plain?.pass, true);
  // Scored against the first edit named: kk-tiny 3 warms here, so the fidelity to "darker" is poor.
  assert.equal(twoEdits?.oneEditNote, true);
  assert.match(twoEdits?.message ?? '', /left out "warmer"/);
  assert.equal(reversed?.oneEditNote, true);
  assert.ok(Object.keys(twoEdits?.fidelityByPhoto ?? {}).join() === 'chelsea');
  assert.equal(winter?.refused, true);
  assert.equal(winter?.fidelity, undefined, 'an unsupported check runs no model');
  assert.match(winter?.message ?? '', /can't do that/);
  assert.equal(winter?.pass, true);
});

test('the verdict rules', () => {
  const base = { refused: false, oneEditNote: false, fidelity: PHRASING_FIDELITY_DB };
  assert.equal(phrasingCheckPasses({ ...base, kind: 'complaint' }), true);
  assert.equal(phrasingCheckPasses({ ...base, kind: 'complaint', fidelity: 27.9 }), false);
  assert.equal(
    phrasingCheckPasses({ ...base, kind: 'negation', refused: true }),
    false,
    'refused: no result',
  );
  assert.equal(phrasingCheckPasses({ ...base, kind: 'two-edit' }), false, 'faithful but no note');
  assert.equal(phrasingCheckPasses({ ...base, kind: 'two-edit', oneEditNote: true }), true);
  assert.equal(phrasingCheckPasses({ ...base, kind: 'unsupported' }), false);
  assert.equal(phrasingCheckPasses({ ...base, kind: 'unsupported', refused: true }), true);
});

test('the summary and the tables', () => {
  const summary = summarisePhrasings(results);
  assert.deepEqual(
    summary.map((s) => [s.kind, s.n, s.refused, s.oneEditNotes]),
    [
      ['negation', 1, 0, 0],
      ['two-edit', 2, 0, 2],
      ['unsupported', 1, 1, 0],
    ],
  );
  assert.equal(summary[2]?.fidelity, undefined);
  const table = phrasingSummaryTable(summary, 'markdown');
  assert.match(
    table,
    /\| unsupported \| 1 \| 1 \(100%\) \| - \| 1 \| 0 \| refused with the unknown-edit message \|/,
  );
  assert.match(table, /\| \*\*all\*\* \| 4 \|/);
  const checks = phrasingChecksTable(results, 'text').split('\n');
  assert.match(checks[0] ?? '', /^instruction +kind/);
  assert.match(checks.find((l) => l.includes('winter')) ?? '', /refused +PASS$/);
  // Misses first.
  const verdicts = checks.slice(1).map((l) => l.trim().split(/ +/).at(-1));
  assert.ok(verdicts.lastIndexOf('MISS') < verdicts.indexOf('PASS'), verdicts.join());
});

/** The eval's case plan, source round trip and summaries (no model runs). */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { EMBEDDED_MODEL_DIR } from '../../models/default-model-dir.ts';
import { FAMILY_IDS, loadEditsSpec, type EditsSpec, type FamilyId } from '../../eval/edits-spec.ts';
import { BASE_SEED, CASE_STRENGTHS, planCases, type EvalCase } from '../../eval/eval-cases.ts';
import { tensorToFrame, type CaseResult } from '../../eval/evaluate-case.ts';
import { summariseSplit } from '../../eval/summarise.ts';
import { overviewTable, qualityTable } from '../../eval/report-tables.ts';
import { rgbToTensor } from '../../pipeline/image/preprocess.ts';

let spec: EditsSpec;
before(async () => {
  spec = await loadEditsSpec(EMBEDDED_MODEL_DIR);
});

test('one batch per case: the 8-frame sweep k/7, then 0.25, 0.5, 0.75', () => {
  assert.deepEqual(CASE_STRENGTHS, [0, 1 / 7, 2 / 7, 3 / 7, 4 / 7, 5 / 7, 6 / 7, 1, 0.25, 0.5, 0.75]);
});

test('planCases: photos x (5 held-out + 2 training phrasings) x 16 families, rotation as the Python eval', () => {
  const cases = planCases(spec);
  assert.equal(cases.length, 4 * (5 + 2) * 16);
  const find = (photo: string, split: string, family: FamilyId) =>
    cases.filter((c) => c.photo === photo && c.split === split && c.family === family);
  // Held-out: every held-out phrasing on every photo.
  assert.deepEqual(
    find('coffee', 'heldOut', 'grayscale').map((c) => c.phrasing),
    spec.families.grayscale!.phrasings.heldOut,
  );
  // Training: photo 1 (coffee) takes phrasings 2 and 3; every photo its own seed.
  assert.deepEqual(
    find('coffee', 'train', 'fog').map((c) => c.phrasing),
    spec.families.fog!.phrasings.train.slice(2, 4),
  );
  assert.ok(find('coffee', 'train', 'fog').every((c) => c.seed === BASE_SEED + 1));
  // Tint colours rotate (2 pi + hi) mod 8 and are written into the instruction.
  const tints = find('rocket', 'heldOut', 'tint');
  assert.deepEqual(
    tints.map((c) => c.colour),
    ['cyan', 'blue', 'purple', 'pink', 'red'],
  );
  assert.equal(tints[0]!.instruction, 'give the picture a cyan hue');
  assert.ok(cases.filter((c) => c.family !== 'tint').every((c) => c.colour === undefined));
  const one = planCases(spec, {
    photos: ['flower'],
    splits: ['train'],
    families: ['hue'],
    phrasingsPerPhoto: 1,
  });
  assert.deepEqual(
    one.map((c) => [c.photo, c.split, c.family, c.seed]),
    [['flower', 'train', 'hue', BASE_SEED]],
  );
  assert.throws(() => planCases(spec, { phrasingsPerPhoto: 0 }), RangeError);
});

test('tensorToFrame inverts the pipeline normalisation (u / 127.5 - 1) exactly', () => {
  const data = Uint8Array.from({ length: 5 * 4 * 3 }, (_, i) => (i * 37) % 256);
  data[0] = 0;
  data[1] = 255;
  const frame = { data, width: 5, height: 4 };
  assert.deepEqual(tensorToFrame(rgbToTensor(frame), 5, 4), frame);
  assert.throws(() => tensorToFrame(new Float32Array(7), 5, 4), RangeError);
});

/** A synthetic result: `quality` sets every PSNR, the sweep is monotone and linear unless told. */
function result(
  family: FamilyId,
  quality: number,
  sweep: Partial<CaseResult['sweep']> = {},
  grid: CaseResult['grid'] = { p8: 0.5, p16: -0.2 },
  deliveredGrid: CaseResult['deliveredGrid'] = { p8: 0.1, p16: 0 },
): CaseResult {
  const evalCase: EvalCase = {
    photo: 'p',
    family,
    split: 'heldOut',
    phrasing: 'x',
    instruction: 'x',
    colour: undefined,
    seed: 1,
  };
  const metrics = { deltaE: [0, 1], monotone: true, r: 0.999, smooth: 0.01 };
  return {
    ...evalCase,
    identity: quality + 5,
    fidelity: { '0.25': quality, '0.5': quality, '0.75': quality, '1': quality },
    sweep: { ...metrics, ...sweep },
    targetSweep: metrics,
    grid,
    deliveredGrid,
    ms: 1,
  };
}

test('summariseSplit: per-family verdicts, overall mean, worst family judged apart', () => {
  const good = FAMILY_IDS.filter((f) => f !== 'contrast').map((f) => result(f, 30));
  const summary = summariseSplit([
    ...good,
    result('contrast', 15, { monotone: false, r: -0.5, smooth: 0.3 }, { p8: 0.1, p16: 7.5 }),
    // The model's own frame shows a grid the user's result does not, and the other way round.
    result('fog', 30, {}, { p8: 0.1, p16: 0.2 }, { p8: 2.5, p16: 0 }),
  ]);
  const contrast = summary.families.contrast!;
  assert.deepEqual(contrast.pass, {
    identity: false,
    fidelity: false,
    monotone: false,
    absR: false,
    smooth: false,
    noGrid: false,
    deliveredNoGrid: true,
  });
  assert.equal(contrast.absR, 0.5);
  assert.equal(contrast.gridMax, 7.5);
  assert.deepEqual(summary.families.fog!.pass, {
    identity: true,
    fidelity: true,
    monotone: true,
    absR: true,
    smooth: true,
    noGrid: true,
    deliveredNoGrid: false, // one of fog's two results shows a grid: 50% < 95%
  });
  assert.equal(summary.families.fog!.deliveredGridMax, 2.5);
  const { overall } = summary;
  assert.equal(overall.n, 17);
  assert.ok(Math.abs(overall.fidelity - (16 * 30 + 15) / 17) < 1e-12);
  assert.equal(overall.pass.fidelity, true); // 29.06 >= 26
  assert.equal(overall.worstFamily, 'contrast');
  assert.equal(overall.worstFamilyPass, false);
  assert.equal(overall.monotone, 16 / 17);
  assert.equal(overall.pass.monotone, false); // 94.1% < 95%
  assert.equal(overall.noGrid, 16 / 17);
  assert.equal(overall.pass.noGrid, false); // one grid in 17 sweeps: 94.1% < 95%
  assert.equal(overall.deliveredNoGrid, 16 / 17);
  const table = qualityTable(summary, 'markdown');
  assert.match(table, /\| contrast \| 1 \| 20\.0 MISS \| 15\.0 MISS \|/);
  assert.match(table, /worst family contrast 15\.0 MISS/);
  assert.match(table, /\| 0% \/ 7\.5 MISS \| 100% \/ 0\.1 PASS \|$/m);
  assert.match(table, /\| 94\.1% \/ 7\.5 MISS \| 94\.1% \/ 2\.5 MISS \|$/m);
});

test('overviewTable: one column per split, every target with its verdict and what explains it', () => {
  const heldOut = summariseSplit([
    ...FAMILY_IDS.filter((f) => f !== 'blur').map((f) => result(f, 30)),
    result('blur', 31, { r: 0.4 }),
  ]);
  const train = summariseSplit(FAMILY_IDS.map((f) => result(f, 32)));
  const table = overviewTable({ heldOut, train }, { heldOut: 'held-out', train: 'training' }, 'markdown');
  const lines = table.split('\n');
  assert.equal(lines[0], '| metric (target) | held-out, 16 sweeps | training, 16 sweeps |');
  assert.equal(lines.length, 2 + 6);
  assert.match(table, /\| identity PSNR at s=0 \(>= 30 dB\) \| 35\.1 PASS \(lowest grayscale 35\.0\) \|/);
  assert.match(
    table,
    /\| worst family fidelity \(>= 20 dB\) \| grayscale 30\.0 PASS \| grayscale 32\.0 PASS \|/,
  );
  // |r|: (15 * 0.999 + 0.4) / 16 = 0.962 misses 0.98, and blur is named as the cause.
  assert.match(table, /0\.962 MISS \(lowest blur 0\.40; 93\.8% of sweeps >= 0\.98\) \| 0\.999 PASS/);
  assert.doesNotMatch(overviewTable({ heldOut }, { heldOut: 'h', train: 't' }, 'text'), /\\\|/);
});

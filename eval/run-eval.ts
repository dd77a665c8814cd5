/**
 * The kk-tiny quality eval through the real TypeScript pipeline:
 *
 *     npx tsx eval/run-eval.ts [--model models/kk-tiny] [--json out.json] [--markdown]
 *         [--photos chelsea,coffee] [--splits heldOut,train] [--families grayscale,tint]
 *         [--python <a training run's results.json with a full Python eval>]
 *         [--benchmarks BENCHMARKS.md] [--results eval/RESULTS.md] [--phrasings auto|only|off]
 *
 * Held-out photos (`<model>/eval-images/*.jpg`), at the bundle's default steps and guidance, one pipeline
 * batch per case (an 8-frame sweep plus the fidelity strengths, seed fixed per photo). Held-out and
 * training phrasings are summarised separately. Progress goes to stderr; the tables (per family +
 * overall, PASS/MISS against each target) to stdout, as aligned text or with `--markdown` as markdown.
 * `--benchmarks` / `--results` also write the overview / the full tables (markdown) into those files,
 * between their `<!-- kk-tiny-eval:begin -->` and `<!-- kk-tiny-eval:end -->` markers.
 *
 * Phrasings (issue 14): when edits.json has `phrasingChecks` (`--phrasings auto`, the default), each check
 * also runs (eval/phrasing-checks.ts: complaints, negations and two-edit instructions on every photo,
 * unsupported ones through the instruction check alone) and gets its own tables; `--results` writes them
 * between the `kk-tiny-phrasings` markers. `--phrasings only` runs just those; `off` skips them.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { parseSteps } from '../commands/option-values.ts';
import { createEditPipeline } from '../pipeline/create-edit-pipeline.ts';
import { EMBEDDED_MODEL_DIR } from '../models/default-model-dir.ts';
import { FAMILY_IDS, loadEditsSpec, type FamilyId } from './edits-spec.ts';
import {
  BASE_SEED,
  CASE_STRENGTHS,
  FIDELITY_STRENGTHS,
  planCases,
  PHRASING_SPLITS,
  type PhrasingSplit,
} from './eval-cases.ts';
import { evaluateCase, loadEvalSource, type CaseResult, type EvalSource } from './evaluate-case.ts';
import { loadPythonResults } from './python-results.ts';
import { replaceMarkedSection } from './marked-section.ts';
import {
  comparisonTable,
  overviewTable,
  qualityTable,
  worstCasesTable,
  type TableFormat,
} from './report-tables.ts';
import { EVAL_TARGETS, summariseSplit, type SplitSummary } from './summarise.ts';
import {
  PHRASING_FIDELITY_DB,
  evaluatePhrasingCheck,
  summarisePhrasings,
  type PhrasingCheckResult,
} from './phrasing-checks.ts';
import { phrasingChecksTable, phrasingSummaryTable } from './phrasing-tables.ts';

const REPO_ROOT = join(EMBEDDED_MODEL_DIR, '..', '..');
/** Rows of the lowest-fidelity held-out cases listed. */
const WORST_CASES = 12;
const SPLIT_TITLES: Record<PhrasingSplit, string> = {
  heldOut: 'Held-out phrasings (never trained on)',
  train: 'Training phrasings',
};

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: EMBEDDED_MODEL_DIR },
    json: { type: 'string' },
    markdown: { type: 'boolean', default: false },
    photos: { type: 'string' },
    splits: { type: 'string' },
    families: { type: 'string' },
    // No default: the committed kk-tiny v2 run evaluated one photo in Python (`--eval quick`), which a
    // per-family comparison with the full TypeScript eval would misread.
    python: { type: 'string', default: 'none' },
    benchmarks: { type: 'string' },
    results: { type: 'string' },
    // Denoising steps instead of the bundle's default (to compare settings; the tables say which ran).
    steps: { type: 'string' },
    // auto: the phrasing checks run when edits.json has them; only: nothing else runs; off: never.
    phrasings: { type: 'string', default: 'auto' },
  },
});
const list = (v: string | undefined) => v?.split(',').map((s) => s.trim());
const format: TableFormat = values.markdown ? 'markdown' : 'text';
const log = (line: string) => process.stderr.write(`${line}\n`);

function pickFrom<T extends string>(
  name: string,
  given: string[] | undefined,
  known: readonly T[],
): T[] | undefined {
  for (const v of given ?? [])
    if (!(known as readonly string[]).includes(v))
      throw new RangeError(`--${name}: unknown "${v}" (known: ${known.join(', ')})`);
  return given as T[] | undefined;
}

/** The marker names in the files `--benchmarks` and `--results` update. */
const SECTION = 'kk-tiny-eval';
const PHRASINGS_SECTION = 'kk-tiny-phrasings';
const phrasingsMode = pickFrom('phrasings', [values.phrasings], ['auto', 'only', 'off'] as const)![0]!;
// Check the files to update before the long run, not after it.
if (phrasingsMode !== 'only')
  for (const file of [values.benchmarks, values.results])
    if (file !== undefined) replaceMarkedSection(await readFile(file, 'utf8'), SECTION, '');
if (phrasingsMode !== 'off' && values.results !== undefined)
  replaceMarkedSection(await readFile(values.results, 'utf8'), PHRASINGS_SECTION, '');
const stepsOverride = values.steps === undefined ? undefined : parseSteps(values.steps);

const started = performance.now();
const modelDir = values.model;
const spec = await loadEditsSpec(modelDir);
const photos = list(values.photos) ?? spec.evalPhotos;
const phrasingChecks = phrasingsMode === 'off' ? [] : (spec.phrasingChecks ?? []);
if (phrasingsMode === 'only' && phrasingChecks.length === 0)
  throw new RangeError(`--phrasings only: ${join(modelDir, 'edits.json')} has no phrasingChecks`);
const cases =
  phrasingsMode === 'only'
    ? []
    : planCases(spec, {
        photos,
        splits: pickFrom('splits', list(values.splits), PHRASING_SPLITS),
        families: pickFrom<FamilyId>('families', list(values.families), FAMILY_IDS),
      });
// One batch per case: the whole sweep goes through the transformer together.
const pipeline = await createEditPipeline({ modelDir, maxBatch: CASE_STRENGTHS.length });
const { manifest } = pipeline.bundle;
const steps = stepsOverride ?? manifest.defaults.steps;
log(
  `[eval] ${manifest.id} ${manifest.version}: ${cases.length} cases (${photos.length} photos), ` +
    `steps ${steps}, guidance ${manifest.defaults.guidance}, ${CASE_STRENGTHS.length} strengths each; ` +
    `${phrasingChecks.length} phrasing checks`,
);

const sources = new Map<string, EvalSource>();
for (const name of photos)
  sources.set(name, await loadEvalSource(pipeline, join(modelDir, 'eval-images'), name));

const results: CaseResult[] = [];
for (const [i, evalCase] of cases.entries()) {
  const result = await evaluateCase(pipeline, spec, sources.get(evalCase.photo)!, evalCase, { steps });
  results.push(result);
  const fid = FIDELITY_STRENGTHS.map((s) => result.fidelity[String(s)]!.toFixed(1));
  log(
    `[eval] ${String(i + 1).padStart(3)}/${cases.length} ${evalCase.split.padEnd(7)} ${evalCase.photo.padEnd(8)} ` +
      `${evalCase.family.padEnd(9)} "${evalCase.instruction}": identity ${result.identity.toFixed(1)}, ` +
      `fidelity ${fid.join('/')}, r ${result.sweep.r.toFixed(3)}, smooth ${result.sweep.smooth.toFixed(3)}` +
      `${result.sweep.monotone ? '' : ', NOT monotone'} (${(result.ms / 1000).toFixed(2)} s)`,
  );
}
const phrasingResults: PhrasingCheckResult[] = [];
for (const [i, check] of phrasingChecks.entries()) {
  const result = await evaluatePhrasingCheck(pipeline, spec, [...sources.values()], check, { steps });
  phrasingResults.push(result);
  log(
    `[eval] phrasing ${String(i + 1).padStart(2)}/${phrasingChecks.length} ${check.kind.padEnd(11)} ` +
      `"${check.text}": ${result.refused ? 'refused' : `fidelity ${result.fidelity?.toFixed(1) ?? '-'}`}` +
      `${result.oneEditNote ? ', one-edit note' : ''} -> ${result.pass ? 'PASS' : 'MISS'}`,
  );
}
await pipeline.dispose();
const seconds = (performance.now() - started) / 1000;

const summaries: Partial<Record<PhrasingSplit, SplitSummary>> = {};
for (const split of PHRASING_SPLITS) {
  const own = results.filter((r) => r.split === split);
  if (own.length > 0) summaries[split] = summariseSplit(own);
}
const python =
  values.python !== 'none' && existsSync(values.python)
    ? await loadPythonResults(values.python, steps)
    : undefined;

const command = ['npx tsx', relative(REPO_ROOT, process.argv[1]!), ...process.argv.slice(2)].join(' ');
const runLine =
  `Model ${manifest.id} ${manifest.version}; ${photos.join(', ')}; steps ${steps}, ` +
  `guidance ${manifest.defaults.guidance}, maxArea ${manifest.defaults.maxArea}; seed ${BASE_SEED} + photo index; ` +
  `${results.length} cases in ${seconds.toFixed(0)} s (pipeline ${(mean(results.map((r) => r.ms)) / 1000).toFixed(2)} s per case of ${CASE_STRENGTHS.length} frames).`;
const commandLine = `Command: \`${command}\``;

/** Every table: per split and family, the worst held-out cases, the Python comparison if asked for. */
function fullReport(format: TableFormat): string {
  const heading = (text: string) => (format === 'markdown' ? `### ${text}` : `== ${text} ==`);
  const out: string[] = [
    runLine,
    commandLine,
    `Targets: identity >= ${EVAL_TARGETS.identity} dB; fidelity mean >= ${EVAL_TARGETS.fidelityMean} dB overall, ` +
      `>= ${EVAL_TARGETS.fidelityFamily} dB per family; monotone >= ${EVAL_TARGETS.monotone * 100}% of sweeps; ` +
      `mean |r| >= ${EVAL_TARGETS.absR}; mean delta_smooth <= ${EVAL_TARGETS.smooth}. "target" column: the same metrics ` +
      `of the computed targets (what a perfect model scores).`,
  ];
  for (const [split, summary] of Object.entries(summaries))
    out.push('', heading(SPLIT_TITLES[split as PhrasingSplit]), '', qualityTable(summary, format));
  const heldOutResults = results.filter((r) => r.split === 'heldOut');
  if (heldOutResults.length > 0)
    out.push(
      '',
      heading('Lowest-fidelity held-out cases'),
      '',
      worstCasesTable(heldOutResults, WORST_CASES, format),
    );
  if (python && summaries.heldOut)
    out.push(
      '',
      heading(`Held-out phrasings vs the Python eval (${relative(REPO_ROOT, values.python!)})`),
      '',
      comparisonTable(summaries.heldOut, python, format),
    );
  return out.join('\n');
}

/** The phrasings section: per kind and per check; says so when the bundle's edits.json has no checks. */
function phrasingsReport(format: TableFormat): string {
  if (phrasingResults.length === 0)
    return `No phrasing checks: ${manifest.id} ${manifest.version}'s edits.json has no \`phrasingChecks\`.`;
  const heading = (text: string) => (format === 'markdown' ? `### ${text}` : `== ${text} ==`);
  return [
    `Model ${manifest.id} ${manifest.version}; ${photos.join(', ')}; steps ${steps}; ` +
      `${phrasingResults.length} held-out phrasing checks from edits.json.`,
    commandLine,
    `Fidelity: mean PSNR over s in {${FIDELITY_STRENGTHS.join(', ')}} and the photos, against the expected ` +
      `edit's calibrated target (the held-out metric), bar ${PHRASING_FIDELITY_DB} dB (issue 14's target).`,
    '',
    heading('Phrasing checks by kind'),
    '',
    phrasingSummaryTable(summarisePhrasings(phrasingResults), format),
    '',
    heading('Every phrasing check (misses first)'),
    '',
    phrasingChecksTable(phrasingResults, format),
  ].join('\n');
}

if (cases.length > 0) process.stdout.write(`${fullReport(format)}\n`);
if (phrasingsMode !== 'off')
  process.stdout.write(`${cases.length > 0 ? '\n' : ''}${phrasingsReport(format)}\n`);

async function updateSection(file: string, body: string, section = SECTION): Promise<void> {
  await writeFile(file, replaceMarkedSection(await readFile(file, 'utf8'), section, body));
  log(`[eval] updated ${file}`);
}
if (values.results && cases.length > 0) await updateSection(values.results, fullReport('markdown'));
if (values.results && phrasingsMode !== 'off')
  await updateSection(values.results, phrasingsReport('markdown'), PHRASINGS_SECTION);
if (values.benchmarks && cases.length > 0)
  await updateSection(
    values.benchmarks,
    [runLine, commandLine, '', overviewTable(summaries, SPLIT_TITLES, 'markdown')].join('\n'),
  );

if (values.json) {
  const report = {
    model: { id: manifest.id, version: manifest.version, dir: modelDir },
    settings: { ...manifest.defaults, steps, strengths: CASE_STRENGTHS, baseSeed: BASE_SEED, photos },
    command,
    seconds,
    targets: EVAL_TARGETS,
    summaries,
    cases: results,
    phrasings: {
      fidelityBar: PHRASING_FIDELITY_DB,
      summary: summarisePhrasings(phrasingResults),
      checks: phrasingResults,
    },
  };
  await writeFile(values.json, `${JSON.stringify(report, null, 2)}\n`);
  log(`[eval] wrote ${values.json}`);
}

function mean(xs: readonly number[]): number {
  return xs.reduce((a, v) => a + v, 0) / xs.length;
}

/** The eval's tables (per family + overall, PASS/MISS against each target), as markdown or aligned text. */
import type { FamilyId } from './edits-spec.ts';
import { FIDELITY_STRENGTHS, type PhrasingSplit } from './eval-cases.ts';
import type { CaseResult } from './evaluate-case.ts';
import type { PythonFamilyResult } from './python-results.ts';
import { EVAL_TARGETS, type SplitSummary, type Summary } from './summarise.ts';

export type TableFormat = 'markdown' | 'text';

/** Header + rows -> a markdown table (numbers right-aligned) or space-aligned plain text. */
export function formatTable(
  header: readonly string[],
  rows: readonly string[][],
  format: TableFormat,
): string {
  if (format === 'markdown') {
    const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
    const align = header.map((_, i) => (i === 0 ? '---' : '---:'));
    return [line(header), line(align), ...rows.map(line)].join('\n');
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}

const f1 = (v: number) => v.toFixed(1);
const pct = (v: number) => `${Math.round(v * 1000) / 10}%`;
const mark = (ok: boolean) => (ok ? 'PASS' : 'MISS');

const QUALITY_HEADER = [
  'family',
  'n',
  'identity PSNR',
  'fidelity PSNR (mean)',
  'worst case',
  's=0.25',
  's=0.5',
  's=0.75',
  's=1',
  'monotone',
  '\\|r\\| mean / min',
  'smooth mean / max',
  'target \\|r\\| / smooth max',
  'no block grid at s=1 / max excess',
  "no block grid in the user's result / max",
];

function qualityCells(name: string, s: Summary): string[] {
  const by = s.fidelityByS;
  return [
    name,
    String(s.n),
    f1(s.identity),
    f1(s.fidelity),
    f1(s.fidelityMin),
    f1(by['0.25']!),
    f1(by['0.5']!),
    f1(by['0.75']!),
    f1(by['1']!),
    pct(s.monotone),
    `${s.absR.toFixed(3)} / ${s.absRMin.toFixed(3)}`,
    `${s.smooth.toFixed(3)} / ${s.smoothMax.toFixed(3)}`,
    `${s.targetAbsR.toFixed(3)} / ${s.targetSmoothMax.toFixed(3)}`,
    `${pct(s.noGrid)} / ${s.gridMax.toFixed(1)}`,
    `${pct(s.deliveredNoGrid)} / ${s.deliveredGridMax.toFixed(1)}`,
  ];
}

/** Per family and overall, each judged column with PASS/MISS. */
export function qualityTable(summary: SplitSummary, format: TableFormat): string {
  const rows: string[][] = [];
  for (const [family, s] of Object.entries(summary.families)) {
    const cells = qualityCells(family, s);
    cells[2] += ` ${mark(s.pass.identity)}`;
    cells[3] += ` ${mark(s.pass.fidelity)}`;
    cells[9] += ` ${mark(s.pass.monotone)}`;
    cells[10] += ` ${mark(s.pass.absR)}`;
    cells[11] += ` ${mark(s.pass.smooth)}`;
    cells[13] += ` ${mark(s.pass.noGrid)}`;
    cells[14] += ` ${mark(s.pass.deliveredNoGrid)}`;
    rows.push(cells);
  }
  const o = summary.overall;
  const cells = qualityCells(format === 'markdown' ? '**overall**' : 'overall', o);
  cells[2] += ` ${mark(o.pass.identity)}`;
  cells[3] +=
    ` ${mark(o.pass.fidelity)}; worst family ${o.worstFamily} ${f1(o.worstFamilyFidelity)}` +
    ` ${mark(o.worstFamilyPass)}`;
  cells[9] += ` ${mark(o.pass.monotone)}`;
  cells[10] += ` ${mark(o.pass.absR)} (>= ${EVAL_TARGETS.absR} in ${pct(o.absROk)})`;
  cells[11] += ` ${mark(o.pass.smooth)} (<= ${EVAL_TARGETS.smooth} in ${pct(o.smoothOk)})`;
  cells[13] += ` ${mark(o.pass.noGrid)}`;
  cells[14] += ` ${mark(o.pass.deliveredNoGrid)}`;
  rows.push(cells);
  const header = format === 'text' ? QUALITY_HEADER.map((h) => h.replaceAll('\\|', '|')) : QUALITY_HEADER;
  return formatTable(header, rows, format);
}

/** Held-out phrasings: this eval vs the Python eval (the last two columns check the port, not the model). */
export function comparisonTable(
  summary: SplitSummary,
  python: Partial<Record<FamilyId, PythonFamilyResult>>,
  format: TableFormat,
): string {
  const header = [
    'family',
    'identity TS / Py',
    'fidelity TS / Py',
    'difference',
    'monotone TS / Py',
    'mean r TS / Py',
    'target r TS / Py',
    'target smooth max TS / Py',
  ];
  const rows: string[][] = [];
  for (const [family, s] of Object.entries(summary.families)) {
    const py = python[family as FamilyId];
    if (!py) continue;
    rows.push([
      family,
      `${f1(s.identity)} / ${f1(py.identity)}`,
      `${f1(s.fidelity)} / ${f1(py.fidelity)}`,
      `${s.fidelity - py.fidelity >= 0 ? '+' : ''}${f1(s.fidelity - py.fidelity)}`,
      `${pct(s.monotone)} / ${pct(py.monotone)}`,
      `${s.r.toFixed(3)} / ${py.r.toFixed(3)}`,
      `${s.targetR.toFixed(3)} / ${py.targetR.toFixed(3)}`,
      `${s.targetSmoothMax.toFixed(3)} / ${py.targetSmooth.toFixed(3)}`,
    ]);
  }
  return formatTable(header, rows, format);
}

/** The `count` cases with the lowest mean fidelity (mostly misread instructions). */
export function worstCasesTable(results: readonly CaseResult[], count: number, format: TableFormat): string {
  const meanFidelity = (r: CaseResult) =>
    FIDELITY_STRENGTHS.reduce((a, s) => a + r.fidelity[String(s)]!, 0) / FIDELITY_STRENGTHS.length;
  const rows = [...results]
    .sort((a, b) => meanFidelity(a) - meanFidelity(b))
    .slice(0, count)
    .map((r) => [
      `"${r.instruction}"`,
      r.family,
      r.photo,
      f1(meanFidelity(r)),
      f1(r.fidelity['1']!),
      f1(r.identity),
    ]);
  return formatTable(['instruction', 'family', 'photo', 'fidelity (mean)', 's=1', 'identity'], rows, format);
}

/**
 * One column per phrasing split, one row per target: the summary BENCHMARKS.md shows. Each cell is the
 * overall value with PASS/MISS, plus what explains it (the weakest family, the share of sweeps that pass).
 */
export function overviewTable(
  summaries: Partial<Record<PhrasingSplit, SplitSummary>>,
  titles: Record<PhrasingSplit, string>,
  format: TableFormat,
): string {
  const splits = Object.entries(summaries) as [PhrasingSplit, SplitSummary][];
  const weakest = (s: SplitSummary, key: 'identity' | 'absR') => {
    const [family, v] = Object.entries(s.families).sort(([, a], [, b]) => a[key] - b[key])[0]!;
    return `${family} ${key === 'identity' ? f1(v[key]) : v[key].toFixed(2)}`;
  };
  const t = EVAL_TARGETS;
  const rows: [string, (s: SplitSummary) => string][] = [
    [
      `identity PSNR at s=0 (>= ${t.identity} dB)`,
      (s) => `${f1(s.overall.identity)} ${mark(s.overall.pass.identity)} (lowest ${weakest(s, 'identity')})`,
    ],
    [
      `fidelity PSNR, mean over s in {${FIDELITY_STRENGTHS.join(', ')}} (>= ${t.fidelityMean} dB)`,
      (s) => `${f1(s.overall.fidelity)} ${mark(s.overall.pass.fidelity)}`,
    ],
    [
      `worst family fidelity (>= ${t.fidelityFamily} dB)`,
      (s) =>
        `${s.overall.worstFamily} ${f1(s.overall.worstFamilyFidelity)} ${mark(s.overall.worstFamilyPass)}`,
    ],
    [
      `monotone 8-frame sweeps (>= ${pct(t.monotone)})`,
      (s) => `${pct(s.overall.monotone)} ${mark(s.overall.pass.monotone)}`,
    ],
    [
      `mean Pearson \\|r\\|, s vs delta-E (>= ${t.absR})`,
      (s) =>
        `${s.overall.absR.toFixed(3)} ${mark(s.overall.pass.absR)} (lowest ${weakest(s, 'absR')}; ` +
        `${pct(s.overall.absROk)} of sweeps >= ${t.absR})`,
    ],
    [
      `mean delta_smooth, CIELAB (<= ${t.smooth})`,
      (s) =>
        `${s.overall.smooth.toFixed(3)} ${mark(s.overall.pass.smooth)} ` +
        `(${pct(s.overall.smoothOk)} of sweeps <= ${t.smooth})`,
    ],
  ];
  const header = [
    'metric (target)',
    ...splits.map(([split, s]) => `${titles[split]}, ${s.overall.n} sweeps`),
  ];
  const body = rows.map(([label, cell]) => [label, ...splits.map(([, s]) => cell(s))]);
  const text = formatTable(header, body, format);
  return format === 'text' ? text.replaceAll('\\|', '|') : text;
}

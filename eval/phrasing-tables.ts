/** The phrasings section's tables: per kind of check, and every check with what the user got. */
import type { PhrasingCheckKind } from './edits-spec.ts';
import {
  PHRASING_FIDELITY_DB,
  type PhrasingCheckResult,
  type PhrasingKindSummary,
} from './phrasing-checks.ts';
import { formatTable, type TableFormat } from './report-tables.ts';

const f1 = (v: number | undefined) => (v === undefined ? '-' : v.toFixed(1));
const pct = (part: number, whole: number) => `${Math.round((part / whole) * 1000) / 10}%`;

/** What passing means, per kind (the table's last column). */
const RULES: Record<PhrasingCheckKind, string> = {
  complaint: `fidelity >= ${PHRASING_FIDELITY_DB} dB to the named edit, not refused`,
  negation: `fidelity >= ${PHRASING_FIDELITY_DB} dB to the named edit, not refused`,
  'two-edit': `fidelity >= ${PHRASING_FIDELITY_DB} dB to the first edit, and the one-edit note`,
  unsupported: 'refused with the unknown-edit message',
};

export function phrasingSummaryTable(summaries: readonly PhrasingKindSummary[], format: TableFormat): string {
  const rows = summaries.map((s) => [
    s.kind,
    String(s.n),
    `${s.passed} (${pct(s.passed, s.n)})`,
    f1(s.fidelity),
    String(s.refused),
    String(s.oneEditNotes),
    RULES[s.kind],
  ]);
  const all = summaries.reduce((a, s) => ({ n: a.n + s.n, passed: a.passed + s.passed }), {
    n: 0,
    passed: 0,
  });
  if (summaries.length > 1)
    rows.push([
      format === 'markdown' ? '**all**' : 'all',
      String(all.n),
      `${all.passed} (${pct(all.passed, all.n)})`,
      '',
      '',
      '',
      '',
    ]);
  return formatTable(
    ['kind', 'checks', 'pass', 'fidelity (mean dB)', 'refused', 'one-edit note', 'passes when'],
    rows,
    format,
  );
}

/** What the user got: the refusal, the one-edit note, unknown words, or nothing to say. */
function outcome(r: PhrasingCheckResult): string {
  if (r.refused) return 'refused';
  const parts = [
    ...(r.oneEditNote ? ['one-edit note'] : []),
    ...(r.unknownWords.length > 0 ? [`unknown ${r.unknownWords.map((w) => `"${w}"`).join(', ')}`] : []),
  ];
  return parts.length > 0 ? parts.join('; ') : 'result, no note';
}

/** Every check, failures first, then by kind as edits.json lists them. */
export function phrasingChecksTable(results: readonly PhrasingCheckResult[], format: TableFormat): string {
  const rows = [...results]
    .sort((a, b) => Number(a.pass) - Number(b.pass))
    .map((r) => {
      const byPhoto = Object.entries(r.fidelityByPhoto ?? {}).sort(([, a], [, b]) => a - b)[0];
      return [
        `"${r.text}"`,
        r.kind,
        r.family === null ? '-' : r.colour ? `${r.family} ${r.colour}` : r.family,
        f1(r.fidelity),
        byPhoto ? `${byPhoto[0]} ${f1(byPhoto[1])}` : '-',
        outcome(r),
        r.pass ? 'PASS' : 'MISS',
      ];
    });
  return formatTable(
    ['instruction', 'kind', 'expected edit', 'fidelity (mean dB)', 'worst photo', 'user got', 'verdict'],
    rows,
    format,
  );
}

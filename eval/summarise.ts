/**
 * Case results -> per-family and overall summaries, judged against the kk-tiny quality targets
 * (issue 5; the same targets as the Python eval in the MODEL_CARD).
 */
import { FAMILY_IDS, type FamilyId } from './edits-spec.ts';
import { FIDELITY_STRENGTHS } from './eval-cases.ts';
import type { CaseResult } from './evaluate-case.ts';
import { GRID_MARGIN } from './block-grid.ts';

export const EVAL_TARGETS = {
  /** Mean PSNR(output at s = 0, source), dB. */
  identity: 30,
  /** Mean fidelity PSNR over every case and strength, dB. */
  fidelityMean: 26,
  /** No family's mean fidelity below this, dB. */
  fidelityFamily: 20,
  /** Share of sweeps whose delta-E to the source never drops (by more than 0.25). */
  monotone: 0.95,
  /** Mean |Pearson r| between s and delta-E. */
  absR: 0.98,
  /** Mean delta_smooth of the sweeps. */
  smooth: 0.1,
  /** Share of outputs at s = 1 with no block grid (excess within GRID_MARGIN at 8 and 16 px). */
  noGrid: 0.95,
} as const;

export interface Summary {
  n: number;
  identity: number;
  fidelity: number;
  fidelityMin: number;
  /** Mean fidelity by strength (keys `String(s)`). */
  fidelityByS: Record<string, number>;
  monotone: number;
  /** Mean signed Pearson r (the Python eval reports this one). */
  r: number;
  absR: number;
  absRMin: number;
  /** Share of sweeps with |r| >= the target. */
  absROk: number;
  smooth: number;
  smoothMax: number;
  /** Share of sweeps with delta_smooth <= the target. */
  smoothOk: number;
  /** What the targets themselves score (a perfect model): mean r and |r|, worst delta_smooth. */
  targetR: number;
  targetAbsR: number;
  targetSmoothMax: number;
  /** Largest block-grid excess at s = 1 (8 or 16 px) and the share of cases within GRID_MARGIN at both. */
  gridMax: number;
  noGrid: number;
  /** The same for the result a user gets (CaseResult.deliveredGrid). */
  deliveredGridMax: number;
  deliveredNoGrid: number;
  /** Mean pipeline time per case, ms. */
  ms: number;
}

export interface Verdicts {
  identity: boolean;
  fidelity: boolean;
  monotone: boolean;
  absR: boolean;
  smooth: boolean;
  noGrid: boolean;
  deliveredNoGrid: boolean;
}

export interface SplitSummary {
  families: Partial<Record<FamilyId, Summary & { pass: Verdicts }>>;
  overall: Summary & {
    worstFamily: FamilyId;
    worstFamilyFidelity: number;
    /** No family's mean fidelity below `EVAL_TARGETS.fidelityFamily` (`pass.fidelity` judges the mean). */
    worstFamilyPass: boolean;
    pass: Verdicts;
  };
}

const mean = (xs: readonly number[]) => xs.reduce((a, v) => a + v, 0) / xs.length;
const share = (xs: readonly boolean[]) => xs.filter(Boolean).length / xs.length;

export function summariseCases(cases: readonly CaseResult[]): Summary {
  if (cases.length === 0) throw new RangeError('no cases to summarise');
  const fidelities = cases.flatMap((c) => Object.values(c.fidelity));
  const absR = cases.map((c) => Math.abs(c.sweep.r));
  const smooth = cases.map((c) => c.sweep.smooth);
  return {
    n: cases.length,
    identity: mean(cases.map((c) => c.identity)),
    fidelity: mean(fidelities),
    fidelityMin: Math.min(...fidelities),
    fidelityByS: Object.fromEntries(
      FIDELITY_STRENGTHS.map((s) => [String(s), mean(cases.map((c) => c.fidelity[String(s)]!))]),
    ),
    monotone: share(cases.map((c) => c.sweep.monotone)),
    r: mean(cases.map((c) => c.sweep.r)),
    absR: mean(absR),
    absRMin: Math.min(...absR),
    absROk: share(absR.map((r) => r >= EVAL_TARGETS.absR)),
    smooth: mean(smooth),
    smoothMax: Math.max(...smooth),
    smoothOk: share(smooth.map((v) => v <= EVAL_TARGETS.smooth)),
    targetR: mean(cases.map((c) => c.targetSweep.r)),
    targetAbsR: mean(cases.map((c) => Math.abs(c.targetSweep.r))),
    targetSmoothMax: Math.max(...cases.map((c) => c.targetSweep.smooth)),
    gridMax: Math.max(...cases.map((c) => Math.max(c.grid.p8, c.grid.p16))),
    noGrid: share(cases.map((c) => c.grid.p8 <= GRID_MARGIN && c.grid.p16 <= GRID_MARGIN)),
    deliveredGridMax: Math.max(...cases.map((c) => Math.max(c.deliveredGrid.p8, c.deliveredGrid.p16))),
    deliveredNoGrid: share(
      cases.map((c) => c.deliveredGrid.p8 <= GRID_MARGIN && c.deliveredGrid.p16 <= GRID_MARGIN),
    ),
    ms: mean(cases.map((c) => c.ms)),
  };
}

function verdicts(s: Summary, fidelityOk: boolean): Verdicts {
  return {
    identity: s.identity >= EVAL_TARGETS.identity,
    fidelity: fidelityOk,
    monotone: s.monotone >= EVAL_TARGETS.monotone,
    absR: s.absR >= EVAL_TARGETS.absR,
    smooth: s.smooth <= EVAL_TARGETS.smooth,
    noGrid: s.noGrid >= EVAL_TARGETS.noGrid,
    deliveredNoGrid: s.deliveredNoGrid >= EVAL_TARGETS.noGrid,
  };
}

/** Per family (a family passes fidelity at >= 20 dB) and overall (mean >= 26 dB; no family < 20 apart). */
export function summariseSplit(cases: readonly CaseResult[]): SplitSummary {
  const families: SplitSummary['families'] = {};
  for (const family of FAMILY_IDS) {
    const own = cases.filter((c) => c.family === family);
    if (own.length === 0) continue;
    const s = summariseCases(own);
    families[family] = { ...s, pass: verdicts(s, s.fidelity >= EVAL_TARGETS.fidelityFamily) };
  }
  const ranked = Object.entries(families).sort(([, a], [, b]) => a.fidelity - b.fidelity);
  const [worstFamily, worst] = ranked[0]!;
  const overall = summariseCases(cases);
  return {
    families,
    overall: {
      ...overall,
      worstFamily: worstFamily as FamilyId,
      worstFamilyFidelity: worst.fidelity,
      worstFamilyPass: worst.fidelity >= EVAL_TARGETS.fidelityFamily,
      pass: verdicts(overall, overall.fidelity >= EVAL_TARGETS.fidelityMean),
    },
  };
}

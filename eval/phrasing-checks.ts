/**
 * Issue 14's "Phrasings" target: the held-out instructions of edits.json `phrasingChecks`, judged as a user
 * meets them. The instruction check (`checkInstruction`, step 0 of `EditPipeline.run()`) says whether the
 * edit is refused and what note comes with it; complaints, negations and two-edit instructions then run as
 * eval cases on every eval photo (the 8-frame sweep plus the fidelity strengths, one batch, the eval's seeds)
 * and are scored against their `family`'s calibrated target with the held-out metric: mean PSNR over
 * s in {0.25, 0.5, 0.75, 1}.
 */
import type { EditPipeline } from '../pipeline/edit-pipeline.ts';
import {
  PHRASING_CHECK_KINDS,
  type EditsSpec,
  type PhrasingCheck,
  type PhrasingCheckKind,
} from './edits-spec.ts';
import { BASE_SEED, FIDELITY_STRENGTHS } from './eval-cases.ts';
import { evaluateCase, type EvalSource } from './evaluate-case.ts';
import { readAsTheProductDoes } from './product-reading.ts';

/** Issue 14's fidelity target (mean PSNR, dB), which a complaint, negation or two-edit check must reach. */
export const PHRASING_FIDELITY_DB = 28;

export interface PhrasingCheckResult extends PhrasingCheck {
  /** The pipeline refuses the instruction (UnknownEditError) before running the model. */
  refused: boolean;
  /** The result carries the one-edit note ("it applied ... and left out ..."). */
  oneEditNote: boolean;
  unknownWords: readonly string[];
  /** The note or the refusal, as the user reads it. */
  message: string | undefined;
  /** Mean fidelity over photos and strengths (dB), and per photo; absent for unsupported checks. */
  fidelity?: number;
  fidelityByPhoto?: Record<string, number>;
  pass: boolean;
  /** Pipeline time over every photo, ms. */
  ms: number;
}

export interface PhrasingCheckOptions {
  /** Denoising steps. @defaultValue the bundle's default */
  steps?: number;
}

const mean = (xs: readonly number[]) => xs.reduce((a, v) => a + v, 0) / xs.length;

/** Whether a check passes, from what the user got (see the module comment). */
export function phrasingCheckPasses(
  check: Pick<PhrasingCheckResult, 'kind' | 'refused' | 'oneEditNote' | 'fidelity'>,
): boolean {
  if (check.kind === 'unsupported') return check.refused;
  const faithful = !check.refused && (check.fidelity ?? -Infinity) >= PHRASING_FIDELITY_DB;
  return check.kind === 'two-edit' ? faithful && check.oneEditNote : faithful;
}

/** One check: the instruction check, then (unless unsupported) one eval case per photo. */
export async function evaluatePhrasingCheck(
  pipeline: EditPipeline,
  spec: EditsSpec,
  sources: readonly EvalSource[],
  check: PhrasingCheck,
  options: PhrasingCheckOptions = {},
): Promise<PhrasingCheckResult> {
  // What the user is told, and what the model reads (a two-edit instruction: its applied edit's words).
  const read = readAsTheProductDoes(pipeline.bundle, check.text);
  const judged = {
    ...check,
    refused: read.refused,
    oneEditNote: !read.refused && read.reading.verdict.kind === 'two-edits',
    unknownWords: read.refused ? read.error.unknownWords : read.reading.unknownWords,
    message: read.refused ? read.error.userMessage : read.note,
    ms: 0,
  };
  if (check.family === null) return { ...judged, pass: phrasingCheckPasses(judged) };

  // Scored even when refused: the table then shows what the model would have made of it.
  const fidelityByPhoto: Record<string, number> = {};
  let ms = 0;
  for (const [index, source] of sources.entries()) {
    const result = await evaluateCase(
      pipeline,
      spec,
      source,
      {
        photo: source.name,
        family: check.family,
        split: 'heldOut',
        phrasing: check.text,
        instruction: read.modelInstruction,
        colour: check.colour,
        seed: photoSeed(spec, source.name, index),
      },
      options,
    );
    fidelityByPhoto[source.name] = mean(FIDELITY_STRENGTHS.map((s) => result.fidelity[String(s)]!));
    ms += result.ms;
  }
  const scored = { ...judged, fidelity: mean(Object.values(fidelityByPhoto)), fidelityByPhoto, ms };
  return { ...scored, pass: phrasingCheckPasses(scored) };
}

/** The eval's seed of a photo: BASE_SEED + its index in edits.json's evalPhotos (else in `sources`). */
function photoSeed(spec: EditsSpec, photo: string, index: number): number {
  const known = spec.evalPhotos.indexOf(photo);
  return BASE_SEED + (known >= 0 ? known : index);
}

export interface PhrasingKindSummary {
  kind: PhrasingCheckKind;
  n: number;
  passed: number;
  /** Mean of the checks' fidelities (dB); undefined for unsupported checks. */
  fidelity: number | undefined;
  refused: number;
  /** Two-edit: got the note (as they should); complaint / negation: a note they should not have got. */
  oneEditNotes: number;
}

/** Per kind, in the order of PHRASING_CHECK_KINDS; kinds without checks are left out. */
export function summarisePhrasings(results: readonly PhrasingCheckResult[]): PhrasingKindSummary[] {
  return PHRASING_CHECK_KINDS.flatMap((kind) => {
    const own = results.filter((r) => r.kind === kind);
    if (own.length === 0) return [];
    const fidelities = own.flatMap((r) => (r.fidelity === undefined ? [] : [r.fidelity]));
    return [
      {
        kind,
        n: own.length,
        passed: own.filter((r) => r.pass).length,
        fidelity: fidelities.length > 0 ? mean(fidelities) : undefined,
        refused: own.filter((r) => r.refused).length,
        oneEditNotes: own.filter((r) => r.oneEditNote).length,
      },
    ];
  });
}

/**
 * What the kk-tiny eval runs: one case = one held-out photo x one family x one phrasing (x one tint
 * colour), evaluated as a single batch of strengths (an 8-frame sweep plus the fidelity strengths). The
 * rotation of phrasings and tint colours follows `models/train/evaluate.py`, so the held-out numbers are
 * comparable with the Python eval's.
 */
import { COLOUR_NAMES, FAMILY_IDS, familySpec, renderPhrasing } from './edits-spec.ts';
import type { ColourName, EditsSpec, FamilyId } from './edits-spec.ts';

/** The sweep of FAMILIES.md: 8 frames at s = k / 7. */
export const SWEEP_STRENGTHS: readonly number[] = Array.from({ length: 8 }, (_, k) => k / 7);
/** Fidelity is measured at these strengths (1 is the sweep's last frame). */
export const FIDELITY_STRENGTHS: readonly number[] = [0.25, 0.5, 0.75, 1];
/** One batch per case: the sweep, then the fidelity strengths it lacks. */
export const CASE_STRENGTHS: readonly number[] = [
  ...SWEEP_STRENGTHS,
  ...FIDELITY_STRENGTHS.filter((s) => !SWEEP_STRENGTHS.includes(s)),
];

/** Which phrasings a case uses: the held-out ones (never trained on) or training ones. */
export type PhrasingSplit = 'heldOut' | 'train';
export const PHRASING_SPLITS: readonly PhrasingSplit[] = ['heldOut', 'train'];

/** First seed; photo i uses `BASE_SEED + i` (one noise draw shared by all of a photo's cases). */
export const BASE_SEED = 1000;

export interface EvalCase {
  photo: string;
  family: FamilyId;
  split: PhrasingSplit;
  /** The phrasing as written in edits.json (`{colour}` unfilled) and the instruction sent. */
  phrasing: string;
  instruction: string;
  /** Tint only. */
  colour: ColourName | undefined;
  seed: number;
}

export interface PlanOptions {
  /** Photo names, in the order that gives each its seed and colours. @defaultValue spec.evalPhotos */
  photos?: readonly string[];
  /** @defaultValue ['heldOut', 'train'] */
  splits?: readonly PhrasingSplit[];
  /** Families to run. @defaultValue all 16 */
  families?: readonly FamilyId[];
  /** Training phrasings per photo and family. (Every held-out phrasing runs on every photo.) @defaultValue 2 */
  phrasingsPerPhoto?: number;
}

/**
 * Every case, photo-major. Photo `pi`, phrasing slot `hi`: tint colour `(2 pi + hi) mod 8`; held-out
 * phrasing `hi` for every held-out phrasing (as the Python eval); training phrasing `(2 pi + hi) mod n`,
 * so 4 photos x 2 slots cover 8 different (hand-written) training phrasings.
 */
export function planCases(spec: EditsSpec, options: PlanOptions = {}): EvalCase[] {
  const photos = options.photos ?? spec.evalPhotos;
  const splits = options.splits ?? PHRASING_SPLITS;
  const families = options.families ?? FAMILY_IDS;
  const slots = options.phrasingsPerPhoto ?? 2;
  if (!Number.isInteger(slots) || slots < 1)
    throw new RangeError(`phrasingsPerPhoto must be a positive integer, got ${slots}`);
  const cases: EvalCase[] = [];
  photos.forEach((photo, pi) => {
    for (const split of splits) {
      const splitSlots =
        split === 'heldOut'
          ? Math.max(...families.map((f) => familySpec(spec, f).phrasings.heldOut.length))
          : slots;
      for (let hi = 0; hi < splitSlots; hi++)
        for (const family of families) {
          const list = familySpec(spec, family).phrasings[split];
          if (split === 'heldOut' && hi >= list.length) continue;
          const index = split === 'heldOut' ? hi : 2 * pi + hi;
          const phrasing = list[index % list.length]!;
          const colour = family === 'tint' ? COLOUR_NAMES[(2 * pi + hi) % COLOUR_NAMES.length] : undefined;
          cases.push({
            photo,
            family,
            split,
            phrasing,
            instruction: colour ? renderPhrasing(phrasing, colour) : phrasing,
            colour,
            seed: BASE_SEED + pi,
          });
        }
    }
  });
  return cases;
}

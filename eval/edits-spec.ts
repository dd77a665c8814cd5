/**
 * The schema of a trained bundle's `edits.json` (the numbers behind `models/train/FAMILIES.md`): families
 * with their calibration tables (33 entries, s_i = i/32), tint colours, phrasings with the held-out split.
 * The Python trainer writes it; the eval reads it to compute the exact target of every edit.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

/** Every family the model was trained on, in the trainer's order (`models/train/edits.py`). */
export const FAMILY_IDS = [
  'grayscale',
  'sepia',
  'brighter',
  'darker',
  'contrast',
  'faded',
  'warmer',
  'cooler',
  'vivid',
  'blur',
  'invert',
  'vignette',
  'night',
  'fog',
  'tint',
  'hue',
] as const;
export type FamilyId = (typeof FAMILY_IDS)[number];

/** The trainer's colour order: eval cases rotate through it by index. */
export const COLOUR_NAMES = ['red', 'orange', 'yellow', 'green', 'cyan', 'blue', 'purple', 'pink'] as const;
export type ColourName = (typeof COLOUR_NAMES)[number];

export const CALIBRATION_ENTRIES = 33;

const rgb = z.tuple([z.number(), z.number(), z.number()]);
const table = z.array(z.number()).length(CALIBRATION_ENTRIES);
const phrasings = z.object({
  train: z.array(z.string().min(1)).min(1),
  heldOut: z.array(z.string().min(1)).min(1),
});
const family = z.object({
  pMax: z.number().positive(),
  formula: z.string(),
  calibration: z.object({
    // Per colour for tint, one table for every other family.
    params: z.union([table, z.record(z.string(), table)]),
  }),
  phrasings,
});

/** What a phrasing check tests (issue 14's "Phrasings" target); see eval/phrasing-checks.ts. */
export const PHRASING_CHECK_KINDS = ['complaint', 'negation', 'two-edit', 'unsupported'] as const;
export type PhrasingCheckKind = (typeof PHRASING_CHECK_KINDS)[number];

/**
 * A held-out instruction (never trained on) and what it should give: complaints ("too bright") and
 * negations ("not so dark") the edit `family` names; two-edit instructions their first edit (`family`) plus
 * the one-edit note; unsupported ones (`family` null) the unknown-edit refusal. `colour`: tint only.
 */
const phrasingCheck = z
  .object({
    text: z.string().min(1),
    kind: z.enum(PHRASING_CHECK_KINDS),
    family: z.enum(FAMILY_IDS).nullable(),
    colour: z.enum(COLOUR_NAMES).optional(),
  })
  .refine((check) => (check.family === null) === (check.kind === 'unsupported'), {
    message: 'family is null exactly for kind "unsupported"',
  })
  .refine((check) => (check.colour !== undefined) === (check.family === 'tint'), {
    message: 'colour is given exactly for family "tint"',
  });
export type PhrasingCheck = z.infer<typeof phrasingCheck>;

export const editsSpecSchema = z.object({
  format: z.literal('kk-tiny-edits'),
  version: z.literal(1),
  colours: z.record(z.string(), rgb),
  tintK: z.number(),
  luma: rgb,
  evalPhotos: z.array(z.string().min(1)),
  families: z.record(z.string(), family),
  /** Absent in bundles trained before issue 14 (kk-tiny 3): the eval's phrasings section is then skipped. */
  phrasingChecks: z.array(phrasingCheck).optional(),
});
export type EditsSpec = z.infer<typeof editsSpecSchema>;
export type FamilySpec = z.infer<typeof family>;

/** `edits.json` missing a family or colour the port knows, or unreadable. */
export class EditsSpecError extends Error {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'EditsSpecError';
  }
}

/** Validates a parsed `edits.json`; every family and tint colour of the port must be present. */
export function parseEditsSpec(json: unknown): EditsSpec {
  const parsed = editsSpecSchema.safeParse(json);
  if (!parsed.success) throw new EditsSpecError(`edits.json: ${z.prettifyError(parsed.error)}`);
  const spec = parsed.data;
  for (const id of FAMILY_IDS)
    if (!spec.families[id]) throw new EditsSpecError(`edits.json has no family "${id}"`);
  for (const colour of COLOUR_NAMES) {
    if (!spec.colours[colour]) throw new EditsSpecError(`edits.json has no colour "${colour}"`);
    tintTable(spec, colour);
  }
  return spec;
}

/** Reads and validates `<modelDir>/edits.json`. */
export async function loadEditsSpec(modelDir: string): Promise<EditsSpec> {
  const path = join(modelDir, 'edits.json');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new EditsSpecError(`cannot read ${path}: the eval needs the bundle's edits.json`, { cause });
  }
  return parseEditsSpec(JSON.parse(text));
}

export function familySpec(spec: EditsSpec, id: FamilyId): FamilySpec {
  const found = spec.families[id];
  if (!found) throw new EditsSpecError(`edits.json has no family "${id}"`);
  return found;
}

/** The calibration table of a family (tint: of one colour). */
export function calibrationTable(spec: EditsSpec, id: FamilyId, colour?: ColourName): readonly number[] {
  if (id === 'tint') {
    if (!colour) throw new RangeError('tint needs a colour');
    return tintTable(spec, colour);
  }
  const params = familySpec(spec, id).calibration.params;
  if (!Array.isArray(params)) throw new EditsSpecError(`edits.json: ${id} has per-colour tables`);
  return params;
}

function tintTable(spec: EditsSpec, colour: ColourName): readonly number[] {
  const params = familySpec(spec, 'tint').calibration.params;
  const found = Array.isArray(params) ? undefined : params[colour];
  if (!found) throw new EditsSpecError(`edits.json: tint has no calibration table for "${colour}"`);
  return found;
}

/** A phrasing with `{colour}` filled in (as `models/train/phrasings.py` `render`). */
export function renderPhrasing(phrasing: string, colour: ColourName): string {
  return phrasing.replaceAll('{colour}', colour);
}

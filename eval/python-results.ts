/**
 * The Python eval's numbers (`models/train/runs/<run>/results.json`, written by `models/train/evaluate.py`)
 * for a side-by-side comparison: a family far off hints at a porting error rather than the model.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { FamilyId } from './edits-spec.ts';

const familyResult = z.object({
  identity: z.number(),
  fidelity: z.number(),
  monotone: z.number(),
  r: z.number(),
  targetR: z.number(),
  targetSmooth: z.number(),
});
export type PythonFamilyResult = z.infer<typeof familyResult>;

const resultsSchema = z.object({
  eval: z.record(z.string(), z.unknown()),
});
const stepsSchema = z.object({ families: z.record(z.string(), familyResult) });

/** The per-family results at `steps` denoising steps, or undefined when the file has none. */
export async function loadPythonResults(
  path: string,
  steps: number,
): Promise<Partial<Record<FamilyId, PythonFamilyResult>> | undefined> {
  const results = resultsSchema.parse(JSON.parse(await readFile(path, 'utf8')));
  const atSteps = stepsSchema.safeParse(results.eval[`steps${steps}`]);
  return atSteps.success
    ? (atSteps.data.families as Partial<Record<FamilyId, PythonFamilyResult>>)
    : undefined;
}

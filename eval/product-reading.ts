/**
 * How the product reads an instruction before any model runs (`checkInstruction`, step 0 of
 * `EditPipeline.run`), with a refusal as a value rather than a throw: the evals score a refused
 * instruction too, on its own words, so the tables show what the model would have made of it.
 */
import type { ModelBundle } from '../models/load-bundle.ts';
import { UnknownEditError } from '../pipeline/errors.ts';
import { checkInstruction, type InstructionCheck } from '../pipeline/instruction-check.ts';

export type ProductReading =
  | (InstructionCheck & { refused: false })
  | { refused: true; error: UnknownEditError; modelInstruction: string };

export function readAsTheProductDoes(bundle: ModelBundle, instruction: string): ProductReading {
  try {
    return { ...checkInstruction(bundle, instruction), refused: false };
  } catch (error) {
    if (error instanceof UnknownEditError) return { refused: true, error, modelInstruction: instruction };
    throw error;
  }
}

/**
 * Step 0 of `EditPipeline.run()`: reads the instruction against the bundle's capabilities before any model
 * runs. Throws `UnknownEditError` when a closed bundle would have to guess (no word names one of its
 * edits); otherwise returns the note for the result (unknown words, an edit left out) and the text the model
 * reads. The eval calls it too, so the phrasing checks judge exactly what users get.
 */
import { instructionNote } from '../commands/instruction-notes.ts';
import {
  isConjunctionWord,
  readInstruction,
  type InstructionReading,
} from '../commands/instruction-reading.ts';
import type { ModelBundle } from '../models/load-bundle.ts';
import { UnknownEditError } from './errors.ts';

export interface InstructionCheck {
  reading: InstructionReading;
  /** The result's note; undefined when there is nothing to say. */
  note: string | undefined;
  /**
   * What the text encoders read: the instruction itself, except that a one-edit bundle given two edits
   * ("make it darker and warmer") reads only the applied one's words ("make it darker"), so the edit made is
   * the one the note names, however the model would weigh the words it leaves out.
   */
  modelInstruction: string;
}

export function checkInstruction(bundle: ModelBundle, instruction: string): InstructionCheck {
  // An empty or missing instruction is the input check's to report (EditInputError), not a refusal.
  if (typeof instruction !== 'string' || instruction.trim() === '')
    return { reading: readInstruction('', undefined), note: undefined, modelInstruction: instruction };
  const { manifest } = bundle;
  const capabilities = manifest.capabilities;
  const reading = readInstruction(
    instruction,
    capabilities,
    bundle.tokenizers.clip.unknownWords(instruction).filter((word) => !isConjunctionWord(word)),
  );
  // manifest.id ("kk-tiny"), not the pipeline's "id@version": the name users know the model by.
  if (reading.verdict.kind === 'no-edit' && capabilities)
    throw new UnknownEditError(manifest.id, capabilities, reading.unknownWords);
  return {
    reading,
    note: instructionNote(manifest.id, reading, capabilities) || undefined,
    modelInstruction: reading.verdict.kind === 'two-edits' ? reading.verdict.applied : instruction,
  };
}

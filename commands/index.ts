/** The `/edit` grammar and everything built from it; other layers import from here. */
export type { EditRequest, StrengthSpec } from './edit-request.ts';
export { strengthsOf, sweepStrengths } from './edit-request.ts';
export { UserFacingError } from './errors.ts';
export { CommandError, type CommandErrorCode } from './command-error.ts';
export * from './limits.ts';
export { parseSeed, parseSteps, parseStrength, checkStrengthValue } from './option-values.ts';
export { classifyToken, closestOption, editDistance, type ClassifiedToken } from './classify-token.ts';
export {
  codePointLength,
  editRequestFromOptions,
  parseEditCommand,
  splitEditCommand,
  type EditCommandOptions,
  type SplitCommand,
} from './parse-edit-command.ts';
export { formatEditCommand, formatStrength } from './format-edit-command.ts';
export {
  EDIT_ACTIONS,
  applyEditAction,
  asSweep,
  canApplyAction,
  canStrengthen,
  canWeaken,
  randomSeed,
  stronger,
  weaker,
  withNewSeed,
  withStrength,
  type EditAction,
} from './edit-variants.ts';
export {
  HELP_TEXT_MAX_LENGTH,
  buildHelpText,
  unknownWordsNote,
  usageLine,
  type HelpCapabilities,
  type HelpTextOptions,
} from './help-text.ts';
export {
  instructionWords,
  readInstruction,
  type CuedClause,
  type InstructionReading,
  type InstructionVerdict,
  type ReadingCapabilities,
} from './instruction-reading.ts';
export { instructionNote, unknownEditText } from './instruction-notes.ts';
export * from './definitions.ts';

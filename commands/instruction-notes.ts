/**
 * What a user is told about how a bundle read their instruction (commands/instruction-reading.ts): the
 * note that comes with a result (unknown words, an edit left out) and the refusal of an instruction that
 * names no edit of a closed bundle. Platform-neutral text: the bots escape it, the CLI prints it as is.
 */
import { unknownWordsNote, type HelpCapabilities } from './help-text.ts';
import type { InstructionReading, InstructionVerdict } from './instruction-reading.ts';

/** Unknown words quoted in a refusal; more are counted, not listed (an instruction has up to 500 characters). */
const MAX_QUOTED_WORDS = 5;
/** Edit names listed in a refusal; a long list is cut with "and N more". */
const MAX_LISTED_EDITS = 24;
/** Example instructions suggested in a refusal's hint. */
const HINT_EXAMPLES = 3;

/** "a", "a" and "b", "a", "b" and "c". */
function quoteList(items: readonly string[]): string {
  const quoted = items.map((item) => `"${item}"`);
  return quoted.length <= 1 ? (quoted[0] ?? '') : `${quoted.slice(0, -1).join(', ')} and ${quoted.at(-1)}`;
}

/** The one-edit sentences, without the model's name: "makes one edit per instruction: it applied ...". */
function oneEditSentences(verdict: Extract<InstructionVerdict, { kind: 'two-edits' }>): string {
  const { applied, leftOut } = verdict;
  const again =
    leftOut.length === 1
      ? `To add it, edit this result again with "${leftOut[0]}".`
      : 'To add them, edit this result again with each in turn.';
  return `makes one edit per instruction: it applied "${applied}" and left out ${quoteList(leftOut)}. ${again}`;
}

/**
 * The note for a result: words the model does not know, an edit it left out, or both in one string;
 * empty when there is nothing to say. `modelName` is how users know the model ("kk-tiny").
 */
export function instructionNote(
  modelName: string,
  reading: InstructionReading,
  capabilities?: HelpCapabilities,
): string {
  const oneEdit = reading.verdict.kind === 'two-edits' ? oneEditSentences(reading.verdict) : '';
  if (reading.unknownWords.length === 0) return oneEdit ? `Note: ${modelName} ${oneEdit}` : '';
  // With an edit left out the user plainly used edits it knows: the suggestions would only lengthen it.
  if (!oneEdit) return unknownWordsNote(modelName, reading.unknownWords, capabilities);
  return `${unknownWordsNote(modelName, reading.unknownWords)} It also ${oneEdit}`;
}

/** The refusal of an instruction that names none of a closed bundle's edits, as a message and a hint. */
export function unknownEditText(
  modelName: string,
  capabilities: HelpCapabilities,
  unknownWords: readonly string[],
): { userMessage: string; hint: string | undefined } {
  const names = capabilities.edits.map((edit) => edit.name);
  const listed =
    names.length > MAX_LISTED_EDITS
      ? `${names.slice(0, MAX_LISTED_EDITS).join(', ')} and ${names.length - MAX_LISTED_EDITS} more`
      : names.join(', ');
  const edits = names.length === 1 ? 'this edit' : `these ${names.length} edits`;
  const shown = unknownWords.slice(0, MAX_QUOTED_WORDS);
  const more = unknownWords.length - shown.length;
  const why =
    shown.length === 0
      ? 'No word of the instruction names one of them.'
      : `It doesn't know ${quoteList(shown)}${more > 0 ? ` (and ${more} more words)` : ''}.`;
  const examples = capabilities.edits
    .map((edit) => edit.examples[0])
    .filter((example): example is string => example !== undefined)
    .slice(0, HINT_EXAMPLES);
  return {
    userMessage: `${modelName} can't do that: it only makes ${edits}: ${listed}. ${why}`,
    hint:
      examples.length > 0
        ? `try an instruction such as ${examples.map((e) => `"${e}"`).join(', ')}`
        : undefined,
  };
}

/**
 * The `/edit` help message, in text both Discord and Slack render (plain lines, `code` spans).
 * Built from the grammar's constants, so the numbers in it cannot drift from what the parser accepts.
 */
import {
  DEFAULT_STRENGTH,
  EDIT_COMMAND_NAME,
  INSTRUCTION_MAX_LENGTH,
  MAX_SEED,
  MAX_STEPS,
  MAX_SWEEP_FRAMES,
  MIN_STEPS,
  MIN_SWEEP_FRAMES,
  STRENGTH_STEP,
} from './limits.ts';

/** What a model bundle says it is good at (the `capabilities` block of model.json). */
export interface HelpCapabilities {
  summary?: string;
  /** Only the listed edits: other instructions are refused (see commands/instruction-reading.ts). */
  closed?: boolean;
  /** One edit per instruction: a second edit named is left out, with a note. */
  oneEditPerInstruction?: boolean;
  edits: ReadonlyArray<{ name: string; examples: readonly string[] }>;
}

export interface HelpTextOptions {
  /** Edit kinds and example instructions to list. @defaultValue none (the section is left out) */
  capabilities?: HelpCapabilities;
  /** How to give the image on this platform. @defaultValue 'Attach the image to edit.' */
  attachHint?: string;
  /** The model's `defaults.sweepFrames`, named in the sweep line. @defaultValue none ("the model's default") */
  sweepFrames?: number;
  /** Longest text returned; capabilities are cut to fit. @defaultValue HELP_TEXT_MAX_LENGTH */
  maxLength?: number;
}

/** Fits one Discord message (2000 characters) with room to spare. */
export const HELP_TEXT_MAX_LENGTH = 1900;
const EXAMPLES_PER_EDIT = 2;

export function usageLine(): string {
  return `/${EDIT_COMMAND_NAME} <instruction> [strength:<0-1|sweep|sweep:N>] [seed:<number>] [steps:<${MIN_STEPS}-${MAX_STEPS}>]`;
}

export function buildHelpText(options: HelpTextOptions = {}): string {
  const maxLength = options.maxLength ?? HELP_TEXT_MAX_LENGTH;
  const cmd = `/${EDIT_COMMAND_NAME}`;
  const base = [
    `*${cmd}* edits an image the way you describe, as gently or as strongly as you like.`,
    '',
    `Usage: \`${usageLine()}\``,
    `${options.attachHint ?? 'Attach the image to edit.'} The instruction is up to ${INSTRUCTION_MAX_LENGTH} characters.`,
    '',
    'Strength is how far the edit goes: 0 keeps the image, 1 is the full edit' +
      ` (the default is ${DEFAULT_STRENGTH}).`,
    '• `strength:0.4` or `strength:40%` - one image at that strength',
    `• \`strength:sweep\` - an animation of ${options.sweepFrames ?? "the model's default number of"} strengths from 0 to 1;` +
      ` \`strength:sweep:10\` for 10 frames (${MIN_SWEEP_FRAMES}-${MAX_SWEEP_FRAMES})`,
    `• \`seed:42\` repeats a result (0-${MAX_SEED}); \`steps:${MIN_STEPS}-${MAX_STEPS}\` trades speed for detail`,
    'Options can go anywhere. Only strength, seed and steps are options, so words like `16:9`, `10:30`' +
      ' or links stay in the instruction.',
    '',
    'Examples:',
    `• \`${cmd} make it snowy\``,
    `• \`${cmd} turn the cat into a tiger strength:0.6\``,
    `• \`${cmd} make it a watercolor painting strength:sweep:8 seed:42\``,
    '',
    `Buttons under a result: Weaker / Stronger (${STRENGTH_STEP} less or more), Sweep, New seed.`,
  ].join('\n');
  if (!options.capabilities) return truncate(base, maxLength);
  return truncate(
    `${base}\n\n${capabilityLines(options.capabilities, maxLength - base.length - 2)}`,
    maxLength,
  );
}

/** The capabilities section, cut to `budget` characters with an "also: <names>" or "... and N more" line. */
function capabilityLines(capabilities: HelpCapabilities, budget: number): string {
  const lines = [
    capabilities.summary
      ? `What this model does well: ${capabilities.summary}`
      : 'What this model does well:',
    ...limitsLine(capabilities),
  ];
  let used = lines.join('\n').length;
  const edits = capabilities.edits;
  // The edits that do not fit with examples are named when the names fit (a closed model's help must show
  // every edit it makes), else counted.
  const named = (from: number) =>
    `• also: ${edits
      .slice(from)
      .map((edit) => edit.name)
      .join(', ')}`;
  const counted = (from: number) => `• ... and ${edits.length - from} more`;
  const rest = used + 1 + named(0).length <= budget ? named : counted;
  for (let i = 0; i < edits.length; i++) {
    const edit = edits[i];
    if (!edit) continue;
    const examples = edit.examples.slice(0, EXAMPLES_PER_EDIT).map((example) => `\`${asCommand(example)}\``);
    const line = `• ${edit.name}: ${examples.join(', ')}`;
    if (i < edits.length - 1 && used + 1 + line.length + 1 + rest(i + 1).length > budget) {
      lines.push(rest(i));
      break;
    }
    lines.push(line);
    used += 1 + line.length;
  }
  return lines.join('\n');
}

/** How a closed or one-edit model reads instructions, so the refusal and the note come as no surprise. */
function limitsLine(capabilities: HelpCapabilities): string[] {
  const { closed, oneEditPerInstruction } = capabilities;
  const again = 'edit the result again for a second one';
  if (closed && oneEditPerInstruction)
    return [`It makes only the edits below, one per instruction (${again}); it refuses anything else.`];
  if (closed) return ['It makes only the edits below and refuses anything else.'];
  if (oneEditPerInstruction) return [`It makes one edit per instruction (${again}).`];
  return [];
}

function asCommand(example: string): string {
  return `/${EDIT_COMMAND_NAME} ${example.replace(/`/g, "'")}`;
}

function truncate(text: string, maxLength: number): string {
  if (text.length <= maxLength) return text;
  let end = Math.max(0, maxLength - 1);
  // Don't cut a surrogate pair in half.
  if (end > 0 && /[\uDC00-\uDFFF]/.test(text[end] ?? '')) end--;
  return `${text.slice(0, end)}…`;
}

/**
 * The note shown when an instruction has words the model's vocabulary lacks (the model never sees them,
 * so it may misread the instruction), with a few instructions from the model's capabilities that it does
 * know. Empty when every word is known.
 */
export function unknownWordsNote(
  modelId: string,
  words: readonly string[],
  capabilities?: HelpCapabilities,
): string {
  if (words.length === 0) return '';
  const quoted = words.map((word) => `"${word}"`).join(', ');
  const these = words.length === 1 ? 'this word' : 'these words';
  const examples = (capabilities?.edits ?? [])
    .map((edit) => edit.examples[0])
    .filter((example): example is string => example !== undefined)
    .slice(0, 4)
    .map((example) => `"${example}"`);
  const known = examples.length > 0 ? ` It knows instructions such as ${examples.join(', ')}.` : '';
  return `Note: ${modelId} does not know ${these}: ${quoted}, so it may misread the instruction.${known}`;
}

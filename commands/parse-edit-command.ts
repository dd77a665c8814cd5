/**
 * The `/edit` text grammar: `<instruction> [strength:<0-1|N%|sweep|sweep:N>] [seed:<int>] [steps:<int>]`.
 *
 * - Options may appear anywhere; every other word is the instruction, in order, with runs of
 *   whitespace folded to one space. `key=value` is accepted as well as `key:value`; keys ignore case.
 * - Which `key:value` words count as options is the colon rule in `classify-token.ts`.
 * - strength defaults to DEFAULT_STRENGTH (1, the full edit); seed and steps stay unset.
 * - Each option at most once. Control characters and broken UTF-16 are rejected, not stripped.
 * - Invisible characters (zero-width, soft hyphen, bidi controls: Unicode's default-ignorable set) may
 *   sit inside instruction words, but an instruction with nothing visible is refused, and a word that
 *   would be an option without them (`strength\u200b:0.3`) is an error: kept as text it would
 *   silently run at the default strength.
 *
 * Everything that goes wrong throws a CommandError; nothing else escapes (property-tested).
 */
import type { EditRequest } from './edit-request.ts';
import { CommandError } from './command-error.ts';
import { classifyToken, closestOption } from './classify-token.ts';
import {
  COMMAND_MAX_LENGTH,
  DEFAULT_STRENGTH,
  INSTRUCTION_MAX_LENGTH,
  OPTION_NAMES,
  type OptionName,
} from './limits.ts';
import { checkStrengthValue, parseSeed, parseSteps, parseStrength } from './option-values.ts';

/** C0/C1 control characters other than the whitespace ones (which fold to spaces), and lone surrogates. */
const FORBIDDEN_CHARACTER = /(?![\t\n\v\f\r])[\p{Cc}\p{Cs}]/u;

/** Characters that render as nothing: format/bidi controls, variation selectors, fillers, whitespace. */
const INVISIBLE = /[\p{Default_Ignorable_Code_Point}\p{White_Space}\u2800]/gu;

const USAGE_HINT = 'e.g. /edit make it snowy strength:0.5';

/** The instruction and the raw option values, before the values are parsed. */
export interface SplitCommand {
  instruction: string;
  options: Partial<Record<OptionName, string>>;
}

/** Splits text into instruction words and options (validating characters, lengths and option names). */
export function splitEditCommand(text: string): SplitCommand {
  if (text.length > COMMAND_MAX_LENGTH) throw instructionTooLong();
  if (FORBIDDEN_CHARACTER.test(text)) {
    throw new CommandError('invalid_characters', 'The command contains control characters', {
      hint: 'type the instruction as plain text',
    });
  }

  const words: string[] = [];
  const options: Partial<Record<OptionName, string>> = {};
  for (const token of text.split(/\s+/)) {
    if (token === '') continue;
    const classified = classifyToken(token);
    checkHiddenOption(token);
    switch (classified.kind) {
      case 'text':
        words.push(token);
        break;
      case 'option':
        if (options[classified.name] !== undefined) throw duplicateOption(classified.name);
        options[classified.name] = classified.value;
        break;
      case 'missing-value':
        throw new CommandError('missing_value', `${classified.name} needs a value right after the colon`, {
          hint: `write it without a space, e.g. ${exampleFor(classified.name)}`,
          option: classified.name,
        });
      case 'unknown':
        throw new CommandError(
          'unknown_option',
          `'${classified.key}' is not an option (options: strength, seed, steps)`,
          {
            hint: classified.hint,
            option: classified.key,
            value: classified.value,
          },
        );
    }
  }

  const instruction = words.join(' ');
  if (instruction === '') {
    throw new CommandError('instruction_missing', 'Tell me what to change in the image', {
      hint: USAGE_HINT,
    });
  }
  if (instruction.replace(INVISIBLE, '') === '') {
    throw new CommandError('instruction_missing', 'The instruction has only invisible characters', {
      hint: `type what to change as plain text, ${USAGE_HINT}`,
    });
  }
  if (codePointLength(instruction) > INSTRUCTION_MAX_LENGTH) throw instructionTooLong();
  return { instruction, options };
}

/** A word that is an option once its invisible characters are removed is an error, never text or a value. */
function checkHiddenOption(token: string): void {
  const visible = token.replace(INVISIBLE, '');
  if (visible === token) return;
  const classified = classifyToken(visible);
  if (classified.kind === 'text') return;
  const option = classified.kind === 'unknown' ? classified.key : classified.name;
  throw new CommandError('invalid_characters', `'${option}' contains invisible characters`, {
    hint: `retype the option as plain text, e.g. ${exampleFor(closestOptionName(option))}`,
    option,
  });
}

function closestOptionName(key: string): OptionName {
  return OPTION_NAMES.find((name) => name === key) ?? closestOption(key) ?? 'strength';
}

/** Parses `/edit` text (what follows the command name) into an EditRequest; throws CommandError. */
export function parseEditCommand(text: string): EditRequest {
  const { instruction, options } = splitEditCommand(text);
  return buildRequest(instruction, options);
}

/** Options as a platform delivers them when it has already split them (Discord slash command options). */
export interface EditCommandOptions {
  instruction: string;
  /** Same forms as the text grammar (`0.3`, `30%`, `sweep:8`), or a number in [0, 1]. */
  strength?: string | number | null;
  seed?: string | number | null;
  steps?: string | number | null;
}

/**
 * Builds an EditRequest from structured options with the same rules as the text grammar. The
 * instruction itself goes through the text grammar, so options typed into it still work; giving
 * an option both ways is a duplicate_option error. null, undefined and blank strings mean "not given".
 *
 * The input usually comes straight from a platform's JSON, so its types are checked here too: a value
 * of any other type is the option's CommandError, never a TypeError.
 */
export function editRequestFromOptions(input: EditCommandOptions): EditRequest {
  // Typed as EditCommandOptions for callers, but read as unknown: a signed payload can carry anything.
  const raw: unknown = input;
  const fields = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  if (typeof fields.instruction !== 'string') {
    throw new CommandError('instruction_missing', 'Tell me what to change in the image', {
      hint: USAGE_HINT,
    });
  }
  const { instruction, options } = splitEditCommand(fields.instruction);
  const merged: OptionValues = { ...options };
  for (const name of OPTION_NAMES) {
    const given = fields[name];
    if (given === undefined || given === null || (typeof given === 'string' && given.trim() === '')) continue;
    if (typeof given !== 'string' && typeof given !== 'number') throw wrongType(name);
    if (merged[name] !== undefined) throw duplicateOption(name);
    merged[name] = given;
  }
  return buildRequest(instruction, merged);
}

/** An option value that is neither text nor a number: the option's own error, as for a bad value. */
function wrongType(name: OptionName): CommandError {
  const code = ({ strength: 'invalid_strength', seed: 'invalid_seed', steps: 'invalid_steps' } as const)[
    name
  ];
  return new CommandError(code, `${name} must be text or a number`, {
    hint: `e.g. ${exampleFor(name)}`,
    option: name,
  });
}

type OptionValues = Partial<Record<OptionName, string | number>>;

function buildRequest(instruction: string, options: OptionValues): EditRequest {
  const { strength, seed, steps } = options;
  const request: EditRequest = {
    instruction,
    strength:
      strength === undefined
        ? { kind: 'single', value: DEFAULT_STRENGTH }
        : typeof strength === 'number'
          ? checkStrengthValue(strength)
          : parseStrength(strength),
  };
  // Unset options stay absent (not `undefined`), so requests compare equal after a round trip.
  if (seed !== undefined) request.seed = parseSeed(seed);
  if (steps !== undefined) request.steps = parseSteps(steps);
  return request;
}

function duplicateOption(name: OptionName): CommandError {
  return new CommandError('duplicate_option', `${name} is given more than once`, {
    hint: `keep one, e.g. ${exampleFor(name)}`,
    option: name,
  });
}

function instructionTooLong(): CommandError {
  return new CommandError(
    'instruction_too_long',
    `The instruction is too long (at most ${INSTRUCTION_MAX_LENGTH} characters)`,
    {
      hint: 'describe the change in a sentence or two',
    },
  );
}

function exampleFor(name: OptionName): string {
  return { strength: 'strength:0.4', seed: 'seed:42', steps: 'steps:24' }[name];
}

/** Length in Unicode code points, so an emoji counts once (Discord's max_length is at least this lenient). */
export function codePointLength(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

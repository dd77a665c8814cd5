/**
 * Every way a command can be rejected. Adapters show `userMessage` and `hint` as-is and branch
 * on `code`; `option` and `value` are for logs (never echo `value` into a chat unescaped).
 */
import { UserFacingError } from './errors.ts';

export type CommandErrorCode =
  /** Nothing left after the options were taken out. */
  | 'instruction_missing'
  /** Instruction longer than INSTRUCTION_MAX_LENGTH, or the whole text longer than COMMAND_MAX_LENGTH. */
  | 'instruction_too_long'
  /** Control characters or broken UTF-16 (lone surrogates). */
  | 'invalid_characters'
  | 'invalid_strength'
  /** `strength:sweep:N` with N not a whole number in MIN_SWEEP_FRAMES..MAX_SWEEP_FRAMES. */
  | 'invalid_sweep'
  | 'invalid_seed'
  | 'invalid_steps'
  /** `strength:` with nothing after the colon. */
  | 'missing_value'
  | 'duplicate_option'
  /** A `key:value` whose key is a near miss of a known option (`strenght:0.3`), or a reserved word (`sweep:8`). */
  | 'unknown_option'
  /** weaker / stronger asked of a sweep, which has no single strength to move. */
  | 'not_single';

export class CommandError extends UserFacingError {
  declare readonly code: CommandErrorCode;
  /** The option the error is about, if any (e.g. "strength"). */
  readonly option: string | undefined;
  /** The offending raw value, for logs. */
  readonly value: string | undefined;

  constructor(
    code: CommandErrorCode,
    userMessage: string,
    options: { hint?: string; option?: string; value?: string; cause?: unknown } = {},
  ) {
    super(code, userMessage, options);
    this.option = options.option;
    this.value = options.value;
  }
}

/**
 * Quotes a user's value for an error message only when it is short and plainly harmless
 * (no mentions, links or markup), so a bad option can't make the bot ping or render anything.
 */
export function quoteValue(value: string): string {
  return isSafeToEcho(value) ? ` (got '${value}')` : '';
}

/** Short, and only letters, digits and `. , % : + - _`: safe to put in a chat message verbatim. */
export function isSafeToEcho(value: string): boolean {
  return /^[\w.,%:+-]{1,24}$/.test(value);
}

/**
 * Parsers for each option's value, shared by the text grammar, the structured (slash command)
 * entry point and the pipeline CLI's flags. Each returns a typed value or throws a CommandError.
 */
import type { StrengthSpec } from './edit-request.ts';
import { CommandError, quoteValue } from './command-error.ts';
import {
  MAX_SEED,
  MAX_STEPS,
  MAX_SWEEP_FRAMES,
  MIN_SEED,
  MIN_STEPS,
  MIN_SWEEP_FRAMES,
  STRENGTH_MAX_LENGTH,
} from './limits.ts';

/** Plain decimals only: `1`, `0.3`, `.3`, `1.`, `0,3` (comma decimals are common outside English). */
const DECIMAL = /^(?:\d+(?:[.,]\d*)?|[.,]\d+)$/;
/** Exponent form is accepted only so that every finite number the formatter writes parses back. */
const EXPONENT = /^(?:\d+(?:\.\d*)?|\.\d+)e[+-]?\d+$/i;
const PERCENT = /^(\d+(?:[.,]\d*)?|[.,]\d+)%$/;
const SWEEP = /^sweep(?::(.*))?$/i;
const DIGITS = /^\d+$/;

const STRENGTH_HINT = 'try strength:0.4, strength:40% or strength:sweep';

/**
 * Parses a strength value: a number in [0, 1] (`0.3`, `.3`, `30%`, `1`, `0`), `sweep`
 * (the model's default frame count) or `sweep:N` (N in MIN_SWEEP_FRAMES..MAX_SWEEP_FRAMES).
 * Case and surrounding whitespace are ignored.
 */
export function parseStrength(value: string): StrengthSpec {
  const text = value.trim();
  const sweep = SWEEP.exec(text);
  if (sweep) {
    const frames = parseSweepFrames(sweep[1]);
    return frames === undefined ? { kind: 'sweep' } : { kind: 'sweep', frames };
  }

  let number: number | undefined;
  const percent = PERCENT.exec(text);
  if (percent?.[1] !== undefined) number = toNumber(percent[1]) / 100;
  else if (DECIMAL.test(text) || EXPONENT.test(text)) number = toNumber(text);

  if (text.length > STRENGTH_MAX_LENGTH || number === undefined || !(number >= 0 && number <= 1)) {
    throw new CommandError(
      'invalid_strength',
      `strength must be between 0 and 1, or 'sweep'${quoteValue(text)}`,
      {
        hint: STRENGTH_HINT,
        option: 'strength',
        value,
      },
    );
  }
  // `+ 0` turns -0 into 0 so that equal-looking requests compare equal.
  return { kind: 'single', value: number + 0 };
}

function parseSweepFrames(frames: string | undefined): number | undefined {
  if (frames === undefined) return undefined;
  const count = DIGITS.test(frames) ? Number(frames) : NaN;
  if (!(count >= MIN_SWEEP_FRAMES && count <= MAX_SWEEP_FRAMES)) {
    throw new CommandError(
      'invalid_sweep',
      `a sweep has ${MIN_SWEEP_FRAMES} to ${MAX_SWEEP_FRAMES} frames${quoteValue(frames)}`,
      { hint: `try strength:sweep or strength:sweep:8`, option: 'strength', value: `sweep:${frames}` },
    );
  }
  return count;
}

/** Validates a strength that arrived as a number (structured options, buttons). */
export function checkStrengthValue(value: number): StrengthSpec {
  if (!(Number.isFinite(value) && value >= 0 && value <= 1)) {
    throw new CommandError('invalid_strength', "strength must be between 0 and 1, or 'sweep'", {
      hint: STRENGTH_HINT,
      option: 'strength',
      value: String(value),
    });
  }
  return { kind: 'single', value: value + 0 };
}

/** Parses a seed: a whole number in MIN_SEED..MAX_SEED, written in plain digits. */
export function parseSeed(value: string | number): number {
  return parseBoundedInteger(value, MIN_SEED, MAX_SEED, () => {
    const text = String(value).trim();
    return new CommandError(
      'invalid_seed',
      `seed must be a whole number from ${MIN_SEED} to ${MAX_SEED}${quoteValue(text)}`,
      {
        hint: 'try seed:42',
        option: 'seed',
        value: text,
      },
    );
  });
}

/** Parses a step count: a whole number in MIN_STEPS..MAX_STEPS. */
export function parseSteps(value: string | number): number {
  return parseBoundedInteger(value, MIN_STEPS, MAX_STEPS, () => {
    const text = String(value).trim();
    return new CommandError(
      'invalid_steps',
      `steps must be a whole number from ${MIN_STEPS} to ${MAX_STEPS}${quoteValue(text)}`,
      {
        hint: 'try steps:24, or leave it out for the model default',
        option: 'steps',
        value: text,
      },
    );
  });
}

function parseBoundedInteger(
  value: string | number,
  min: number,
  max: number,
  error: () => CommandError,
): number {
  let number: number;
  if (typeof value === 'number') number = value;
  else {
    const text = value.trim();
    // Length cap first: a thousand-digit string is out of range without parsing it.
    number = DIGITS.test(text) && text.length <= 16 ? Number(text) : NaN;
  }
  if (!(Number.isSafeInteger(number) && number >= min && number <= max)) throw error();
  return number + 0;
}

function toNumber(text: string): number {
  return Number(text.replace(',', '.'));
}

/**
 * The colon rule: which `key:value` words are options and which are just part of the instruction.
 *
 * A whitespace-separated word is looked at only when it starts with ASCII letters followed by `:`
 * or `=` (`strength:0.3`, `seed=7`). Then, with the key compared case-insensitively:
 *
 * 1. key is an option name (strength, seed, steps)           -> an option. `strength:` with
 *    nothing after the separator is an error (people type `strength: 0.3`).
 * 2. key is a reserved word (sweep, frames, guidance) and the value looks like a setting (below)
 *                                                              -> an error with a targeted hint,
 *    because `sweep:8` is a likely way to ask for `strength:sweep:8`.
 * 3. key is a near miss of an option name - at most 1 edit for seed/steps, 2 for strength
 *    (insert, delete, replace, swap neighbours) - and the value looks like a setting
 *                                                              -> an "unknown option" error with
 *    a did-you-mean, because silently keeping `strenght:0.3` as text would run the wrong edit.
 * 4. anything else is text: `16:9`, `10:30`, `4:3`, `https://x`, `:smile:`, `note:blue`, `x=5`,
 *    `need:more`, `speed:` (nothing after the colon).
 *
 * "Looks like a setting" means the value starts with a digit, `.` or `,` (or is `sweep…` for a
 * strength near miss): that is what a mistyped option has, and ordinary words after a colon don't.
 *
 * So a stray colon never breaks an instruction unless its key is (nearly) an option name; the
 * error for that case says to put a space after the colon to keep the word as text.
 */
import { isSafeToEcho } from './command-error.ts';
import { OPTION_NAMES, type OptionName } from './limits.ts';

export type ClassifiedToken =
  | { kind: 'text' }
  | { kind: 'option'; name: OptionName; value: string }
  /** Rule 1 with an empty value. */
  | { kind: 'missing-value'; name: OptionName }
  /** Rules 2 and 3: `hint` names the option the user probably meant and how to keep the word as text. */
  | { kind: 'unknown'; key: string; value: string; hint: string };

const KEY_VALUE = /^([A-Za-z]+)[:=](.*)$/s;
const TEXT: ClassifiedToken = Object.freeze({ kind: 'text' });

/** Words that look like options people try but that the grammar spells differently. */
const RESERVED_HINTS: Readonly<Record<string, string>> = Object.freeze({
  sweep: 'for an animated sweep write strength:sweep or strength:sweep:8',
  frames: 'set the frame count through the strength: strength:sweep:8',
  guidance: 'guidance is fixed by the model; use strength:0-1 to control how strong the edit is',
});

/** Keys longer than this cannot be within 2 edits of any option name, so they skip the distance check. */
const LONGEST_NEAR_MISS = Math.max(...OPTION_NAMES.map((name) => name.length)) + 2;

export function classifyToken(token: string): ClassifiedToken {
  const match = KEY_VALUE.exec(token);
  if (!match) return TEXT;
  const key = (match[1] ?? '').toLowerCase();
  const value = match[2] ?? '';

  const name = OPTION_NAMES.find((option) => option === key);
  if (name) return value === '' ? { kind: 'missing-value', name } : { kind: 'option', name, value };
  if (value === '') return TEXT;

  const reserved = RESERVED_HINTS[key];
  if (reserved !== undefined)
    return looksLikeSetting(value) ? { kind: 'unknown', key, value, hint: reserved } : TEXT;

  const nearMiss = key.length <= LONGEST_NEAR_MISS ? closestOption(key) : undefined;
  if (nearMiss && (looksLikeSetting(value) || (nearMiss === 'strength' && /^sweep/i.test(value)))) {
    return {
      kind: 'unknown',
      key,
      value,
      hint: `did you mean ${nearMiss}:${isSafeToEcho(value) ? value : '…'}? If '${key}:' belongs to the instruction, put a space after the colon`,
    };
  }
  return TEXT;
}

function looksLikeSetting(value: string): boolean {
  return /^[\d.,]/.test(value);
}

/** The option name `key` is a typo of, if any (1 edit for short names, 2 for long ones). */
export function closestOption(key: string): OptionName | undefined {
  for (const name of OPTION_NAMES) {
    const allowed = name.length >= 6 ? 2 : 1;
    if (key !== name && editDistance(key, name) <= allowed) return name;
  }
  return undefined;
}

/** Optimal-string-alignment distance: insertions, deletions, substitutions and adjacent swaps. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array<number>(rows * cols).fill(0);
  const at = (i: number, j: number) => d[i * cols + j] ?? 0;
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, at(i - 2, j - 2) + 1);
      d[i * cols + j] = best;
    }
  }
  return at(rows - 1, cols - 1);
}

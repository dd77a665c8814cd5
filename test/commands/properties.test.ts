/**
 * Property-based tests of the grammar with fast-check: hostile input only ever yields a
 * CommandError, whatever parses formats back to itself, and every valid request survives
 * format -> parse unchanged wherever its options are placed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CommandError, type CommandErrorCode } from '../../commands/command-error.ts';
import { classifyToken } from '../../commands/classify-token.ts';
import type { EditRequest, StrengthSpec } from '../../commands/edit-request.ts';
import { stronger, weaker } from '../../commands/edit-variants.ts';
import { formatEditCommand, formatStrength } from '../../commands/format-edit-command.ts';
import {
  INSTRUCTION_MAX_LENGTH,
  MAX_SEED,
  MAX_STEPS,
  MAX_SWEEP_FRAMES,
  MIN_SEED,
  MIN_STEPS,
  MIN_SWEEP_FRAMES,
  STRENGTH_MAX_LENGTH,
} from '../../commands/limits.ts';
import {
  codePointLength,
  editRequestFromOptions,
  parseEditCommand,
} from '../../commands/parse-edit-command.ts';

const RUNS = { numRuns: 2500 };

const CODES = new Set<CommandErrorCode>([
  'instruction_missing',
  'instruction_too_long',
  'invalid_characters',
  'invalid_strength',
  'invalid_sweep',
  'invalid_seed',
  'invalid_steps',
  'missing_value',
  'duplicate_option',
  'unknown_option',
  'not_single',
]);

/** Fragments that stress the grammar: option names, near misses, separators, odd characters. */
const PIECES = [
  'strength',
  'STRENGTH',
  'seed',
  'Seed',
  'steps',
  'sweep',
  'frames',
  'guidance',
  'strenght',
  'sed',
  'step',
  ':',
  '=',
  '::',
  ' ',
  '  ',
  '\t',
  '\n',
  '\r\n',
  '\u00a0',
  '\u3000',
  '\u2028',
  '0',
  '1',
  '9',
  '42',
  '.',
  ',',
  '%',
  'e',
  '-',
  '+',
  '1e-7',
  '4294967296',
  '16:9',
  '10:30',
  'https://',
  'strength:',
  'seed:',
  'steps:',
  'sweep:',
  'strength=',
  'a',
  'é',
  '😀',
  '\u200d',
  '\ufe0f',
  '\u202e',
  '\u0000',
  '\u001b',
  '\u007f',
  '\u0085',
  '\ud800',
  '\udc00',
  '<@everyone>',
  '`',
];

const adversarialText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.string({ unit: 'grapheme', maxLength: 300 }),
  fc.array(fc.constantFrom(...PIECES), { maxLength: 120 }).map((parts) => parts.join('')),
  // Huge inputs, on both sides of the length caps.
  fc.array(fc.constantFrom(...PIECES), { minLength: 400, maxLength: 1200 }).map((parts) => parts.join('')),
  fc.string({ unit: fc.constantFrom(':', 'a', ' ', '1', 'seed:'), minLength: 400, maxLength: 2200 }),
);

function assertOnlyCommandErrors(run: () => unknown): void {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof CommandError, `unexpected ${String(error)}`);
    assert.ok(CODES.has(error.code), error.code);
    assert.ok(error.userMessage.length > 0 && error.userMessage.length <= 120);
    assert.ok((error.hint ?? '').length > 0);
  }
}

function assertWellFormed(request: EditRequest): void {
  const { instruction, strength } = request;
  assert.equal(instruction, instruction.trim());
  assert.doesNotMatch(instruction, /\s\s|[\t\n\r]/);
  assert.ok(instruction.length > 0 && codePointLength(instruction) <= INSTRUCTION_MAX_LENGTH);
  if (strength.kind === 'single')
    assert.ok(strength.value >= 0 && strength.value <= 1 && !Object.is(strength.value, -0));
  else
    assert.ok(
      strength.frames === undefined ||
        (strength.frames >= MIN_SWEEP_FRAMES && strength.frames <= MAX_SWEEP_FRAMES),
    );
  if (request.seed !== undefined)
    assert.ok(Number.isInteger(request.seed) && request.seed >= MIN_SEED && request.seed <= MAX_SEED);
  if (request.steps !== undefined)
    assert.ok(Number.isInteger(request.steps) && request.steps >= MIN_STEPS && request.steps <= MAX_STEPS);
}

test('any text either parses to a well-formed request that round-trips, or throws a CommandError', () => {
  fc.assert(
    fc.property(adversarialText, (text) => {
      let request: EditRequest;
      try {
        request = parseEditCommand(text);
      } catch (error) {
        assertOnlyCommandErrors(() => {
          throw error;
        });
        return;
      }
      assertWellFormed(request);
      assert.deepEqual(parseEditCommand(formatEditCommand(request)), request);
    }),
    RUNS,
  );
});

test('structured options of any type only ever throw CommandError', () => {
  const loose = fc.oneof(
    fc.constant(undefined),
    fc.constant(null),
    fc.double(),
    fc.integer(),
    fc.string({ maxLength: 40 }),
    fc.array(fc.constantFrom(...PIECES), { maxLength: 8 }).map((parts) => parts.join('')),
  );
  fc.assert(
    fc.property(adversarialText, loose, loose, loose, (instruction, strength, seed, steps) => {
      assertOnlyCommandErrors(() =>
        assertWellFormed(editRequestFromOptions({ instruction, strength, seed, steps })),
      );
    }),
    RUNS,
  );
});

/** Characters that render as nothing (the grammar refuses an instruction made only of them). */
const INVISIBLE = /[\p{Default_Ignorable_Code_Point}\p{White_Space}\u2800]/gu;

/** Words that are text under the colon rule, including colon words and Unicode. */
const word = fc
  .oneof(
    fc.constantFrom(
      'make',
      'it',
      'snowy',
      '16:9',
      '10:30',
      'https://x.y/z?a=b',
      ':smile:',
      '4:3',
      'need:more',
      'x=5',
    ),
    fc.constantFrom('😀', '👨‍👩‍👧', 'naïve', '日本語', 'Seed', 'strength', 'sweep', 'a:b:c', '"quoted"', 'Note:'),
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 6 }),
  )
  .filter(
    (w) =>
      /^\S+$/.test(w) &&
      !/[\p{Cc}\p{Cs}]/u.test(w) &&
      classifyToken(w).kind === 'text' &&
      // Nor an option once its invisible characters are removed (that is an error, not text).
      classifyToken(w.replace(INVISIBLE, '')).kind === 'text',
  );

const instruction = fc
  .array(word, { minLength: 1, maxLength: 40 })
  .map((words) => words.join(' '))
  .filter((text) => codePointLength(text) <= INSTRUCTION_MAX_LENGTH && text.replace(INVISIBLE, '') !== '');

const strength: fc.Arbitrary<StrengthSpec> = fc.oneof(
  fc.double({ min: 0, max: 1, noNaN: true }).map((value) => ({ kind: 'single' as const, value })),
  fc.constantFrom(0, 0.25, 0.5, 1, 1e-7, 0.1 + 0.2).map((value) => ({ kind: 'single' as const, value })),
  fc
    .integer({ min: MIN_SWEEP_FRAMES, max: MAX_SWEEP_FRAMES })
    .map((frames) => ({ kind: 'sweep' as const, frames })),
);

const validRequest: fc.Arbitrary<EditRequest> = fc
  .record(
    {
      instruction,
      strength,
      seed: fc.integer({ min: MIN_SEED, max: MAX_SEED }),
      steps: fc.integer({ min: MIN_STEPS, max: MAX_STEPS }),
    },
    { requiredKeys: ['instruction', 'strength'] },
    // fast-check builds null-prototype records; requests are plain objects.
  )
  .map((request) => ({ ...request }));

test('parse(format(r)) deep-equals r for every valid request, and format is idempotent', () => {
  fc.assert(
    fc.property(validRequest, (request) => {
      const text = formatEditCommand(request);
      const parsed = parseEditCommand(text);
      assert.deepEqual(parsed, request);
      assert.equal(formatEditCommand(parsed), text);
      assert.ok(formatStrength(request.strength).length <= STRENGTH_MAX_LENGTH, 'fits the Discord option');
    }),
    RUNS,
  );
});

test('structured options give the same request as the text grammar', () => {
  fc.assert(
    fc.property(validRequest, (request) => {
      const fromOptions = editRequestFromOptions({
        instruction: request.instruction,
        strength: formatStrength(request.strength),
        seed: request.seed,
        steps: request.steps,
      });
      assert.deepEqual(fromOptions, request);
    }),
    RUNS,
  );
});

test('options parse the same at any position, with any key case, separator and whitespace', () => {
  const layout = fc.record({
    positions: fc.array(fc.nat(), { minLength: 3, maxLength: 3 }),
    separators: fc.array(fc.constantFrom(' ', '  ', '\t', '\n', ' \u3000 '), {
      minLength: 50,
      maxLength: 50,
    }),
    upper: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
    equals: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
  });
  fc.assert(
    fc.property(validRequest, layout, (request, { positions, separators, upper, equals }) => {
      const words = request.instruction.split(' ');
      const options: string[] = [`strength:${formatStrength(request.strength)}`];
      if (request.seed !== undefined) options.push(`seed:${request.seed}`);
      if (request.steps !== undefined) options.push(`steps:${request.steps}`);
      options.forEach((option, i) => {
        const [key, ...rest] = option.split(':');
        const shaped = `${upper[i] ? key?.toUpperCase() : key}${equals[i] ? '=' : ':'}${rest.join(':')}`;
        words.splice((positions[i] ?? 0) % (words.length + 1), 0, shaped);
      });
      const text = words.map((w, i) => `${separators[i % separators.length]}${w}`).join('');
      assert.deepEqual(parseEditCommand(text), request);
    }),
    RUNS,
  );
});

test('weaker and stronger stay in [0, 1], move the right way, and round-trip', () => {
  fc.assert(
    fc.property(validRequest, (request) => {
      if (request.strength.kind !== 'single') return;
      const value = request.strength.value;
      for (const [next, ok] of [
        [weaker(request), (v: number) => v <= value],
        [stronger(request), (v: number) => v >= value],
      ] as const) {
        assert.ok(next.strength.kind === 'single');
        const v = next.strength.value;
        assert.ok(v >= 0 && v <= 1 && ok(v), `${value} -> ${v}`);
        assert.deepEqual(parseEditCommand(formatEditCommand(next)), next);
      }
    }),
    RUNS,
  );
});

/**
 * Invisible characters (zero-width, soft hyphen, bidi controls) and odd option types: an instruction
 * with nothing visible is refused, an option hidden behind invisible characters is an error rather
 * than text, and structured options of any JSON type give a CommandError, never a TypeError.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CommandError } from '../../commands/command-error.ts';
import { editRequestFromOptions, parseEditCommand } from '../../commands/parse-edit-command.ts';

const RUNS = { numRuns: 2000 };
/** Characters that render as nothing: format, bidi, variation selector, fillers, odd spaces. */
const INVISIBLE = [
  '\u200b',
  '\u200c',
  '\u200d',
  '\u00ad',
  '\u2060',
  '\u2066',
  '\u2067',
  '\u2068',
  '\u2069',
  '\u202a',
  '\u202e',
  '\u200e',
  '\u200f',
  '\ufeff',
  '\ufe0f',
  '\u034f',
  '\u3164',
  '\u115f',
  '\u2800',
];

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof CommandError, `not a CommandError: ${String(error)}`);
    return error.code;
  }
  assert.fail('expected a CommandError');
}

test('an instruction made only of invisible characters is refused with its own message', () => {
  for (const text of ['\u200b', '\u00ad', '\u2066\u2069', '\u200b \u200d strength:0.3', '\u3164']) {
    assert.equal(
      codeOf(() => parseEditCommand(text)),
      'instruction_missing',
      JSON.stringify(text),
    );
  }
  const error = (() => {
    try {
      parseEditCommand('\u2066\u2069');
    } catch (err) {
      return err as CommandError;
    }
    return undefined;
  })();
  assert.match(error?.userMessage ?? '', /invisible/);
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...INVISIBLE, ' '), { minLength: 1, maxLength: 40 }), (chars) => {
      assert.equal(
        codeOf(() => parseEditCommand(chars.join(''))),
        'instruction_missing',
      );
    }),
    RUNS,
  );
});

test('invisible characters inside instruction words are kept, as before', () => {
  assert.equal(parseEditCommand('make it snow\u200by').instruction, 'make it snow\u200by');
  assert.equal(parseEditCommand('\u2066سماء\u2069 blue').instruction, '\u2066سماء\u2069 blue');
});

test('an option with an invisible character anywhere in it is an error, not instruction text', () => {
  assert.equal(
    codeOf(() => parseEditCommand('make it snowy strength\u200b:0.3')),
    'invalid_characters',
  );
  const option = fc.constantFrom('strength:0.3', 'seed:42', 'steps:12', 'strength:sweep', 'Seed=7');
  fc.assert(
    fc.property(
      option,
      fc.nat(),
      // U+FEFF is whitespace to the grammar (JavaScript's \s): it splits words like a space does.
      fc.array(fc.constantFrom(...INVISIBLE.filter((c) => c !== '\ufeff')), { minLength: 1, maxLength: 3 }),
      (token, at, hidden) => {
        // Anywhere before the value: inside, before or after the key, or around the separator.
        const cut = at % (token.search(/[:=]/) + 2);
        const hostile = token.slice(0, cut) + hidden.join('') + token.slice(cut);
        const code = codeOf(() => parseEditCommand(`make it snowy ${hostile}`));
        assert.ok(['invalid_characters', 'invalid_strength', 'invalid_seed', 'invalid_steps'].includes(code));
      },
    ),
    RUNS,
  );
});

test('structured options of any JSON type give a CommandError, never a TypeError', () => {
  for (const odd of [{}, [], true, { toString: null }, ['0.3']]) {
    assert.equal(
      codeOf(() => editRequestFromOptions({ instruction: 'x', strength: odd as never })),
      'invalid_strength',
    );
    assert.equal(
      codeOf(() => editRequestFromOptions({ instruction: 'x', seed: odd as never })),
      'invalid_seed',
    );
    assert.equal(
      codeOf(() => editRequestFromOptions({ instruction: 'x', steps: odd as never })),
      'invalid_steps',
    );
    assert.equal(
      codeOf(() => editRequestFromOptions({ instruction: odd as never })),
      'instruction_missing',
    );
  }
  assert.equal(
    codeOf(() => editRequestFromOptions(null as never)),
    'instruction_missing',
  );
  fc.assert(
    fc.property(
      fc.anything(),
      fc.anything(),
      fc.anything(),
      fc.anything(),
      (instruction, strength, seed, steps) => {
        try {
          editRequestFromOptions({ instruction, strength, seed, steps } as never);
        } catch (error) {
          assert.ok(error instanceof CommandError, `not a CommandError: ${String(error)}`);
        }
      },
    ),
    RUNS,
  );
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { editRequestFromOptions, parseEditCommand } from '../../commands/parse-edit-command.ts';
import type { CommandErrorCode } from '../../commands/command-error.ts';
import type { EditRequest } from '../../commands/edit-request.ts';
import { COMMAND_MAX_LENGTH, DEFAULT_STRENGTH, INSTRUCTION_MAX_LENGTH } from '../../commands/limits.ts';
import { assertCommandError } from './helpers.ts';

const single = (value: number) => ({ kind: 'single', value }) as const;
const sweep = (frames: number) => ({ kind: 'sweep', frames }) as const;
/** `strength:sweep` without a count: the model's defaults.sweepFrames, filled in later. */
const defaultSweep = { kind: 'sweep' } as const;

test('accepted commands parse to the expected request', () => {
  const cases: Array<[string, EditRequest]> = [
    ['make it snowy strength:0.3', { instruction: 'make it snowy', strength: single(0.3) }],
    ['make it snowy strength:.3', { instruction: 'make it snowy', strength: single(0.3) }],
    ['make it snowy strength:30%', { instruction: 'make it snowy', strength: single(0.3) }],
    ['make it snowy strength:1', { instruction: 'make it snowy', strength: single(1) }],
    ['make it snowy strength:0', { instruction: 'make it snowy', strength: single(0) }],
    ['make it snowy strength:sweep', { instruction: 'make it snowy', strength: defaultSweep }],
    ['make it snowy strength:sweep:10', { instruction: 'make it snowy', strength: sweep(10) }],
    ['make it snowy strength=0.3', { instruction: 'make it snowy', strength: single(0.3) }],
    ['make it snowy strength=sweep:4', { instruction: 'make it snowy', strength: sweep(4) }],
    ['make it snowy Strength:0.3', { instruction: 'make it snowy', strength: single(0.3) }],
    ['make it snowy STRENGTH:SWEEP', { instruction: 'make it snowy', strength: defaultSweep }],
    [
      'make it snowy strength:0.5 seed:42 steps:20',
      { instruction: 'make it snowy', strength: single(0.5), seed: 42, steps: 20 },
    ],
    ['make it snowy seed:0', { instruction: 'make it snowy', strength: single(DEFAULT_STRENGTH), seed: 0 }],
    [
      'make it snowy seed:4294967295 steps:1',
      { instruction: 'make it snowy', strength: single(1), seed: 4294967295, steps: 1 },
    ],
    ['make it snowy steps=50', { instruction: 'make it snowy', strength: single(1), steps: 50 }],
  ];
  for (const [text, expected] of cases) assert.deepEqual(parseEditCommand(text), expected, text);
});

test('a missing strength means the documented default, the full edit', () => {
  assert.equal(DEFAULT_STRENGTH, 1);
  const request = parseEditCommand('make it snowy');
  assert.deepEqual(request, { instruction: 'make it snowy', strength: single(1) });
  assert.ok(!('seed' in request) && !('steps' in request), 'unset options are absent, not undefined');
});

test('options may appear anywhere and the instruction keeps its word order', () => {
  const expected = { instruction: 'turn the cat into a tiger', strength: single(0.6), seed: 7 };
  for (const text of [
    'strength:0.6 seed:7 turn the cat into a tiger',
    'turn the cat strength:0.6 into a seed:7 tiger',
    'seed:7 turn the cat into a tiger strength:0.6',
    'turn the cat into a tiger seed:7 strength:0.6',
  ]) {
    assert.deepEqual(parseEditCommand(text), expected, text);
  }
});

test('whitespace is trimmed and folded, including tabs, newlines and Unicode spaces', () => {
  for (const text of [
    '  make   it\tsnowy  ',
    'make\nit\r\nsnowy',
    'make\u00a0it\u2003snowy',
    'make\u3000it snowy\u2028',
    '\ufeffmake it snowy',
    'make it strength:1 snowy',
  ]) {
    assert.equal(parseEditCommand(text).instruction, 'make it snowy', JSON.stringify(text));
  }
});

test('colon words that are plainly part of the instruction stay in it', () => {
  for (const instruction of [
    'make it 16:9',
    'set the clock to 10:30',
    'ratio 4:3 please',
    'add the logo from https://example.com/logo.png',
    'http://x mailto:me@example.com',
    'add a :smile: emoji',
    'Note: make the sky pink',
    'write note:blue on the sign',
    'x=5 and y=6 on the blackboard',
    'replace text:hello with text:bye',
    'style:anime colour:red',
    'I need:more snow',
    'speed:fast lines',
    'sweep:left across the image',
    'Seeds: on the packet',
    'stretch:2x wide, 3:2 strong:1',
    'speed: 2x, set:5 stars:4 stop:3',
    'emoji 😀:😀 and c:\\path',
    'a:b:c',
  ]) {
    const request = parseEditCommand(instruction);
    assert.equal(request.instruction, instruction, instruction);
    assert.deepEqual(request.strength, single(1));
  }
});

test('option-like mistakes are errors, not silent text', () => {
  const cases: Array<[string, CommandErrorCode, RegExp?]> = [
    ['make it snowy strenght:0.3', 'unknown_option', /did you mean strength:0\.3/],
    ['make it snowy strengh:0.3', 'unknown_option', /strength/],
    ['make it snowy stregnth:sweep', 'unknown_option', /strength/],
    ['make it snowy strengths:0.3', 'unknown_option', /strength/],
    ['make it snowy strengthen:0.3', 'unknown_option', /put a space after the colon/],
    ['make it snowy sed:4', 'unknown_option', /did you mean seed:4/],
    ['make it snowy seeds:4', 'unknown_option', /seed/],
    ['make it snowy speed:2', 'unknown_option', /seed/],
    ['make it snowy step:20', 'unknown_option', /did you mean steps:20/],
    ['make it snowy Steps:20 stpes:3', 'unknown_option', /steps/],
    ['make it snowy sweep:8', 'unknown_option', /strength:sweep:8/],
    ['make it snowy frames:8', 'unknown_option', /strength:sweep:8/],
    ['make it snowy guidance:3.5', 'unknown_option', /fixed by the model/],
    ['make it snowy strength:', 'missing_value', /without a space/],
    ['make it snowy strength: 0.3', 'missing_value'],
    ['make it snowy seed=', 'missing_value'],
    ['make it snowy strength:0.3 strength:0.5', 'duplicate_option', /keep one/],
    ['strength:0.3 make it snowy strength=0.3', 'duplicate_option'],
    ['seed:1 make it Seed:1', 'duplicate_option'],
    ['steps:2 steps:2 make it snowy', 'duplicate_option'],
    ['make it snowy strength:1.5', 'invalid_strength', /between 0 and 1/],
    ['make it snowy strength:-0.2', 'invalid_strength'],
    ['make it snowy strength:high', 'invalid_strength'],
    ['make it snowy strength:0.3,', 'invalid_strength'],
    ['make it snowy strength:sweep:1', 'invalid_sweep', /3 to 16/],
    ['make it snowy strength:sweep:17', 'invalid_sweep'],
    ['make it snowy seed:-1', 'invalid_seed', /0 to 4294967295/],
    ['make it snowy seed:4294967296', 'invalid_seed'],
    ['make it snowy seed:1.5', 'invalid_seed'],
    ['make it snowy steps:0', 'invalid_steps', /1 to 50/],
    ['make it snowy steps:51', 'invalid_steps'],
    ['make it snowy steps:ten', 'invalid_steps'],
  ];
  for (const [text, code, hintOrMessage] of cases) {
    const error = assertCommandError(() => parseEditCommand(text), code, text);
    if (hintOrMessage) assert.match(`${error.userMessage} - ${error.hint}`, hintOrMessage, text);
  }
});

test('the first mistake from the left is the one reported', () => {
  assertCommandError(() => parseEditCommand('x strength:2 seed:-1'), 'invalid_strength');
  assertCommandError(() => parseEditCommand('x strenght:2 seed:1 seed:2'), 'unknown_option');
});

test('an instruction is required', () => {
  for (const text of ['', '   ', '\n\t', 'strength:0.5', 'seed:1 steps:2 strength:sweep']) {
    const error = assertCommandError(
      () => parseEditCommand(text),
      'instruction_missing',
      JSON.stringify(text),
    );
    assert.match(error.hint ?? '', /\/edit make it snowy/);
  }
});

test('instruction length: 1..500 code points after folding', () => {
  assert.equal(parseEditCommand('a').instruction, 'a');
  const longest = 'a'.repeat(INSTRUCTION_MAX_LENGTH);
  assert.equal(parseEditCommand(longest).instruction, longest);
  const emoji = '😀'.repeat(INSTRUCTION_MAX_LENGTH);
  assert.equal(parseEditCommand(emoji).instruction, emoji, 'an emoji counts as one character');
  const spaced = `${'a '.repeat(INSTRUCTION_MAX_LENGTH / 2 - 1)}a     strength:0.5`;
  assert.equal(parseEditCommand(spaced).instruction.length, INSTRUCTION_MAX_LENGTH - 1);
  assertCommandError(() => parseEditCommand('a'.repeat(INSTRUCTION_MAX_LENGTH + 1)), 'instruction_too_long');
  assertCommandError(() => parseEditCommand('😀'.repeat(INSTRUCTION_MAX_LENGTH + 1)), 'instruction_too_long');
  assertCommandError(() => parseEditCommand(`x${' '.repeat(COMMAND_MAX_LENGTH)}`), 'instruction_too_long');
});

test('control characters and broken UTF-16 are rejected, not stripped', () => {
  for (const text of [
    'make it\u0000 snowy',
    'make it snowy\u0007',
    'make\u001bit snowy',
    'make it\u007f snowy',
    'make it\u0085 snowy',
    'make it\u009f snowy',
    'make it snowy \ud800',
    'make it \udfff snowy',
    'make it snowy strength:0.5\u0000',
  ]) {
    assertCommandError(() => parseEditCommand(text), 'invalid_characters', JSON.stringify(text));
  }
  // Emoji sequences with joiners and variation selectors are ordinary text.
  assert.equal(parseEditCommand('add 👨‍👩‍👧 and ❤️').instruction, 'add 👨‍👩‍👧 and ❤️');
});

test('editRequestFromOptions applies the same rules to split options', () => {
  assert.deepEqual(editRequestFromOptions({ instruction: '  make it  snowy ' }), {
    instruction: 'make it snowy',
    strength: single(1),
  });
  assert.deepEqual(
    editRequestFromOptions({ instruction: 'make it snowy', strength: '40%', seed: 3, steps: '12' }),
    {
      instruction: 'make it snowy',
      strength: single(0.4),
      seed: 3,
      steps: 12,
    },
  );
  assert.deepEqual(
    editRequestFromOptions({ instruction: 'x', strength: 0.25, seed: null, steps: undefined }),
    {
      instruction: 'x',
      strength: single(0.25),
    },
  );
  assert.deepEqual(editRequestFromOptions({ instruction: 'x', strength: ' ', seed: '' }), {
    instruction: 'x',
    strength: single(1),
  });
  assert.deepEqual(editRequestFromOptions({ instruction: 'x', strength: 'sweep:8' }), {
    instruction: 'x',
    strength: sweep(8),
  });
  // Options typed into the instruction field still work, and still count once.
  assert.deepEqual(editRequestFromOptions({ instruction: 'make it 16:9 strength:0.2', seed: 9 }), {
    instruction: 'make it 16:9',
    strength: single(0.2),
    seed: 9,
  });
  assertCommandError(
    () => editRequestFromOptions({ instruction: 'make it snowy strength:0.2', strength: '0.3' }),
    'duplicate_option',
  );
  assertCommandError(() => editRequestFromOptions({ instruction: '' }), 'instruction_missing');
  assertCommandError(() => editRequestFromOptions({ instruction: 'x', strength: 2 }), 'invalid_strength');
  assertCommandError(
    () => editRequestFromOptions({ instruction: 'x', strength: '150%' }),
    'invalid_strength',
  );
  assertCommandError(() => editRequestFromOptions({ instruction: 'x', seed: -5 }), 'invalid_seed');
  assertCommandError(() => editRequestFromOptions({ instruction: 'x', seed: 0.5 }), 'invalid_seed');
  assertCommandError(() => editRequestFromOptions({ instruction: 'x', steps: 100 }), 'invalid_steps');
  assertCommandError(() => editRequestFromOptions({ instruction: 'a'.repeat(501) }), 'instruction_too_long');
  assertCommandError(() => editRequestFromOptions({ instruction: 'x\u0000' }), 'invalid_characters');
});

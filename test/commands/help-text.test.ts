import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HELP_TEXT_MAX_LENGTH, buildHelpText, usageLine } from '../../commands/help-text.ts';
import { parseEditCommand } from '../../commands/parse-edit-command.ts';
import {
  INSTRUCTION_MAX_LENGTH,
  MAX_STEPS,
  MAX_SWEEP_FRAMES,
  MIN_SWEEP_FRAMES,
} from '../../commands/limits.ts';

test('help text covers usage, strength, sweep bounds and the buttons, from the constants', () => {
  const help = buildHelpText();
  assert.ok(help.includes(usageLine()));
  assert.ok(help.includes(`up to ${INSTRUCTION_MAX_LENGTH} characters`));
  assert.ok(help.includes("an animation of the model's default number of strengths from 0 to 1"));
  assert.ok(buildHelpText({ sweepFrames: 8 }).includes('an animation of 8 strengths from 0 to 1'));
  assert.ok(help.includes(`(${MIN_SWEEP_FRAMES}-${MAX_SWEEP_FRAMES})`));
  assert.ok(help.includes(`steps:1-${MAX_STEPS}`));
  assert.match(help, /0 keeps the image, 1 is the full edit/);
  assert.match(help, /Weaker \/ Stronger .*Sweep, New seed/);
  assert.ok(!help.includes('What this model does well'), 'no capabilities section without capabilities');
  assert.ok(help.length <= HELP_TEXT_MAX_LENGTH);
});

test('every example in the help text is a command the parser accepts', () => {
  const examples = [...buildHelpText().matchAll(/`\/edit ([^`]+)`/g)].map((m) => m[1] ?? '');
  assert.ok(examples.length >= 3);
  for (const example of examples) assert.doesNotThrow(() => parseEditCommand(example), example);
});

test('capabilities from the model bundle are listed with up to two examples each', () => {
  const help = buildHelpText({
    capabilities: {
      summary: 'weather and seasons',
      edits: [
        { name: 'weather', examples: ['make it snowy', 'make it rainy', 'make it foggy'] },
        { name: 'age', examples: ['make the person `older`'] },
      ],
    },
    attachHint: 'Reply to an image.',
  });
  assert.match(help, /What this model does well: weather and seasons/);
  assert.match(help, /• weather: `\/edit make it snowy`, `\/edit make it rainy`/);
  assert.ok(!help.includes('foggy'));
  assert.match(
    help,
    /• age: `\/edit make the person 'older'`/,
    'backticks in examples cannot break the code span',
  );
  assert.match(help, /Reply to an image\./);
});

test('a long capability list is cut to fit one chat message', () => {
  const edits = Array.from({ length: 200 }, (_, i) => ({
    name: `edit ${i}`,
    examples: [`make change number ${i}`],
  }));
  const help = buildHelpText({ capabilities: { edits } });
  assert.ok(help.length <= HELP_TEXT_MAX_LENGTH, `${help.length}`);
  assert.match(help, /• \.\.\. and \d+ more/);
  assert.ok(help.includes('• edit 0:'));
  const tiny = buildHelpText({ capabilities: { edits }, maxLength: 100 });
  assert.ok(tiny.length <= 100);
});

test('a closed, one-edit model says so above its edits, so refusals and notes come as no surprise', () => {
  const edits = [{ name: 'sepia', examples: ['make it sepia'] }];
  const both = buildHelpText({ capabilities: { edits, closed: true, oneEditPerInstruction: true } });
  assert.match(
    both,
    /What this model does well:\nIt makes only the edits below, one per instruction \(edit the result again for a second one\); it refuses anything else\.\n• sepia:/,
  );
  assert.match(buildHelpText({ capabilities: { edits, closed: true } }), /only the edits below and refuses/);
  assert.match(
    buildHelpText({ capabilities: { edits, oneEditPerInstruction: true } }),
    /It makes one edit per instruction/,
  );
  assert.doesNotMatch(buildHelpText({ capabilities: { edits } }), /It makes/);
});

test('edits whose examples do not fit are still named when their names fit', () => {
  const edits = Array.from({ length: 16 }, (_, i) => ({
    name: `edit${i}`,
    examples: [`make a fairly long example instruction number ${i}`, `and another one, number ${i}`],
  }));
  const help = buildHelpText({ capabilities: { edits, closed: true } });
  assert.ok(help.length <= HELP_TEXT_MAX_LENGTH, `${help.length}`);
  const named = help.match(/\n• also: (.*)$/)?.[1]?.split(', ') ?? [];
  assert.ok(named.length > 0, help);
  assert.deepEqual(named.at(-1), 'edit15', 'every edit is either listed or named');
  assert.ok(help.includes('• edit0: `/edit make a fairly long'), 'the first edits keep their examples');
});

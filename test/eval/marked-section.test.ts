import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MarkedSectionError, replaceMarkedSection } from '../../eval/marked-section.ts';

const file = [
  '# Benchmarks',
  'prose before',
  '<!-- x:begin -->',
  'old figures',
  '<!-- x:end -->',
  'prose after',
].join('\n');

test('replaceMarkedSection rewrites only what lies between the markers', () => {
  const out = replaceMarkedSection(file, 'x', '\n| new | table |\n');
  assert.equal(
    out,
    [
      '# Benchmarks',
      'prose before',
      '<!-- x:begin -->',
      '| new | table |',
      '<!-- x:end -->',
      'prose after',
    ].join('\n'),
  );
  // Idempotent: writing the same body again changes nothing.
  assert.equal(replaceMarkedSection(out, 'x', '| new | table |'), out);
});

test('replaceMarkedSection refuses a file without one ordered pair of markers', () => {
  assert.throws(() => replaceMarkedSection('# nothing here', 'x', 'body'), MarkedSectionError);
  assert.throws(() => replaceMarkedSection(file, 'y', 'body'), /<!-- y:begin -->/);
  assert.throws(
    () => replaceMarkedSection('<!-- x:end -->\n<!-- x:begin -->', 'x', 'body'),
    MarkedSectionError,
  );
  assert.throws(() => replaceMarkedSection(`${file}\n<!-- x:begin -->`, 'x', 'body'), MarkedSectionError);
});

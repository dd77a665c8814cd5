/**
 * Rewrites the generated part of a markdown file (BENCHMARKS.md, eval/RESULTS.md) between
 * `<!-- NAME:begin -->` and `<!-- NAME:end -->`, so the prose around the figures stays hand-written.
 */
/** The file lacks the markers (or has them twice, or out of order): nothing is written. */
export class MarkedSectionError extends Error {
  override readonly name = 'MarkedSectionError';
}

export function replaceMarkedSection(markdown: string, name: string, body: string): string {
  const begin = `<!-- ${name}:begin -->`;
  const end = `<!-- ${name}:end -->`;
  const from = markdown.indexOf(begin);
  const to = markdown.indexOf(end);
  if (from < 0 || to < from || markdown.indexOf(begin, from + 1) >= 0)
    throw new MarkedSectionError(
      `expected exactly one "${begin}" followed by "${end}" in the file to update; add them where the figures go`,
    );
  return `${markdown.slice(0, from + begin.length)}\n${body.trim()}\n${markdown.slice(to)}`;
}

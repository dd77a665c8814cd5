/**
 * How a bundle that knows only a fixed list of edits reads an instruction, before any model runs: which of
 * its edits each part of the instruction names ("cues", from model.json `capabilities`), and whether the
 * instruction names none of them ("make it look like winter": a closed model would silently run some other
 * filter) or two different ones ("make it darker and warmer": a one-edit model applies only the first).
 * Pure: no I/O; the caller passes the words the tokenizer does not know.
 */

/** The part of a bundle's `capabilities` (model.json) the reading uses. */
export interface ReadingCapabilities {
  /** The bundle makes only the listed edits: an instruction with no cue word is refused. */
  closed?: boolean;
  /** The bundle applies one edit per instruction, the first one named. */
  oneEditPerInstruction?: boolean;
  edits: ReadonlyArray<{
    name: string;
    /** Single lower-case words (a-z) that name this edit; a word may be a cue of several edits. */
    cues?: readonly string[];
    /** The edit that undoes this one; the two are one axis ("too bright, darken it" is one edit). */
    opposite?: string;
  }>;
}

/** A part of the instruction that names at least one edit. */
export interface CuedClause {
  /** As the user wrote it (after NFKC), e.g. "make it darker". */
  text: string;
  /** The edits whose cues it contains, in the capabilities' order. */
  edits: string[];
}

export type InstructionVerdict =
  /** One edit (possibly named in several clauses), or a bundle that does not judge this. */
  | { kind: 'ok' }
  /**
   * Two or more different edits on a one-edit bundle. `applied`: the first edit's text, from its first
   * clause to the last clause of the same edit that directly follows; `leftOut`: each clause naming another edit.
   */
  | { kind: 'two-edits'; applied: string; leftOut: string[] }
  /** No word names an edit of a closed bundle, and some word is unknown to it (or there is no word). */
  | { kind: 'no-edit' };

export interface InstructionReading {
  clauses: CuedClause[];
  unknownWords: readonly string[];
  verdict: InstructionVerdict;
}

/** Multi-word conjunctions first: "as well as" must win over a lone "as". */
const CONJUNCTION_PHRASES: readonly (readonly string[])[] = [
  ['as', 'well', 'as'],
  ['and'],
  ['then'],
  ['plus'],
  ['also'],
];
/**
 * Whether `word` is (part of) a conjunction the reading splits clauses at: structure, not an edit word, so
 * the unknown-words note leaves it out even for a model whose vocabulary lacks it (kk-tiny 4.2 never saw
 * "then", "plus" or "also": two-edit instructions are split before the model reads them).
 */
export function isConjunctionWord(word: string): boolean {
  // One-word conjunctions only: "well" outside "as well as" is a word like any other.
  return CONJUNCTION_PHRASES.some((phrase) => phrase.length === 1 && phrase[0] === word);
}
/** Punctuation between two words that ends a clause. */
const CLAUSE_PUNCTUATION = /[,;&+]/;

interface Word {
  /** Normalised: lower-case a-z only, as the bundle's word-level tokenizer sees it. */
  text: string;
  /** Where it sits in the NFKC text (code units), so clauses can be quoted as the user wrote them. */
  start: number;
  end: number;
}

/**
 * The words of `text` as kk-tiny's tokenizer normalises them (NFKC, lower-case, every run of characters
 * outside a-z is a separator), with their positions in the NFKC text.
 */
export function instructionWords(text: string): { normalised: string; words: Word[] } {
  const normalised = text.normalize('NFKC');
  const words: Word[] = [];
  let current: Word | undefined;
  let offset = 0;
  for (const char of normalised) {
    // Lower-casing may turn one character into several ("İ" -> "i" + a combining dot): each is judged.
    for (const lower of char.toLowerCase()) {
      if (lower >= 'a' && lower <= 'z') {
        if (current) {
          current.text += lower;
          current.end = offset + char.length;
        } else current = { text: lower, start: offset, end: offset + char.length };
      } else if (current) {
        words.push(current);
        current = undefined;
      }
    }
    offset += char.length;
  }
  if (current) words.push(current);
  return { normalised, words };
}

/** Splits at conjunctions and at `, ; & +`; conjunction words belong to no clause. */
function splitClauses(normalised: string, words: readonly Word[]): Word[][] {
  const clauses: Word[][] = [[]];
  let i = 0;
  while (i < words.length) {
    const word = words[i]!;
    const previous = words[i - 1];
    if (previous && CLAUSE_PUNCTUATION.test(normalised.slice(previous.end, word.start))) clauses.push([]);
    const phrase = CONJUNCTION_PHRASES.find((p) => p.every((w, k) => words[i + k]?.text === w));
    if (phrase) {
      clauses.push([]);
      i += phrase.length;
      continue;
    }
    clauses.at(-1)!.push(word);
    i++;
  }
  return clauses.filter((clause) => clause.length > 0);
}

/** Whether the bundle's capabilities ask for any judgement at all (cues are needed to judge). */
function judges(capabilities: ReadingCapabilities | undefined): capabilities is ReadingCapabilities {
  if (!capabilities || !(capabilities.closed || capabilities.oneEditPerInstruction)) return false;
  return capabilities.edits.some((edit) => (edit.cues?.length ?? 0) > 0);
}

/** Edit name -> its axis: itself plus its opposite, whichever side declares the pair. */
function axesOf(capabilities: ReadingCapabilities): Map<string, Set<string>> {
  const axes = new Map<string, Set<string>>();
  const axis = (name: string) => axes.get(name) ?? axes.set(name, new Set([name])).get(name)!;
  for (const edit of capabilities.edits) {
    axis(edit.name);
    if (edit.opposite !== undefined) {
      axis(edit.name).add(edit.opposite);
      axis(edit.opposite).add(edit.name);
    }
  }
  return axes;
}

/**
 * Reads `instruction` against `capabilities`. Bundles without `closed` / `oneEditPerInstruction` (FLUX-style:
 * they can do anything) or without cues always get "ok"; so does a two-edit instruction on a bundle that
 * is closed but not one-edit.
 */
export function readInstruction(
  instruction: string,
  capabilities: ReadingCapabilities | undefined,
  unknownWords: readonly string[] = [],
): InstructionReading {
  const ok = (clauses: CuedClause[] = []): InstructionReading => ({
    clauses,
    unknownWords,
    verdict: { kind: 'ok' },
  });
  if (!judges(capabilities)) return ok();

  const cueEdits = new Map<string, string[]>();
  for (const edit of capabilities.edits)
    for (const cue of edit.cues ?? []) {
      const edits = cueEdits.get(cue) ?? [];
      if (!edits.includes(edit.name)) edits.push(edit.name);
      cueEdits.set(cue, edits);
    }
  const order = capabilities.edits.map((edit) => edit.name);
  const { normalised, words } = instructionWords(instruction);
  // Each clause with the edits its words cue; clauses with none ("please", "it") are dropped.
  const cued = splitClauses(normalised, words)
    .map((clause) => {
      const found = new Set(clause.flatMap((word) => cueEdits.get(word.text) ?? []));
      return {
        start: clause[0]!.start,
        end: clause.at(-1)!.end,
        edits: order.filter((name) => found.has(name)),
      };
    })
    .filter((clause) => clause.edits.length > 0);
  const clauses = cued.map(({ start, end, edits }) => ({ text: normalised.slice(start, end), edits }));

  const first = cued[0];
  // No cue: refused when some word is unknown to the model ("make it look like winter") or there is no
  // word at all ("!!! 42"). An
  // instruction made of words the model knows but that are generic ("tone down the colour", "less
  // colour": training phrasings of grayscale) is the model's to read.
  if (!first)
    return capabilities.closed && (unknownWords.length > 0 || words.length === 0)
      ? { clauses, unknownWords, verdict: { kind: 'no-edit' } }
      : ok(clauses);
  if (!capabilities.oneEditPerInstruction) return ok(clauses);

  // Two clauses are different edits when their axes share nothing; the model applies the first edit.
  const axes = axesOf(capabilities);
  const axisOf = (edits: readonly string[]) => new Set(edits.flatMap((name) => [...axes.get(name)!]));
  const firstAxis = axisOf(first.edits);
  const sameAsFirst = cued.map((clause) => [...axisOf(clause.edits)].some((name) => firstAxis.has(name)));
  if (sameAsFirst.every(Boolean)) return ok(clauses);
  const runEnd = cued[sameAsFirst.indexOf(false) - 1]!.end;
  return {
    clauses,
    unknownWords,
    verdict: {
      kind: 'two-edits',
      applied: normalised.slice(first.start, runEnd),
      leftOut: clauses.filter((_, i) => !sameAsFirst[i]).map((clause) => clause.text),
    },
  };
}

/**
 * The `kk` command line's flags, and what it says about a flag it does not know: the closest known
 * one, by the same edit distance the chat grammar uses for a mistyped option (`--stength` -> did you
 * mean --strength?), instead of Node's raw "Unknown option" message.
 */
import { editDistance } from '../../commands/index.ts';

export const CLI_OPTIONS = {
  strength: { type: 'string' },
  seed: { type: 'string' },
  steps: { type: 'string' },
  guidance: { type: 'string' },
  output: { type: 'string', short: 'o' },
  model: { type: 'string' },
  json: { type: 'boolean', default: false },
  verbose: { type: 'boolean', short: 'v', default: false },
  version: { type: 'boolean', short: 'V', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/** A flag `kk` does not know; `suggestion` is the known flag it is a typo of, if any. */
export class UnknownFlagError extends Error {
  constructor(
    readonly flag: string,
    readonly suggestion: string | undefined,
  ) {
    super(`unknown option ${flag}${suggestion ? ` (did you mean ${suggestion}?)` : ''}`);
    this.name = 'UnknownFlagError';
  }
}

/** Throws `UnknownFlagError` for the first flag in `argv` that `kk` does not know. */
export function checkFlags(argv: readonly string[]): void {
  const long = new Map(Object.entries(CLI_OPTIONS));
  const short = new Map<string, string>(
    Object.entries(CLI_OPTIONS).flatMap(([name, o]) => ('short' in o ? [[o.short, name] as const] : [])),
  );
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--') return;
    let name: string | undefined;
    if (arg.startsWith('--')) name = arg.slice(2).split('=')[0] ?? '';
    else if (/^-[^-\d]/.test(arg)) name = short.get(arg[1] ?? '') ?? (arg.length === 2 ? undefined : '');
    else continue;
    const option = name === undefined ? undefined : long.get(name);
    if (!option) throw new UnknownFlagError(arg.split('=')[0] ?? arg, suggestFlag(arg));
    // A string flag's value ("--seed -3") is the next word, never a flag of its own.
    if (option.type === 'string' && !arg.includes('=') && !/^-[^-]../.test(arg)) i += 1;
  }
}

function suggestFlag(arg: string): string | undefined {
  const typed = arg.replace(/^-+/, '').split('=')[0] ?? '';
  let best: { name: string; distance: number } | undefined;
  for (const name of Object.keys(CLI_OPTIONS)) {
    const distance = editDistance(typed.toLowerCase(), name);
    const allowed = name.length >= 6 ? 2 : 1;
    if (distance <= allowed && (!best || distance < best.distance)) best = { name, distance };
  }
  return best ? `--${best.name}` : undefined;
}

/**
 * A grammar message in command-line words: the grammar's hints name options the chat way
 * (`try strength:0.4`), and image errors are written for chat ("Attach a PNG").
 */
export function cliWording(text: string): string {
  return text
    .replace(/\b(strength|seed|steps)[:=](\S+)/g, '--$1 $2')
    .replace(/\bAttach (a|an) /g, 'Give $1 ')
    .replace(/\battach (a|an) /g, 'give $1 ');
}

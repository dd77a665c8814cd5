/**
 * `kk`: run the edit pipeline from a terminal.
 *
 *   kk edit <image> "<instruction>" [--strength 0.4 | sweep | sweep:8] [--seed N] [--steps N] [-o out] [--json]
 *
 * Options are parsed by the same rules as the chat command (commands/), so `--strength 40%` works too.
 * Exit codes: 0 done, 1 the edit failed, 2 bad usage, 130 interrupted.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  CommandError,
  editRequestFromOptions,
  randomSeed,
  strengthsOf,
  UserFacingError,
} from '../commands/index.ts';
import { EditCancelledError } from '../pipeline/errors.ts';
import type { EditProgress, OutputFormat } from '../pipeline/types.ts';
import { CLI_OPTIONS, UnknownFlagError, checkFlags, cliWording } from './cli/cli-flags.ts';
import { formatProgress } from './cli/cli-progress.ts';

export const HELP = `kk - edit an image with Kontinuous Kontext (continuous edit strength)

Usage:
  kk edit <image> "<instruction>" [options]
  kk --help | --version

Options:
  --strength <s>   0..1 (also 40%), "sweep" (the model's frames) or "sweep:N" (3-16) [default: 1]
  --seed <n>       initial-noise seed, 0..4294967295                              [default: random]
  --steps <n>      denoising steps, 1..50                                          [default: the model's]
  --guidance <g>   guidance scale                                                  [default: the model's]
  -o, --output <f> single edit: .png, .webp or .jpg [edit.png]; sweep: <f>.gif and <f>-sheet.png [sweep.gif]
  --model <dir>    model bundle directory   [default: KK_MODEL_DIR, models/kk-tiny/, test/fixtures/tiny-random/]
  --json           print the result (files, timings) as JSON on stdout
  -v, --verbose    log model loading (which execution provider each session got)
  -V, --version    print the version
  -h, --help       show this help

Environment: KK_EXECUTION_PROVIDERS (e.g. cuda:1,cpu), KK_MAX_BATCH, KK_INTRA_OP_THREADS.
Exit codes: 0 done, 1 the edit failed, 2 bad usage, 130 interrupted.`;

class UsageError extends Error {}

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  signal?: AbortSignal;
}

const FORMATS: Record<string, OutputFormat> = {
  '.png': 'png',
  '.webp': 'webp',
  '.jpg': 'jpeg',
  '.jpeg': 'jpeg',
};

function parse(argv: string[]) {
  // Before parseArgs, whose message for an unknown flag offers no suggestion.
  checkFlags(argv);
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: CLI_OPTIONS,
  });
  return { values, positionals };
}

/** The package's version (package.json), for --version. */
async function packageVersion(): Promise<string> {
  const manifest = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return manifest.version;
}

/** Where each output file goes: a single edit to `output`, a sweep to `<stem>.gif` and `<stem>-sheet.png`. */
function outputPaths(output: string | undefined, sweep: boolean) {
  if (sweep) {
    const path = resolve(output ?? 'sweep.gif');
    const stem = join(dirname(path), basename(path, extname(path)));
    return { gif: `${stem}.gif`, sheet: `${stem}-sheet.png`, format: 'png' as OutputFormat };
  }
  const path = resolve(output ?? 'edit.png');
  const format = FORMATS[extname(path).toLowerCase()];
  if (!format)
    throw new UsageError(`--output must end in .png, .webp or .jpg for a single edit (got "${output}")`);
  return { single: path, format };
}

/** A one-line progress bar on stderr, redrawn in place (TTY only): denoising step, batch and ETA. */
function progressBar(stderr: CliIo['stderr'], steps: number) {
  let startedAt: number | undefined;
  return (p: EditProgress) => {
    const now = Date.now();
    if (p.stage === 'denoise') startedAt ??= now;
    stderr.write(`\r\x1b[2K${formatProgress(p, { steps, startedAt: startedAt ?? now, now })}`);
  };
}

export async function main(argv: string[], io: CliIo): Promise<number> {
  let json = false;
  try {
    const { values, positionals } = parse(argv);
    json = values.json;
    if (values.version) {
      io.stdout.write(`kk ${await packageVersion()}\n`);
      return 0;
    }
    if (values.help || positionals.length === 0) {
      (values.help ? io.stdout : io.stderr).write(`${HELP}\n`);
      return values.help ? 0 : 2;
    }
    const [command, imagePath, instruction, ...extra] = positionals;
    if (command !== 'edit') throw new UsageError(`unknown command "${command}"`);
    if (!imagePath || instruction === undefined)
      throw new UsageError('edit needs an image and an instruction');
    if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}" (quote the instruction)`);
    const request = editRequestFromOptions({
      instruction,
      strength: values.strength,
      seed: values.seed,
      steps: values.steps,
    });
    const guidance = values.guidance === undefined ? undefined : Number(values.guidance);
    if (guidance !== undefined && !(Number.isFinite(guidance) && guidance >= 0))
      throw new UsageError(`--guidance must be a number >= 0 (got "${values.guidance}")`);
    const paths = outputPaths(values.output, request.strength.kind === 'sweep');
    let image: Uint8Array;
    try {
      image = await readFile(imagePath);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new UsageError(`no such file: ${imagePath}`);
      if (code === 'EISDIR') throw new UsageError(`${imagePath} is a directory, not an image`);
      throw new UsageError(`cannot read ${imagePath}: ${(err as Error).message}`);
    }

    // Loaded only now, so that --help and usage errors answer without loading onnxruntime and sharp.
    const [
      { loadConfig },
      { defaultModelDir },
      { createEditPipeline, editPipelineOptionsFromConfig },
      { pino },
      pretty,
    ] = await Promise.all([
      import('../config/config.ts'),
      import('../models/default-model-dir.ts'),
      import('../pipeline/create-edit-pipeline.ts'),
      import('pino'),
      import('pino-pretty').then((m) => m.default),
    ]);
    const config = await loadConfig();
    const logger = pino(
      { level: values.verbose ? 'info' : 'warn' },
      pretty({ destination: 2, colorize: Boolean(io.stderr.isTTY), sync: true }),
    );
    const pipeline = await createEditPipeline({
      ...editPipelineOptionsFromConfig(config, logger),
      modelDir: values.model ?? config.KK_MODEL_DIR ?? defaultModelDir(),
    });
    try {
      // A sweep without a count has the bundle's default frames (model.json defaults.sweepFrames).
      const strengths = strengthsOf(request, pipeline.bundle.manifest.defaults.sweepFrames);
      const showProgress = Boolean(io.stderr.isTTY) && !json;
      const result = await pipeline.run({
        image,
        instruction: request.instruction,
        strengths,
        seed: request.seed ?? randomSeed(),
        steps: request.steps,
        guidance,
        format: paths.format,
        signal: io.signal,
        onProgress: showProgress
          ? progressBar(io.stderr, request.steps ?? pipeline.bundle.manifest.defaults.steps)
          : undefined,
      });
      if (showProgress) io.stderr.write('\r\x1b[2K');
      const targets = result.kind === 'single' ? [paths.single!] : [paths.gif!, paths.sheet!];
      await mkdir(dirname(targets[0]!), { recursive: true });
      await Promise.all(result.files.map((file, i) => writeFile(targets[i]!, file.data)));
      const files = result.files.map((file, i) => ({
        path: targets[i]!,
        mime: file.mime,
        bytes: file.data.length,
      }));
      if (json) io.stdout.write(`${JSON.stringify({ ...result, files }, null, 2)}\n`);
      else {
        if (result.note) io.stderr.write(`${result.note}\n`);
        for (const file of files) io.stdout.write(`${file.path} (${(file.bytes / 1024).toFixed(0)} KiB)\n`);
        io.stdout.write(
          `${result.width}x${result.height}, strength ${strengths.map((s) => +s.toFixed(3)).join(', ')}, seed ` +
            `${result.seed}, ${result.steps} steps, ${(result.timings.total! / 1000).toFixed(2)} s (${result.modelId})\n`,
        );
      }
      return 0;
    } finally {
      await pipeline.dispose();
    }
  } catch (error) {
    return report(error, io, json);
  }
}

function report(error: unknown, io: CliIo, json: boolean): number {
  const usage =
    error instanceof UsageError ||
    error instanceof UnknownFlagError ||
    error instanceof CommandError ||
    isParseArgsError(error);
  const code = usage ? 2 : error instanceof EditCancelledError ? 130 : 1;
  // Operator details (`detail` on bundle and attention errors) matter here: the CLI user is the operator.
  const detail = (error as { detail?: unknown } | null)?.detail;
  // Grammar and image errors are written for chat; cliWording puts them in command-line words.
  const message =
    error instanceof UserFacingError
      ? typeof detail === 'string'
        ? `${error.userMessage} ${detail}`
        : cliWording(`${error.userMessage}${error.hint ? ` (${error.hint})` : ''}`)
      : error instanceof Error
        ? error.message
        : String(error);
  io.stderr.write(
    `${io.stderr.isTTY ? '\r\x1b[2K' : ''}kk: ${message}\n${usage ? 'Run "kk --help" for usage.\n' : ''}`,
  );
  if (json) {
    const errorCode = error instanceof UserFacingError ? error.code : usage ? 'usage' : 'internal';
    io.stdout.write(`${JSON.stringify({ error: { code: errorCode, message } })}\n`);
  }
  if (code === 1 && !(error instanceof UserFacingError) && error instanceof Error && error.stack)
    io.stderr.write(`${error.stack}\n`);
  return code;
}

function isParseArgsError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS');
}

/** Runs `main` on the real process: Ctrl-C cancels the edit between steps. */
export async function runFromProcess(): Promise<never> {
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort(new Error('interrupted')));
  const code = await main(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    signal: controller.signal,
  });
  process.exit(code);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await runFromProcess();

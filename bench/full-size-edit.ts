/**
 * One edit of a large photo, end to end (issue 14: "one edit of a 12-megapixel photo at most 2 s on 2 cores;
 * an 8-frame sweep at most 1.5 s"): `npx tsx bench/full-size-edit.ts --photo photo.jpg [--baseline <checkout>]
 * [--runs 5] [--instruction "make it warmer"] [--strength 0.7 | --strength sweep]`. `sweep` is the model's
 * default sweep (its `sweepFrames` strengths from 0 to 1), as `/edit ... strength:sweep` runs it.
 *
 * For this checkout and, with --baseline, another checkout of the repository (e.g. `git worktree add
 * /tmp/kk-before <commit>` with node_modules linked), measured in the same run, alternating between the
 * two so that load from other jobs falls on both alike:
 * 1. CLI: `node --import tsx bin/kk.ts edit <photo> <instruction> --strength <s> -o <png> --json`, a fresh
 *    process per edit: wall time from spawn to exit, and the stage timings the pipeline reports.
 * 2. API: one process per checkout that loads the pipeline once, runs one edit to warm up (onnxruntime's
 *    first run, V8 compiling the loops: the CLI's figures are that cold case) and then `runs` edits with
 *    the caches cleared (so every stage runs), as a long-running worker would.
 * Prints medians as markdown tables, and the PNG's size.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type * as CreateEditPipelineModule from '../pipeline/create-edit-pipeline.ts';

const { values } = parseArgs({
  options: {
    photo: { type: 'string' },
    baseline: { type: 'string' },
    runs: { type: 'string', default: '5' },
    instruction: { type: 'string', default: 'make it warmer' },
    strength: { type: 'string', default: '0.7' },
    child: { type: 'string' },
  },
});
if (!values.photo) throw new Error('give --photo');
const photo = resolve(values.photo);
const runs = Number(values.runs);
const sweep = values.strength === 'sweep';
const strength = Number(values.strength);
if (!sweep && !(strength >= 0 && strength <= 1))
  throw new Error('--strength is a number in [0, 1] or "sweep"');
const seed = 7;

interface EditTimes {
  timings: Record<string, number>;
  bytes: number;
  wall?: number;
}

if (values.child) await child(values.child);
else await main();

/** In a child process: the pipeline of checkout `root`, one warm-up edit then `runs` timed ones, as JSON. */
async function child(root: string): Promise<void> {
  // The other checkout's module has this one's API (createEditPipeline is older than both).
  const module = (await import(
    pathToFileURL(join(root, 'pipeline', 'create-edit-pipeline.ts')).href
  )) as typeof CreateEditPipelineModule;
  const pipeline = await module.createEditPipeline({ modelDir: join(root, 'models', 'kk-tiny') });
  const image = new Uint8Array(await readFile(photo));
  const frames = pipeline.bundle.manifest.defaults.sweepFrames;
  const strengths = sweep ? Array.from({ length: frames }, (_, k) => k / (frames - 1)) : [strength];
  const edits: EditTimes[] = [];
  for (let i = 0; i <= runs; i++) {
    pipeline.caches.clear();
    const result = await pipeline.run({ image, instruction: values.instruction, strengths, seed });
    const bytes = result.files.reduce((sum, file) => sum + file.data.length, 0);
    if (i > 0) edits.push({ timings: result.timings, bytes });
  }
  await pipeline.dispose();
  process.stdout.write(JSON.stringify(edits));
}

function run(command: string, args: string[], cwd: string): Promise<{ stdout: string; wall: number }> {
  return new Promise((done, fail) => {
    const started = performance.now();
    const process_ = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    process_.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    process_.on('error', fail);
    process_.on('close', (code) =>
      code === 0
        ? done({ stdout, wall: performance.now() - started })
        : fail(new Error(`${command} ${args.join(' ')} exited with ${code}`)),
    );
  });
}

async function cliEdit(root: string, out: string): Promise<EditTimes> {
  const args = ['--import', 'tsx', 'bin/kk.ts', 'edit', photo, values.instruction, '--strength'];
  args.push(values.strength, '--seed', String(seed), '-o', out, '--json');
  const { stdout, wall } = await run(process.execPath, args, root);
  const result = JSON.parse(stdout) as { timings: Record<string, number>; files: { bytes: number }[] };
  return { timings: result.timings, bytes: result.files.reduce((sum, file) => sum + file.bytes, 0), wall };
}

async function main(): Promise<void> {
  const here = fileURLToPath(new URL('..', import.meta.url));
  const roots: [string, string][] = [['this checkout', here]];
  if (values.baseline) roots.unshift(['baseline', resolve(values.baseline)]);
  const loadBefore = loadavg()[0]!;
  const scratch = await mkdtemp(join(tmpdir(), 'kk-bench-'));
  const cli = new Map<string, EditTimes[]>(roots.map(([name]) => [name, []]));
  const api = new Map<string, EditTimes[]>();
  try {
    for (let i = 0; i < runs; i++)
      for (const [name, root] of i % 2 ? [...roots].reverse() : roots)
        cli
          .get(name)!
          .push(
            await cliEdit(root, join(scratch, `${i}-${name.replace(/ /g, '-')}.${sweep ? 'gif' : 'png'}`)),
          );
    for (const [name, root] of roots) {
      const self = fileURLToPath(import.meta.url);
      const args = ['--import', 'tsx', self, '--child', root, '--photo', photo, '--runs', String(runs)];
      args.push('--instruction', values.instruction, '--strength', values.strength);
      api.set(name, JSON.parse((await run(process.execPath, args, root)).stdout) as EditTimes[]);
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }

  const median = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    const m = s.length >> 1;
    return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
  };
  const names = roots.map(([name]) => name);
  const stages = ['encode-text', 'preprocess', 'encode-image', 'denoise', 'decode', 'render', 'total'];
  const table = (title: string, pick: (name: string) => EditTimes[], wall: boolean) => {
    const rows = [`| ${title} | ${names.join(' | ')} |`, `| --- |${names.map(() => ' ---: |').join('')}`];
    const cell = (f: (e: EditTimes) => number) => names.map((n) => median(pick(n).map(f)).toFixed(0));
    if (wall) rows.push(`| **wall, spawn to exit** | ${cell((e) => e.wall!).join(' | ')} |`);
    for (const stage of stages) rows.push(`| ${stage} | ${cell((e) => e.timings[stage] ?? 0).join(' | ')} |`);
    rows.push(`| output bytes (all files) | ${cell((e) => e.bytes).join(' | ')} |`);
    return rows.join('\n');
  };
  console.log(
    `${values.instruction} at strength ${values.strength}, seed ${seed}, on ${photo}; ms, median of ${runs}; ` +
      `${cpus().length} CPU cores, 1-minute load average ${loadBefore.toFixed(1)} at the start and ` +
      `${loadavg()[0]!.toFixed(1)} at the end.\n`,
  );
  console.log(
    table('CLI, fresh process per edit', (n) => cli.get(n)!, true),
    '\n',
  );
  console.log(table('API, warm (one process, after one edit)', (n) => api.get(n)!, false));
}

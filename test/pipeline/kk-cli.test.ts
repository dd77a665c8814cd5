import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { TINY_RANDOM_MODEL_DIR } from '../../models/default-model-dir.ts';
import { main, HELP } from '../../bin/kk.ts';
import { formatProgress } from '../../bin/cli/cli-progress.ts';

function capture() {
  let text = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk);
      done();
    },
  });
  return { stream, text: () => text };
}

async function kk(...argv: string[]) {
  const stdout = capture();
  const stderr = capture();
  const code = await main(argv, { stdout: stdout.stream, stderr: stderr.stream });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

test('kk --help prints usage and exits 0', async () => {
  const { code, stdout } = await kk('--help');
  assert.equal(code, 0);
  assert.equal(stdout, `${HELP}\n`);
  assert.match(stdout, /kk edit <image> "<instruction>"/);
});

test('no arguments prints usage on stderr and exits 2', async () => {
  const { code, stderr } = await kk();
  assert.equal(code, 2);
  assert.match(stderr, /Usage:/);
});

test('bad usage exits 2 with a message', async () => {
  const cases: [string[], RegExp][] = [
    [['edit'], /needs an image and an instruction/],
    [['resize', 'a.png', 'x'], /unknown command "resize"/],
    [['edit', 'a.png', 'make', 'it', 'snowy'], /quote the instruction/],
    [['edit', 'a.png', 'x', '--strength', '1.5'], /strength must be between 0 and 1/],
    [['edit', 'a.png', 'x', '--strength', 'sweep:99'], /a sweep has 3 to 16 frames/],
    [['edit', 'a.png', 'x', '--seed', '-3'], /seed/],
    [['edit', 'a.png', 'x', '--steps', '0'], /steps must be a whole number/],
    [['edit', 'a.png', 'x', '--guidance', 'lots'], /--guidance must be a number/],
    [['edit', 'a.png', 'x', '-o', 'out.bmp'], /must end in .png, .webp or .jpg/],
    [['edit', 'a.png', 'x', '--bogus'], /^kk: unknown option --bogus\n/],
    [['edit', '/nonexistent/a.png', 'x'], /^kk: no such file: \/nonexistent\/a\.png\n/],
  ];
  for (const [argv, message] of cases) {
    const { code, stderr } = await kk(...argv);
    assert.equal(code, 2, argv.join(' '));
    assert.match(stderr, message, argv.join(' '));
  }
});

test('a mistyped flag gets a did-you-mean, like a mistyped chat option', async () => {
  const cases: [string[], string][] = [
    [['edit', 'a.png', 'x', '--stength', '0.4'], 'unknown option --stength (did you mean --strength?)'],
    [['edit', 'a.png', 'x', '--sed=4'], 'unknown option --sed (did you mean --seed?)'],
    [['edit', 'a.png', 'x', '--jsno'], 'unknown option --jsno (did you mean --json?)'],
    [['edit', 'a.png', 'x', '--ouptut', 'o.png'], 'unknown option --ouptut (did you mean --output?)'],
    [['edit', 'a.png', 'x', '-x'], 'unknown option -x'],
  ];
  for (const [argv, message] of cases) {
    const { code, stderr } = await kk(...argv);
    assert.equal(code, 2, argv.join(' '));
    assert.equal(stderr.split('\n')[0], `kk: ${message}`, argv.join(' '));
  }
  // A negative value of a flag is its value, not an unknown flag.
  assert.match((await kk('edit', 'a.png', 'x', '--seed', '-3')).stderr, /seed/);
});

test('errors are worded for the command line: flags, not chat options', async () => {
  const { stderr } = await kk('edit', 'a.png', 'x', '--strength', '1.5');
  assert.match(stderr, /try --strength 0\.4, --strength 40% or --strength sweep/);
  assert.doesNotMatch(stderr, /strength:/);
  const dir = await mkdtemp(join(tmpdir(), 'kk-cli-'));
  try {
    const notImage = join(dir, 'notes.png');
    await writeFile(notImage, 'not an image');
    const failed = await kk('edit', notImage, 'x', '--model', TINY_RANDOM_MODEL_DIR);
    assert.equal(failed.code, 1);
    assert.doesNotMatch(failed.stderr, /Attach/);
    assert.match(failed.stderr, /Give a PNG, JPEG, WebP or GIF image/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('kk --version prints the package version (the real CLI, spawned)', async () => {
  const { version } = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8'));
  const run = promisify(execFile);
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'bin/kk.ts', '--version']);
  assert.equal(stdout, `kk ${version}\n`);
  const short = await run(process.execPath, ['--import', 'tsx', 'bin/kk.ts', '-V']);
  assert.equal(short.stdout, `kk ${version}\n`);
});

test('the progress line counts denoising steps per batch, with the time left', () => {
  const at = (step: number, total: number, elapsedMs: number) =>
    formatProgress({ stage: 'denoise', step, total }, { steps: 4, startedAt: 1000, now: 1000 + elapsedMs });
  // A 16-frame sweep in 5 batches of 4 steps: the pipeline reports 6/20.
  assert.match(at(6, 20, 3000), /step 2\/4, batch 2\/5, 7 s left$/);
  assert.doesNotMatch(at(6, 20, 3000), /6\/20/);
  assert.match(at(3, 4, 1500), /step 3\/4, 1 s left$/);
  assert.match(at(4, 4, 2000), /step 4\/4$/);
  assert.match(at(10, 200, 30_000), /step 2\/4, batch 3\/50, 9 min 30 s left$/);
});

test('--json reports errors as JSON on stdout too', async () => {
  const { code, stdout } = await kk('edit', 'a.png', 'x', '--strength', 'lots', '--json');
  assert.equal(code, 2);
  assert.deepEqual(Object.keys(JSON.parse(stdout).error), ['code', 'message']);
  assert.equal(JSON.parse(stdout).error.code, 'invalid_strength');
});

test('kk edit runs the tiny bundle and writes the files it reports (--json)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kk-cli-'));
  try {
    const source = join(TINY_RANDOM_MODEL_DIR, 'golden', 'source.png');
    const single = await kk(
      'edit',
      source,
      'make it snowy',
      '--model',
      TINY_RANDOM_MODEL_DIR,
      '--seed',
      '5',
      '--steps',
      '2',
      '-o',
      join(dir, 'a', 'edit.webp'),
      '--json',
    );
    assert.equal(single.code, 0, single.stderr);
    const report = JSON.parse(single.stdout);
    assert.equal(report.kind, 'single');
    assert.deepEqual([report.seed, report.steps, report.strengths], [5, 2, [1]]);
    assert.equal(report.files[0].path, join(dir, 'a', 'edit.webp'));
    assert.equal((await sharp(await readFile(report.files[0].path)).metadata()).format, 'webp');
    assert.ok(report.timings.total > 0);

    const sweep = await kk(
      'edit',
      source,
      'make it snowy',
      '--model',
      TINY_RANDOM_MODEL_DIR,
      '--strength',
      'sweep:3',
      '-o',
      join(dir, 'sweep.gif'),
      '--json',
    );
    assert.equal(sweep.code, 0, sweep.stderr);
    const files = JSON.parse(sweep.stdout).files.map((f: { path: string }) => f.path);
    assert.deepEqual(files, [join(dir, 'sweep.gif'), join(dir, 'sweep-sheet.png')]);
    for (const file of files) assert.ok((await stat(file)).size > 0);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("--strength sweep has the model's frame count: model.json defaults.sweepFrames, the one source", async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kk-cli-'));
  try {
    const manifest = JSON.parse(await readFile(join(TINY_RANDOM_MODEL_DIR, 'model.json'), 'utf8'));
    const frames: number = manifest.defaults.sweepFrames;
    const source = join(TINY_RANDOM_MODEL_DIR, 'golden', 'source.png');
    const out = await kk(
      'edit',
      source,
      'x',
      '--model',
      TINY_RANDOM_MODEL_DIR,
      '--strength',
      'sweep',
      '--steps',
      '1',
      '-o',
      join(dir, 's.gif'),
      '--json',
    );
    assert.equal(out.code, 0, out.stderr);
    assert.equal(JSON.parse(out.stdout).strengths.length, frames);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a model error exits 1 with the hint', async () => {
  const source = join(TINY_RANDOM_MODEL_DIR, 'golden', 'source.png');
  const { code, stderr } = await kk('edit', source, 'x', '--model', tmpdir());
  assert.equal(code, 1);
  assert.match(stderr, /The image model is not set up correctly.*model\.json: not found/);
});

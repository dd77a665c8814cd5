/**
 * The entry points as an operator meets them: spawned as real processes, with only the environment
 * given here (no .env: the working directory is a fresh temporary one).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** tsx's loader by URL: `--import tsx` would resolve from the temporary working directory. */
const TSX = import.meta.resolve('tsx');

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `bin/<script>` with `env` (plus PATH), for at most `killAfterMs`; resolves when it exits. */
async function runEntry(script: string, env: Record<string, string>, killAfterMs = 60_000): Promise<Ran> {
  const cwd = await mkdtemp(join(tmpdir(), 'kk-entry-'));
  try {
    return await new Promise<Ran>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', TSX, join(ROOT, 'bin', script)], {
        cwd,
        env: { PATH: process.env.PATH ?? '', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += String(d)));
      child.stderr.on('data', (d: Buffer) => (stderr += String(d)));
      const timer = setTimeout(() => child.kill('SIGINT'), killAfterMs);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
  } finally {
    await rm(cwd, { recursive: true, force: true });
  }
}

const STACK_LINE = /^\s+at /m;

test('serving Slack with a bot token but no signing secret: one configuration message, no stack trace', async () => {
  const ran = await runEntry('start.ts', {
    SLACK_BOT_TOKEN: 'xoxb-test',
    REDIS_URL: 'redis://127.0.0.1:1',
    LOG_FORMAT: 'json',
  });
  assert.equal(ran.code, 1);
  assert.match(ran.stderr, /SLACK_SIGNING_SECRET for HTTP mode \(or SLACK_APP_TOKEN for Socket Mode\)/);
  assert.doesNotMatch(ran.stderr, STACK_LINE, ran.stderr);
});

test('npm run worker with no Redis: one clear line, then quiet retries (no stack dumps)', async () => {
  const ran = await runEntry(
    'worker.ts',
    { REDIS_URL: 'redis://127.0.0.1:1', KK_METRICS_PORT: '0', LOG_FORMAT: 'json' },
    // The worker loads the model in its pipeline host before it connects to Redis: on a loaded 2-core machine
    // that alone can take several seconds, so the window leaves room for it and a few quiet retries.
    20_000,
  );
  // Logs go to stderr; every line there must be one of the logger's JSON lines.
  const lines = ran.stderr.split('\n').filter(Boolean);
  for (const line of lines) assert.doesNotThrow(() => JSON.parse(line), `not a log line: ${line}`);
  const unreachable = lines.filter((line) => line.includes('cannot reach Redis at redis://127.0.0.1:1'));
  assert.equal(unreachable.length, 1, ran.stderr);
  assert.match(unreachable[0] ?? '', /ECONNREFUSED.*retrying with backoff/);
  assert.ok(lines.length <= 10, `${lines.length} log lines:\n${ran.stderr}`);
  assert.doesNotMatch(ran.stderr, /"stack"/);
  assert.equal(ran.stdout, '', 'stdout is for results; a worker has none');
});

test('npm start (the demo): results on stdout, logs on stderr and quiet by default; LOG_LEVEL still wins', async () => {
  const env = { REDIS_URL: 'redis://127.0.0.1:1', KK_METRICS_PORT: '0', LOG_FORMAT: 'json' };
  const quiet = await runEntry('start.ts', env);
  assert.equal(quiet.code, 0, quiet.stderr);
  assert.match(quiet.stdout, /wrote out\/1-edit\.png/);
  assert.match(quiet.stdout, /wrote out\/2-sweep\.gif/);
  assert.doesNotMatch(quiet.stdout, /"level"/, 'no log line among the results');
  const quietLogs = quiet.stderr.split('\n').filter(Boolean);
  assert.ok(
    quietLogs.every((line) => (JSON.parse(line) as { level: number }).level >= 40),
    `only warnings and errors by default:\n${quiet.stderr}`,
  );

  const chatty = await runEntry('start.ts', { ...env, LOG_LEVEL: 'info' });
  assert.equal(chatty.code, 0, chatty.stderr);
  assert.match(chatty.stderr, /"msg":"model bundle loaded"/, 'LOG_LEVEL=info shows the info lines');
  assert.doesNotMatch(chatty.stdout, /"level"/);
});

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { commandClient, deleteKeys, REDIS_URL, uniquePrefix, waitFor } from '../queue/helpers.ts';
import { runEntryPoint } from './run-entry-point.ts';

const prefix = uniquePrefix('bots-entry');
const redis = commandClient();

after(async () => {
  await deleteKeys(redis, prefix);
  await redis.quit();
});

test('with no chat platform configured it refuses in one line and edits nothing', async () => {
  // An unreachable Redis: getting past the check would hang on it or fail differently.
  const run = runEntryPoint('bots.ts', { REDIS_URL: 'redis://127.0.0.1:1', KK_METRICS_PORT: '0' });
  assert.equal(await run.exited, 1);
  const output = run.output();
  assert.match(output, /no chat platform configured: set DISCORD_PUBLIC_KEY .* SLACK_BOT_TOKEN/);
  assert.doesNotMatch(output, /\n\s+at /, 'no stack trace');
  assert.equal(existsSync(join(run.cwd, 'out')), false, 'the demo did not run');
  run.removeCwd();
});

test('a bot-only replica (KK_WORKER=0) serves Discord and stops cleanly on SIGTERM', async () => {
  const run = runEntryPoint('bots.ts', {
    REDIS_URL,
    KK_QUEUE_PREFIX: prefix,
    KK_WORKER: '0',
    KK_METRICS_PORT: '0',
    DISCORD_PORT: '0',
    DISCORD_PUBLIC_KEY: 'ab'.repeat(32),
    LOG_FORMAT: 'json',
  });
  try {
    await waitFor(() => run.output().includes('"msg":"bot ready"'), 30_000, 'bot ready');
    const ready = JSON.parse(
      run
        .output()
        .split('\n')
        .find((line) => line.includes('"msg":"bot ready"'))!,
    );
    assert.equal(ready.worker, false, 'no model sessions in a bot-only replica');
    const listening = run.output().match(/"port":(\d+),"path":"\/discord\/interactions"/);
    assert.ok(listening, run.output());
    // Unsigned, so Discord's signature check must refuse it: the endpoint is up and verifying.
    const response = await fetch(`http://127.0.0.1:${listening[1]}/discord/interactions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 1 }),
    });
    assert.equal(response.status, 401);
    run.child.kill('SIGTERM');
    assert.equal(await run.exited, 0);
  } finally {
    if (run.child.exitCode === null) run.child.kill('SIGKILL');
    run.removeCwd();
  }
});

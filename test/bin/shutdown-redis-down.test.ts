/**
 * Issue 13, item 7: SIGTERM while Redis is down. `npm start` (bots, worker and delivery in one process)
 * ran past 90 s and `npm run worker` took 30 s and blamed "a runner" with no job running; both must exit
 * cleanly within a few seconds when nothing is running, whatever Redis does. A side Redis of the test's
 * own is started, then killed under the running process.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { TINY_RANDOM_MODEL_DIR } from '../../models/default-model-dir.ts';
import { sleep, waitFor } from '../queue/helpers.ts';
import { SideRedis, hasRedisServer } from '../queue/side-redis.ts';
import { runEntryPoint } from './run-entry-point.ts';

const skip = hasRedisServer ? false : 'redis-server is not installed';

async function sigtermWithRedisDown(script: string, ready: RegExp, env: Record<string, string> = {}) {
  const side = new SideRedis();
  await side.start();
  const run = runEntryPoint(script, {
    REDIS_URL: side.url,
    KK_QUEUE_PREFIX: 'kkdown',
    KK_METRICS_PORT: '0',
    KK_MODEL_DIR: TINY_RANDOM_MODEL_DIR,
    LOG_FORMAT: 'json',
    ...env,
  });
  try {
    await waitFor(() => ready.test(run.output()), 60_000, `${script} ready`);
    await side.kill();
    await waitFor(() => run.output().includes('cannot reach Redis'), 10_000, 'the outage to be noticed');
    await sleep(500);
    const startedAt = performance.now();
    run.child.kill('SIGTERM');
    const code = await Promise.race([run.exited, sleep(20_000).then(() => 'still running')]);
    const seconds = (performance.now() - startedAt) / 1000;
    return { code, seconds, output: run.output() };
  } finally {
    if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
    await side.kill();
    run.removeCwd();
  }
}

test('npm run worker: SIGTERM with Redis down and no job exits 0 within 10 s', { skip }, async () => {
  const { code, seconds, output } = await sigtermWithRedisDown('worker.ts', /"msg":"worker ready"/);
  assert.equal(code, 0, output);
  assert.ok(seconds < 10, `took ${seconds.toFixed(1)} s`);
  assert.doesNotMatch(output, /ignored the abort/, 'no runner was running');
  assert.match(output, /worker closed without Redis/);
});

test(
  'npm start (Discord, worker and delivery): SIGTERM with Redis down exits 0 within 10 s',
  { skip },
  async () => {
    const { code, seconds, output } = await sigtermWithRedisDown('start.ts', /"msg":"bot ready"/, {
      DISCORD_PORT: '0',
      DISCORD_PUBLIC_KEY: 'ab'.repeat(32),
    });
    assert.equal(code, 0, output.slice(-3000));
    assert.ok(seconds < 10, `took ${seconds.toFixed(1)} s`);
    assert.doesNotMatch(output, /ignored the abort/);
  },
);

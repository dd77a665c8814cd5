/**
 * `npm start -- --web` as an operator runs it: a real process serving the playground, whose edit goes through
 * the Redis queue to the worker in the same process (the embedded model in its pipeline host) and back.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { commandClient, deleteKeys, REDIS_URL, uniquePrefix, waitFor } from '../queue/helpers.ts';
import { runEntryPoint } from './run-entry-point.ts';

const prefix = uniquePrefix('start-web');
const redis = commandClient();

after(async () => {
  await deleteKeys(redis, prefix);
  await redis.quit();
});

test('npm start -- --web serves the playground; an example edit runs through the queue; SIGTERM stops it', async () => {
  const run = runEntryPoint(
    'start.ts',
    { REDIS_URL, KK_QUEUE_PREFIX: prefix, KK_METRICS_PORT: '0', KK_WEB_PORT: '0', LOG_FORMAT: 'json' },
    ['--web'],
  );
  try {
    let url = '';
    await waitFor(
      () => {
        url = /Web playground: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(run.output())?.[1] ?? '';
        return url !== '';
      },
      60_000,
      'the playground address on stdout',
    );
    const page = await fetch(url);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /Kontinuous Kontext playground/);

    const info = await fetch(`${url}api/info`);
    const cookie = (info.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    assert.match(((await info.json()) as { model: { id: string } }).model.id, /^kk-tiny@/);
    const params = new URLSearchParams({ text: 'make it sepia', strength: '0.5', example: 'chelsea.jpg' });
    const queued = await fetch(`${url}api/edits?${params}`, { method: 'POST', headers: { cookie } });
    assert.equal(queued.status, 202);
    const { job } = (await queued.json()) as { job: { jobId: string } };
    let state = '';
    await waitFor(
      async () => {
        const read = await fetch(`${url}api/edits/${job.jobId}`, { headers: { cookie } });
        state = ((await read.json()) as { state: string }).state;
        return state === 'completed' || state === 'failed';
      },
      60_000,
      'the edit to finish',
    );
    assert.equal(state, 'completed', run.output());

    run.child.kill('SIGTERM');
    assert.equal(await run.exited, 0, run.output());
  } finally {
    if (run.child.exitCode === null) run.child.kill('SIGKILL');
    run.removeCwd();
  }
});

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createHarness } from './harness.ts';
import {
  blockingClient,
  commandClient,
  deleteKeys,
  editInput,
  solidPng,
  sleep,
  uniquePrefix,
  waitFor,
} from './helpers.ts';
import { TintRunner } from './tint-runner.ts';

const prefix = uniquePrefix('crash');
const command = commandClient();
const blocking = blockingClient();
const image = await solidPng({ r: 90, g: 90, b: 90 });
const fixture = fileURLToPath(new URL('./fixtures/worker-process.ts', import.meta.url));
const children: ChildProcess[] = [];

after(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await deleteKeys(command, prefix);
  await Promise.all([command.quit(), blocking.quit()]);
});

/** Starts the worker process and resolves once it prints "ready"; `lines` collects its output. */
async function spawnWorker(queueName: string, env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture], {
    env: { ...process.env, KK_TEST_PREFIX: prefix, KK_TEST_QUEUE: queueName, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  const lines: string[] = [];
  child.stdout
    ?.setEncoding('utf8')
    .on('data', (chunk: string) => lines.push(...chunk.split('\n').filter(Boolean)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await waitFor(() => lines.includes('ready'), 15_000, 'worker process ready');
  return { child, lines, exited };
}

const slowEdit = (seed: number) =>
  editInput(image, { request: { instruction: 'slow', strength: { kind: 'single', value: 0.7 }, seed } });

test('a worker killed mid-job: the job stalls back, another worker completes it, delivered once', async () => {
  const runner = new TintRunner();
  const h = await createHarness({ prefix, queueName: 'killed', command, blocking, runner, worker: false });
  try {
    const doomed = await spawnWorker('killed');
    const { jobId } = await h.queue.enqueueEdit(slowEdit(1));
    await waitFor(() => doomed.lines.includes(`started ${jobId}`), 10_000, 'job started in the child');
    doomed.child.kill('SIGKILL');
    assert.equal(await doomed.exited, null);
    assert.equal(await (await h.queue.queue.getJob(jobId))?.getState(), 'active', 'still marked active');

    h.startWorker({ stalledInterval: 300 });
    await waitFor(() => h.adapter.count(jobId) === 1, 10_000, 'delivery after the stall');
    const job = await h.queue.queue.getJob(jobId);
    assert.equal(await job?.getState(), 'completed');
    assert.equal(job?.stalledCounter, 1);
    assert.equal(runner.calls.length, 1, 'finished by the surviving worker');
    assert.equal(h.adapter.completed[0]?.result.strengths[0], 0.7);
    await sleep(500);
    assert.equal(h.adapter.count(jobId), 1);
  } finally {
    await h.close();
  }
});

test('SIGTERM: the worker process finishes its running job, then exits 0', async () => {
  const runner = new TintRunner();
  const h = await createHarness({ prefix, queueName: 'sigterm', command, blocking, runner, worker: false });
  try {
    const worker = await spawnWorker('sigterm', { KK_TEST_STEP_MS: '80' });
    const { jobId } = await h.queue.enqueueEdit(slowEdit(2));
    await waitFor(() => worker.lines.includes(`started ${jobId}`), 10_000, 'job started in the child');
    worker.child.kill('SIGTERM');
    assert.equal(await worker.exited, 0);
    const job = await h.queue.queue.getJob(jobId);
    assert.equal(await job?.getState(), 'completed', 'completed before the process exited');
    assert.equal(job?.stalledCounter, 0);
    await waitFor(() => h.adapter.count(jobId) === 1, 5000, 'delivery');
    assert.equal(runner.calls.length, 0, 'no other worker was involved');
  } finally {
    await h.close();
  }
});

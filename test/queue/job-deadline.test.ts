/**
 * Issue 13, item 1 through the real queue: a job that runs past its wall-clock limit inside a native call
 * is killed, fails once with 'job_timeout' (no retry) and frees its worker for the next job; a hostile SVG
 * is refused by content with 'input_image', whatever the bot was told its type was.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { TINY_RANDOM_MODEL_DIR } from '../../models/default-model-dir.ts';
import { PipelineHost } from '../../pipeline/host/pipeline-host.ts';
import { nestedUseSvg } from '../image/hostile-images.ts';
import { harnessSuite } from './harness.ts';
import { editInput, solidPng, waitFor } from './helpers.ts';

const BLOCKING_RUNNER = new URL('../pipeline/fixtures/blocking-runner.ts', import.meta.url).href;
const { setup } = harnessSuite('deadline');
let host: PipelineHost;

before(async () => {
  host = await PipelineHost.start({
    runner: {
      module: BLOCKING_RUNNER,
      exportName: 'createBlockingRunner',
      options: { modelDir: TINY_RANDOM_MODEL_DIR, blockMs: 120_000 },
    },
    jobTimeoutMs: 2000,
  });
});
after(() => host.dispose());

test('a job past KK_JOB_TIMEOUT_MS fails once with job_timeout, and the worker takes the next job', async () => {
  // A lock far longer than the test: only the deadline can end the stuck job in time.
  const h = await setup(host, { worker: { lockDuration: 60_000, stalledInterval: 60_000 } });
  try {
    const image = await solidPng({ r: 90, g: 120, b: 200 });
    const stuck = await h.queue.enqueueEdit(
      editInput(image, {
        request: {
          instruction: 'block forever',
          strength: { kind: 'single', value: 0.5 },
          seed: 1,
          steps: 2,
        },
      }),
    );
    const fine = await h.queue.enqueueEdit(
      editInput(image, {
        request: { instruction: 'make it red', strength: { kind: 'single', value: 0.5 }, seed: 1, steps: 2 },
        requester: { teamId: 'guild-1', channelId: 'channel-1', userId: 'user-b' },
      }),
    );
    await waitFor(() => h.adapter.failed.some((f) => f.jobId === stuck.jobId), 20_000, 'the timeout failure');
    const failure = h.adapter.failed.find((f) => f.jobId === stuck.jobId);
    assert.equal(failure?.code, 'job_timeout');
    assert.match(failure?.userMessage ?? '', /took too long/);
    const job = await h.queue.queue.getJob(stuck.jobId);
    assert.equal(job?.attemptsMade, 1, 'not retried');
    assert.equal(await job?.getState(), 'failed');
    await waitFor(() => h.adapter.completed.some((c) => c.jobId === fine.jobId), 20_000, 'the next job');
  } finally {
    await h.close();
  }
});

test('an SVG (sent as if it were a PNG) fails at once with input_image, not after rendering', async () => {
  const h = await setup(host);
  try {
    const svg = await h.queue.enqueueEdit(editInput(nestedUseSvg(6)));
    await waitFor(() => h.adapter.failed.some((f) => f.jobId === svg.jobId), 10_000, 'the refusal');
    const failure = h.adapter.failed.find((f) => f.jobId === svg.jobId);
    assert.equal(failure?.code, 'input_image');
    assert.match(failure?.userMessage ?? '', /SVG/);
  } finally {
    await h.close();
  }
});

import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { InvalidJobError, BlobTooLargeError } from '../../queue/errors.ts';
import { jobIdFor } from '../../queue/edit-job.ts';
import { harnessSuite } from './harness.ts';
import { editInput, solidPng, waitFor } from './helpers.ts';
import { TintRunner } from './tint-runner.ts';

const { command, setup } = harnessSuite('e2e');
let image: Buffer;

before(async () => {
  image = await solidPng({ r: 200, g: 200, b: 200 });
});

test('enqueue -> worker -> delivery: a tinted PNG, progress, and metadata reach the adapter once', async () => {
  const runner = new TintRunner({ stepMs: 10 });
  const h = await setup(runner);
  try {
    const enqueued = await h.queue.enqueueEdit(editInput(image));
    assert.equal(enqueued.duplicate, false);
    assert.match(enqueued.jobId, /^discord-/);
    await waitFor(() => h.adapter.completed.length === 1, 5000, 'completion');
    const [delivery] = h.adapter.completed;
    assert.ok(delivery);
    assert.equal(delivery.jobId, enqueued.jobId);
    assert.deepEqual(delivery.job.replyTo, { token: 'interaction-token' });
    assert.equal(delivery.result.kind, 'single');
    assert.deepEqual(delivery.result.strengths, [0.5]);
    assert.equal(delivery.result.seed, 42);
    assert.equal(delivery.result.steps, 3);
    assert.equal(delivery.result.modelId, 'tint-test');
    assert.equal(delivery.result.cached, false);
    assert.ok(delivery.result.timings.total !== undefined);
    const file = delivery.files[0];
    assert.equal(file?.mime, 'image/png');
    // The runner really ran: strength 0.5 halves green and blue, keeps red.
    const { data } = await sharp(file?.data).raw().toBuffer({ resolveWithObject: true });
    assert.deepEqual([data[0], data[1], data[2]], [200, 100, 100]);
    const stages = h.adapter.progress.filter((p) => p.jobId === enqueued.jobId).map((p) => p.progress.stage);
    assert.ok(stages.includes('denoise'), `progress stages: ${stages.join(',')}`);
    assert.equal(h.adapter.count(enqueued.jobId), 1);
    assert.deepEqual(await h.queue.getQueuePosition(enqueued.jobId), { state: 'finished' });
  } finally {
    await h.close();
  }
});

test('a sweep comes back as an animated GIF and a contact sheet', async () => {
  const runner = new TintRunner();
  const h = await setup(runner);
  try {
    const input = editInput(image, {
      request: { instruction: 'make it red', strength: { kind: 'sweep', frames: 4 }, seed: 1 },
    });
    await h.queue.enqueueEdit(input);
    await waitFor(() => h.adapter.completed.length === 1, 5000, 'sweep');
    const delivery = h.adapter.completed[0];
    assert.deepEqual(delivery?.result.strengths, [0, 1 / 3, 2 / 3, 1]);
    assert.deepEqual(
      delivery?.files.map((f) => f.name),
      ['sweep.gif', 'sweep-sheet.png'],
    );
    const gif = await sharp(delivery?.files[0]?.data, { animated: true }).metadata();
    assert.equal(gif.pages, 4);
  } finally {
    await h.close();
  }
});

test('a redelivered interaction enqueues one job, runs once and is delivered once', async () => {
  const runner = new TintRunner();
  const h = await setup(runner);
  try {
    const input = editInput(image);
    const [first, second] = await Promise.all([h.queue.enqueueEdit(input), h.queue.enqueueEdit(input)]);
    const third = await h.queue.enqueueEdit(input);
    assert.equal(first.jobId, jobIdFor('discord', input.interactionId));
    assert.equal(second.jobId, first.jobId);
    assert.equal(third.duplicate, true);
    assert.equal([first, second].filter((e) => e.duplicate).length, 1);
    await waitFor(() => h.adapter.completed.length === 1, 5000, 'completion');
    await new Promise((resolve) => setTimeout(resolve, 300)); // a second delivery would show up by now
    assert.equal(runner.calls.length, 1);
    assert.equal(h.adapter.count(first.jobId), 1);
  } finally {
    await h.close();
  }
});

test('an identical request is answered from the result cache without running the model', async () => {
  const runner = new TintRunner();
  const h = await setup(runner);
  try {
    const a = await h.queue.enqueueEdit(editInput(image));
    await waitFor(() => h.adapter.completed.length === 1, 5000, 'first');
    const b = await h.queue.enqueueEdit(
      editInput(image, { requester: { channelId: 'c2', userId: 'user-b' } }),
    );
    await waitFor(() => h.adapter.completed.length === 2, 5000, 'second');
    assert.notEqual(a.jobId, b.jobId);
    assert.equal(runner.calls.length, 1);
    const second = h.adapter.completed.find((d) => d.jobId === b.jobId);
    assert.equal(second?.result.cached, true);
    assert.deepEqual(second?.files[0]?.data, h.adapter.completed[0]?.files[0]?.data);
    assert.equal((await h.metrics.cacheHits.get()).values[0]?.value, 1);
    assert.deepEqual(await h.worker?.cache.stats(), { hits: 1, misses: 1 });
    // Another seed is another image: a miss.
    await h.queue.enqueueEdit(editInput(image, { request: { ...editInput(image).request, seed: 43 } }));
    await waitFor(() => h.adapter.completed.length === 3, 5000, 'third');
    assert.equal(runner.calls.length, 2);
  } finally {
    await h.close();
  }
});

test('bad payloads are rejected at enqueue and, if they get in anyway, by the worker', async () => {
  const runner = new TintRunner();
  const h = await setup(runner, { queue: { blobMaxBytes: 4096 } });
  try {
    const bad = editInput(image, {
      request: { instruction: 'x', strength: { kind: 'single', value: 2 }, seed: 1 },
    });
    await assert.rejects(h.queue.enqueueEdit(bad), InvalidJobError);
    await assert.rejects(h.queue.enqueueEdit(editInput(new Uint8Array(5000))), BlobTooLargeError);
    assert.equal(await h.queue.queue.count(), 0);

    // Straight into BullMQ, past enqueueEdit: the worker's own check fails it without retries.
    const junkId = 'discord-junk1';
    await command.zadd(h.queue.keys.pendingDelivery('discord'), Date.now(), junkId);
    await h.queue.queue.add('edit', { v: 1, request: 'nonsense' } as never, { jobId: junkId, attempts: 3 });
    await waitFor(() => h.adapter.failed.length === 1, 5000, 'junk failure');
    assert.equal(h.adapter.failed[0]?.code, 'invalid_job');
    assert.equal(runner.calls.length, 0);
    const job = await h.queue.queue.getJob(junkId);
    assert.equal(job?.attemptsMade, 1);
  } finally {
    await h.close();
  }
});

test('a transient failure is retried with backoff; bad input fails at once with its reason', async () => {
  const runner = new TintRunner({ failFirst: 1 });
  const h = await setup(runner);
  try {
    const ok = await h.queue.enqueueEdit(editInput(image));
    await waitFor(() => h.adapter.completed.length === 1, 5000, 'retried completion');
    assert.equal(runner.calls.length, 2);
    assert.equal(h.adapter.failed.length, 0, 'an attempt that is retried is not reported');
    assert.equal(
      (await h.queue.queue.getJob(ok.jobId))?.attemptsMade,
      2,
      'one failed, one completed attempt',
    );

    const notAnImage = new TextEncoder().encode('this is not a picture');
    const bad = await h.queue.enqueueEdit(editInput(notAnImage));
    await waitFor(() => h.adapter.failed.length === 1, 5000, 'input failure');
    const failure = h.adapter.failed[0];
    assert.equal(failure?.jobId, bad.jobId);
    assert.equal(failure?.code, 'input_image');
    assert.equal(failure?.userMessage, 'That file is not an image I can read.');
    assert.equal(runner.calls.length, 3, 'no retry for bad input');
    const failures = (await h.metrics.failures.get()).values;
    assert.ok(failures.some((v) => v.labels.code === 'input_image' && v.labels.final === 'true'));
    assert.ok(failures.some((v) => v.labels.code === 'internal' && v.labels.final === 'false'));
  } finally {
    await h.close();
  }
});

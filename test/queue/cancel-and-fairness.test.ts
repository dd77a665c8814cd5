import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CancelForbiddenError, InflightCapError, JobNotFoundError } from '../../queue/errors.ts';
import { harnessSuite } from './harness.ts';
import { editInput, solidPng, sleep, waitFor } from './helpers.ts';
import { TintRunner } from './tint-runner.ts';

const { setup } = harnessSuite('control');
const image = await solidPng({ r: 10, g: 120, b: 240 });

test('the per-user cap refuses a third edit with a user-facing message, and frees up on completion', async () => {
  const runner = new TintRunner({ stepMs: 40 });
  const h = await setup(runner);
  try {
    await h.queue.enqueueEdit(editInput(image));
    await h.queue.enqueueEdit(editInput(image, { request: { ...editInput(image).request, seed: 2 } }));
    await assert.rejects(h.queue.enqueueEdit(editInput(image)), (err: unknown) => {
      assert.ok(err instanceof InflightCapError);
      assert.equal(err.code, 'user_inflight_cap');
      assert.equal(err.userMessage, 'You already have 2 edits running - wait for one to finish.');
      return true;
    });
    // Another user is not affected.
    await h.queue.enqueueEdit(
      editInput(image, { requester: { teamId: 'guild-1', channelId: 'c', userId: 'user-b' } }),
    );
    await waitFor(() => h.adapter.completed.length >= 1, 5000, 'a completion');
    await h.queue.enqueueEdit(editInput(image, { request: { ...editInput(image).request, seed: 3 } }));
  } finally {
    await h.close();
  }
});

test('cancel: a queued edit is removed, a running one stops between steps, nobody else may cancel', async () => {
  const runner = new TintRunner({ stepMs: 100, defaultSteps: 30 });
  const h = await setup(runner);
  try {
    const input = (seed: number) =>
      editInput(image, { request: { instruction: 'x', strength: { kind: 'single', value: 1 }, seed } });
    const running = await h.queue.enqueueEdit(input(1));
    const queued = await h.queue.enqueueEdit(input(2));
    await runner.started;
    assert.deepEqual(await h.queue.getQueuePosition(running.jobId), { state: 'running' });
    assert.deepEqual(await h.queue.getQueuePosition(queued.jobId), { state: 'queued', position: 1 });

    await assert.rejects(h.queue.cancelEdit(running.jobId, 'user-mallory'), CancelForbiddenError);
    await assert.rejects(h.queue.cancelEdit('discord-nope', 'user-a'), JobNotFoundError);

    assert.equal(await h.queue.cancelEdit(queued.jobId, 'user-a'), 'removed');
    assert.equal(await h.queue.queue.getJob(queued.jobId), undefined);

    const cancelledAt = Date.now();
    assert.equal(await h.queue.cancelEdit(running.jobId, 'user-a'), 'signalled');
    await waitFor(() => h.adapter.failed.length === 1, 3000, 'cancel delivery');
    assert.ok(Date.now() - cancelledAt < 1500, 'stopped long before its 3 s of steps');
    assert.equal(h.adapter.failed[0]?.jobId, running.jobId);
    assert.equal(h.adapter.failed[0]?.code, 'cancelled');
    assert.equal(h.adapter.completed.length, 0);
    assert.equal(runner.calls.length, 1, 'the removed job never ran');
    assert.equal((await h.queue.queue.getJob(running.jobId))?.attemptsMade, 1, 'not retried');
    assert.equal(await h.queue.cancelEdit(running.jobId, 'user-a'), 'already_finished');
    await sleep(300); // a scan would deliver the removed job by now if it were going to
    assert.equal(h.adapter.count(queued.jobId), 0);
  } finally {
    await h.close();
  }
});

test("fairness: one user's 20-job backlog delays another user's edit by at most one job", async () => {
  const runner = new TintRunner({ stepMs: 15, defaultSteps: 2 });
  const h = await setup(runner, { queue: { userInflightCap: 50, teamInflightCap: 100 } });
  try {
    const a = (seed: number) =>
      editInput(image, { request: { instruction: 'A', strength: { kind: 'single', value: 0.2 }, seed } });
    for (let seed = 0; seed < 20; seed++) await h.queue.enqueueEdit(a(seed));
    await runner.started;
    const startedBeforeB = runner.calls.length;
    const b = await h.queue.enqueueEdit(
      editInput(image, {
        request: { instruction: 'B', strength: { kind: 'single', value: 0.2 }, seed: 99 },
        requester: { teamId: 'guild-1', channelId: 'c', userId: 'user-b' },
      }),
    );
    assert.equal(b.position.state, 'queued');
    assert.ok(b.position.state === 'queued' && b.position.position <= 2, JSON.stringify(b.position));
    await waitFor(() => h.adapter.completed.length === 21, 10_000, 'all 21 edits');
    const order = runner.calls.map((c) => c.instruction);
    const bIndex = order.indexOf('B');
    const aJobsBetween = bIndex - startedBeforeB;
    assert.ok(aJobsBetween <= 1, `B started after ${aJobsBetween} more A jobs: ${order.join('')}`);
    assert.equal(order.filter((i) => i === 'A').length, 20);
  } finally {
    await h.close();
  }
});

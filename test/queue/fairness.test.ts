import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PRIORITY_LIMIT, advanceClock, jobCost, priorityFor } from '../../queue/fairness.ts';

test('priorityFor: a new user starts at the clock, a busy user after their own last finish', () => {
  assert.deepEqual(priorityFor({ clock: 0, userFinish: 0, cost: 1 }), {
    priority: 1,
    start: 0,
    userFinish: 1,
  });
  assert.deepEqual(priorityFor({ clock: 7, userFinish: 3, cost: 1 }), {
    priority: 8,
    start: 7,
    userFinish: 8,
  });
  assert.deepEqual(priorityFor({ clock: 7, userFinish: 12, cost: 20 }), {
    priority: 13,
    start: 12,
    userFinish: 32,
  });
});

test('priorityFor clamps at BullMQ priority limit and rejects bad costs', () => {
  assert.equal(priorityFor({ clock: PRIORITY_LIMIT + 10, userFinish: 0, cost: 1 }).priority, PRIORITY_LIMIT);
  assert.throws(() => priorityFor({ clock: 0, userFinish: 0, cost: 0 }), RangeError);
  assert.throws(() => priorityFor({ clock: -1, userFinish: 0, cost: 1 }), RangeError);
});

test('advanceClock never goes backwards; jobCost is frames, at least 1', () => {
  assert.equal(advanceClock(5, 3), 5);
  assert.equal(advanceClock(5, 10), 9);
  assert.equal(jobCost(1), 1);
  assert.equal(jobCost(20), 20);
  assert.equal(jobCost(0), 1);
});

/** One worker serving BullMQ priorities: the lowest (priority, arrival) first. Mirrors admission.ts. */
class Dispatcher {
  clock = 0;
  readonly finish = new Map<string, number>();
  readonly waiting: { user: string; priority: number; seq: number }[] = [];
  running = 0;
  private seq = 0;

  enqueue(user: string, cost = 1): number {
    if (this.waiting.length === 0 && this.running === 0) {
      this.clock = 0;
      this.finish.clear();
    }
    const tag = priorityFor({ clock: this.clock, userFinish: this.finish.get(user) ?? 0, cost });
    this.finish.set(user, tag.userFinish);
    this.waiting.push({ user, priority: tag.priority, seq: this.seq++ });
    return tag.priority;
  }

  start(): string {
    this.waiting.sort((a, b) => a.priority - b.priority || a.seq - b.seq);
    const job = this.waiting.shift();
    assert.ok(job, 'nothing to start');
    this.clock = advanceClock(this.clock, job.priority);
    this.running += 1;
    return job.user;
  }

  done(): void {
    this.running -= 1;
  }
}

test("a 20-job backlog delays another user's single edit by at most one job", () => {
  for (const startedBeforeB of [0, 1, 5]) {
    const d = new Dispatcher();
    for (let i = 0; i < 20; i++) d.enqueue('A');
    const order: string[] = [];
    for (let i = 0; i < startedBeforeB; i++) {
      order.push(d.start());
      d.done();
    }
    order.push(d.start()); // A's job running when B arrives
    d.enqueue('B');
    d.done();
    while (d.waiting.length > 0) {
      order.push(d.start());
      d.done();
    }
    const bAt = order.indexOf('B');
    const aJobsBetween = order.slice(startedBeforeB + 1, bAt).length;
    assert.ok(aJobsBetween <= 1, `B waited for ${aJobsBetween} more A jobs (order ${order.join('')})`);
    assert.equal(order.filter((u) => u === 'A').length, 20);
  }
});

test('two users who both keep a backlog are served alternately', () => {
  const d = new Dispatcher();
  for (let i = 0; i < 10; i++) d.enqueue('A');
  d.start(); // A0 running
  for (let i = 0; i < 10; i++) d.enqueue('B');
  const order: string[] = [];
  d.done();
  while (d.waiting.length > 0) {
    order.push(d.start());
    d.done();
  }
  // After A's running job, no user gets two turns in a row while the other still waits.
  const firstRun = order.slice(0, 18).join('');
  assert.doesNotMatch(firstRun, /AA|BB/, firstRun);
});

test('cost is frames: a 20-frame sweep counts as 20 turns of another user with a backlog', () => {
  const d = new Dispatcher();
  d.enqueue('A', 20);
  d.enqueue('A', 1);
  d.start(); // A's sweep runs
  for (let i = 0; i < 25; i++) d.enqueue('B');
  d.done();
  const order: string[] = [];
  while (d.waiting.length > 0) {
    order.push(d.start());
    d.done();
  }
  // B's first 20 single edits balance A's 20 frames; then A's next edit; then the rest of B.
  assert.equal(order.indexOf('A'), 20, order.join(''));
  assert.equal(order.length, 26);
});

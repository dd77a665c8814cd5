import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { admit, advanceFairClock, type AdmissionRequest } from '../../queue/admission.ts';
import { advanceClock, priorityFor } from '../../queue/fairness.ts';
import { QueueKeys } from '../../queue/keys.ts';
import { commandClient, deleteKeys, uniquePrefix } from './helpers.ts';

const prefix = uniquePrefix('admit');
const redis = commandClient();
let n = 0;

before(() => redis.ping());
after(async () => {
  await deleteKeys(redis, prefix);
  await redis.quit();
});

function request(keys: QueueKeys, overrides: Partial<AdmissionRequest> = {}): AdmissionRequest {
  n += 1;
  return {
    jobId: `discord-${n}`,
    platform: 'discord',
    userId: 'u1',
    teamId: 't1',
    cost: 1,
    userCap: 2,
    teamCap: 100,
    ...overrides,
  };
}

test('the user cap holds under concurrent enqueues', async () => {
  const keys = new QueueKeys(prefix, 'concurrent');
  const outcomes = await Promise.all(Array.from({ length: 10 }, () => admit(redis, keys, request(keys))));
  assert.equal(outcomes.filter((o) => o.status === 'admitted').length, 2);
  assert.equal(outcomes.filter((o) => o.status === 'user_cap').length, 8);
  assert.deepEqual(
    outcomes.find((o) => o.status === 'user_cap'),
    { status: 'user_cap', cap: 2 },
  );
});

test('slots are reconciled against job state: finished, removed and stale reservations free them', async () => {
  const keys = new QueueKeys(prefix, 'reconcile');
  const now = 1_000_000;
  const running = request(keys, { now });
  const finished = request(keys, { now });
  assert.equal((await admit(redis, keys, running)).status, 'admitted');
  assert.equal((await admit(redis, keys, finished)).status, 'admitted');
  assert.equal((await admit(redis, keys, request(keys, { now: now + 10 }))).status, 'user_cap');

  // BullMQ's job hashes: one still running, one finished.
  await redis.hset(keys.job(running.jobId), 'data', '{}', 'processedOn', String(now));
  await redis.hset(keys.job(finished.jobId), 'data', '{}', 'finishedOn', String(now + 5));
  const third = request(keys, { now: now + 20 });
  assert.equal((await admit(redis, keys, third)).status, 'admitted', 'the finished job freed its slot');

  // `third` has no job hash: a reservation that counts only within the grace period.
  assert.equal((await admit(redis, keys, request(keys, { now: now + 30 }))).status, 'user_cap');
  assert.equal((await admit(redis, keys, request(keys, { now: now + 60_021 }))).status, 'admitted');
  const members = await redis.zrange(keys.userInflight('discord', 'u1'), '0', '-1');
  assert.equal(members.includes(finished.jobId), false);
  assert.equal(members.includes(third.jobId), false);
  assert.equal(members.includes(running.jobId), true);
});

test('the team cap counts every user of the team', async () => {
  const keys = new QueueKeys(prefix, 'team');
  const statuses = [];
  for (const userId of ['a', 'b', 'c', 'd'])
    statuses.push((await admit(redis, keys, request(keys, { userId, teamCap: 3 }))).status);
  assert.deepEqual(statuses, ['admitted', 'admitted', 'admitted', 'team_cap']);
  const dm = await admit(redis, keys, request(keys, { userId: 'e', teamId: undefined, teamCap: 3 }));
  assert.equal(dm.status, 'admitted', 'no team (a DM) means no team cap');
});

test('admitting the same job id twice is a duplicate, not a second slot', async () => {
  const keys = new QueueKeys(prefix, 'dup');
  const req = request(keys);
  assert.equal((await admit(redis, keys, req)).status, 'admitted');
  assert.deepEqual(await admit(redis, keys, req), { status: 'duplicate' });
  assert.equal(await redis.zcard(keys.userInflight('discord', 'u1')), 1);
});

test('the Lua script computes the same priorities as priorityFor', async () => {
  const keys = new QueueKeys(prefix, 'agree');
  // Something "running" keeps the queue from looking idle, so tags never reset in this run.
  await redis.lpush(`${keys.queueBase}:active`, 'placeholder');
  let clock = 0;
  const finish = new Map<string, number>();
  const admitted: number[] = [];
  let seed = 12345;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let i = 0; i < 60; i++) {
    if (admitted.length > 0 && random() < 0.35) {
      const priority = admitted.splice(Math.floor(random() * admitted.length), 1)[0] as number;
      clock = advanceClock(clock, priority);
      assert.equal(await advanceFairClock(redis, keys, priority), clock);
      continue;
    }
    const userId = `u${Math.floor(random() * 4)}`;
    const cost = 1 + Math.floor(random() * 12);
    const expected = priorityFor({ clock, userFinish: finish.get(`discord:${userId}`) ?? 0, cost });
    finish.set(`discord:${userId}`, expected.userFinish);
    const outcome = await admit(redis, keys, request(keys, { userId, cost, userCap: 1000 }));
    assert.deepEqual(outcome, { status: 'admitted', priority: expected.priority }, `step ${i}`);
    admitted.push(expected.priority);
  }
});

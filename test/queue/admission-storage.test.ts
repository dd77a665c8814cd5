import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InflightCapError } from '../../queue/errors.ts';
import { harnessSuite } from './harness.ts';
import { editInput, solidPng } from './helpers.ts';
import { TintRunner } from './tint-runner.ts';

const { setup, command, prefix } = harnessSuite('admission-storage');

/** Every key of this file's queue `queueName` that contains `pattern`, with its TTL in seconds. */
async function keysWithTtl(queueName: string, pattern: string): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  let cursor = '0';
  do {
    const [next, keys] = await command.scan(
      cursor,
      'MATCH',
      `${prefix}*:${queueName}${pattern}*`,
      'COUNT',
      1000,
    );
    cursor = next;
    for (const key of keys) found.set(key, await command.ttl(key));
  } while (cursor !== '0');
  return found;
}

test('refused enqueues store nothing: 20 edits over the cap leave only the admitted blobs', async () => {
  const h = await setup(new TintRunner(), { worker: false, delivery: false });
  try {
    for (const shade of [1, 2])
      await h.queue.enqueueEdit(editInput(await solidPng({ r: shade, g: 0, b: 0 })));
    const admittedBlobs = await keysWithTtl(h.queue.keys.queueName, ':blob:');
    assert.equal(admittedBlobs.size, 2);

    for (let i = 0; i < 20; i += 1) {
      // A different image each time, so no refused upload could hide behind an admitted one's key.
      const image = await solidPng({ r: 0, g: 10 + i, b: 0 });
      await assert.rejects(h.queue.enqueueEdit(editInput(image)), InflightCapError);
    }
    assert.deepEqual(
      [...(await keysWithTtl(h.queue.keys.queueName, ':blob:')).keys()].sort(),
      [...admittedBlobs.keys()].sort(),
    );
  } finally {
    await h.close();
  }
});

test('in-flight sets expire: user and team sets get a TTL, refreshed by each admission', async () => {
  const h = await setup(new TintRunner(), { worker: false, delivery: false, queue: { blobTtlSeconds: 600 } });
  try {
    const image = await solidPng({ r: 3, g: 3, b: 3 });
    await h.queue.enqueueEdit(editInput(image));
    const sets = await keysWithTtl(h.queue.keys.queueName, ':kk:inflight:');
    assert.deepEqual([...sets.keys()].map((k) => k.replace(/.*:inflight:/, '')).sort(), [
      'team:discord:guild-1',
      'user:discord:user-a',
    ]);
    for (const [key, ttl] of sets) assert.ok(ttl > 590 && ttl <= 600, `${key} has TTL ${ttl}`);

    // A refused enqueue still touches the user's set: shorten it, then watch it come back.
    for (const key of sets.keys()) await command.expire(key, 5);
    await h.queue.enqueueEdit(editInput(image, { request: { ...editInput(image).request, seed: 7 } }));
    await assert.rejects(
      h.queue.enqueueEdit(editInput(image, { request: { ...editInput(image).request, seed: 8 } })),
      InflightCapError,
    );
    for (const [key, ttl] of await keysWithTtl(h.queue.keys.queueName, ':kk:inflight:'))
      assert.ok(ttl > 590, `${key} was not refreshed (TTL ${ttl})`);
  } finally {
    await h.close();
  }
});

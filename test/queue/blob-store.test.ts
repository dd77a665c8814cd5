import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { BlobStore } from '../../queue/blob-store.ts';
import { BlobMissingError, BlobTooLargeError } from '../../queue/errors.ts';
import { QueueKeys } from '../../queue/keys.ts';
import { commandClient, deleteKeys, sleep, uniquePrefix } from './helpers.ts';

const prefix = uniquePrefix('blob');
const redis = commandClient();
const keys = new QueueKeys(prefix);

before(() => redis.ping());
after(async () => {
  await deleteKeys(redis, prefix);
  await redis.quit();
});

test('same bytes are stored once, by sha256, and a second put refreshes the TTL', async () => {
  const blobs = new BlobStore(redis, keys, { ttlSeconds: 100 });
  const bytes = new TextEncoder().encode('an image, honestly');
  const first = await blobs.put(bytes);
  assert.match(first.id, /^sha256-[0-9a-f]{64}$/);
  assert.equal(first.bytes, bytes.byteLength);
  await redis.expire(keys.blob(first.id), 5); // pretend most of the TTL has passed
  const second = await blobs.put(new Uint8Array(bytes));
  assert.equal(second.id, first.id);
  assert.ok((await blobs.pttl(first.id)) > 90_000, 'TTL refreshed to the full 100 s');
  assert.deepEqual(new Uint8Array((await blobs.get(first.id)) as Buffer), bytes);
  const stored = await redis.keys(`${prefix}*blob*`);
  assert.equal(stored.length, 1);
});

test('a blob over the cap is a typed user-facing error and nothing is stored', async () => {
  const blobs = new BlobStore(redis, keys, { maxBytes: 1024 });
  const big = new Uint8Array(1025).fill(7);
  await assert.rejects(blobs.put(big), (err: unknown) => {
    assert.ok(err instanceof BlobTooLargeError);
    assert.equal(err.code, 'blob_too_large');
    assert.equal(err.maxBytes, 1024);
    return true;
  });
  assert.equal(await blobs.get(BlobStore.idOf(big)), undefined);
  await blobs.put(new Uint8Array(1024)); // exactly the cap is fine
});

test('blobs expire after their TTL', async () => {
  const blobs = new BlobStore(redis, keys, { ttlSeconds: 1 });
  const ref = await blobs.put(new TextEncoder().encode(`short-lived ${Date.now()}`));
  const ttl = await blobs.pttl(ref.id);
  assert.ok(ttl > 0 && ttl <= 1000, `PTTL ${ttl}`);
  await sleep(1100);
  assert.equal(await blobs.pttl(ref.id), -2);
  assert.equal(await blobs.get(ref.id), undefined);
  await assert.rejects(blobs.require(ref.id), BlobMissingError);
  assert.equal(await blobs.touch([ref.id]), false);
});

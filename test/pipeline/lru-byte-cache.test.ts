import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LruByteCache } from '../../pipeline/cache/lru-byte-cache.ts';

const bytes = (n: number) => new Uint8Array(n);
const cache = (maxBytes: number) => new LruByteCache<Uint8Array>({ maxBytes, sizeOf: (v) => v.byteLength });

test('evicts least recently used entries to stay within the byte budget', () => {
  const c = cache(100);
  c.set('a', bytes(40));
  c.set('b', bytes(40));
  assert.ok(c.get('a')); // a is now the most recent
  c.set('c', bytes(40)); // 120 > 100: b goes
  assert.equal(c.has('b'), false);
  assert.equal(c.has('a'), true);
  assert.equal(c.has('c'), true);
  assert.equal(c.stats().bytes, 80);
});

test('counts hits and misses', () => {
  const c = cache(10);
  c.set('a', bytes(1));
  c.get('a');
  c.get('x');
  assert.deepEqual(c.stats(), { hits: 1, misses: 1, entries: 1, bytes: 1 });
});

test('a value larger than the budget is not stored; 0 disables the cache', () => {
  const c = cache(10);
  c.set('big', bytes(11));
  assert.equal(c.has('big'), false);
  const off = cache(0);
  off.set('a', bytes(1));
  assert.equal(off.get('a'), undefined);
});

test('replacing a key updates the byte count', () => {
  const c = cache(100);
  c.set('a', bytes(30));
  c.set('a', bytes(50));
  assert.equal(c.stats().bytes, 50);
  assert.equal(c.delete('a'), true);
  assert.equal(c.stats().bytes, 0);
  assert.equal(c.delete('a'), false);
});

test('rejects a negative budget', () => {
  assert.throws(() => cache(-1), RangeError);
});

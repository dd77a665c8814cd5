import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../config/config.ts';
import { parseHostPort, plainPrefix, queuePrefix, redisTopology } from '../../queue/redis-connection.ts';

test('a plain URL is one server; workers get maxRetriesPerRequest null, producers a bounded count', () => {
  const config = parseConfig({});
  const blocking = redisTopology(config, 'blocking');
  assert.equal(blocking.kind, 'standalone');
  assert.equal(blocking.options.host, '127.0.0.1');
  assert.equal(blocking.options.port, 6379);
  assert.equal(blocking.options.db, 0);
  assert.equal(blocking.options.maxRetriesPerRequest, null);
  assert.equal(blocking.options.tls, undefined);
  const command = redisTopology(config, 'command');
  assert.equal(command.kind === 'standalone' && command.options.maxRetriesPerRequest, 3);
});

test('rediss:// turns on TLS and carries credentials and the database', () => {
  const config = parseConfig({ REDIS_URL: 'rediss://bot:p%40ss@redis.example.com:6380/2' });
  const topology = redisTopology(config, 'command');
  assert.equal(topology.kind, 'standalone');
  assert.deepEqual(topology.options.tls, { servername: 'redis.example.com' });
  assert.equal(topology.options.username, 'bot');
  assert.equal(topology.options.password, 'p@ss');
  assert.equal(topology.options.db, 2);
  assert.equal(topology.options.port, 6380);
});

test('Sentinel: hosts from REDIS_SENTINELS, master name, auth and TLS from REDIS_URL', () => {
  const config = parseConfig({
    REDIS_URL: 'rediss://:secret@ignored:6379/1',
    REDIS_SENTINELS: 's1.example.com:26380, s2.example.com',
    REDIS_SENTINEL_NAME: 'kk-master',
  });
  const topology = redisTopology(config, 'blocking');
  assert.equal(topology.kind, 'sentinel');
  assert.deepEqual(topology.options.sentinels, [
    { host: 's1.example.com', port: 26380 },
    { host: 's2.example.com', port: 26379 },
  ]);
  assert.equal(topology.options.name, 'kk-master');
  assert.equal(topology.options.password, 'secret');
  assert.equal(topology.options.sentinelPassword, 'secret');
  assert.equal(topology.options.db, 1);
  assert.equal(topology.options.enableTLSForSentinelMode, true);
  assert.equal(topology.options.maxRetriesPerRequest, null);
});

test('Cluster: seed nodes, per-node auth, and a hash-tagged queue prefix', () => {
  const config = parseConfig({
    REDIS_URL: 'redis://:pw@ignored',
    REDIS_CLUSTER_NODES: '10.0.0.1:7000,10.0.0.2:7001,[::1]:7002',
    KK_QUEUE_PREFIX: 'kk',
  });
  const topology = redisTopology(config, 'blocking');
  assert.equal(topology.kind, 'cluster');
  if (topology.kind !== 'cluster') return;
  assert.deepEqual(topology.nodes, [
    { host: '10.0.0.1', port: 7000 },
    { host: '10.0.0.2', port: 7001 },
    { host: '::1', port: 7002 },
  ]);
  assert.equal(topology.options.redisOptions?.password, 'pw');
  assert.equal(topology.options.redisOptions?.maxRetriesPerRequest, null);
  assert.equal(queuePrefix(config), '{kk}');
  assert.equal(queuePrefix({ ...config, KK_QUEUE_PREFIX: 'app{kk}' }), 'app{kk}', 'an existing tag is kept');
  assert.equal(queuePrefix(parseConfig({ KK_QUEUE_PREFIX: 'kk' })), 'kk', 'no tag without Cluster');
  assert.equal(plainPrefix('{kk}'), 'kk');
});

test('host:port parsing and errors', () => {
  assert.deepEqual(parseHostPort('redis', 6379), { host: 'redis', port: 6379 });
  assert.deepEqual(parseHostPort('[fe80::1]:7000', 6379), { host: 'fe80::1', port: 7000 });
  assert.throws(() => parseHostPort('host:99999', 6379), RangeError);
  assert.throws(() => redisTopology(parseConfig({ REDIS_URL: 'http://x' }), 'command'), RangeError);
});

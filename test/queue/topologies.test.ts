/**
 * The queue on real Redis Cluster and Sentinel deployments, started here from `redis-server`
 * (three cluster masters; one master plus one Sentinel), driven only through config variables.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { parseConfig } from '../../config/config.ts';
import { createRedis, queuePrefix, type RedisClient } from '../../queue/redis-connection.ts';
import { InflightCapError } from '../../queue/errors.ts';
import { createHarness } from './harness.ts';
import { editInput, solidPng, waitFor } from './helpers.ts';
import { TintRunner } from './tint-runner.ts';
import { untilPing } from './side-redis.ts';

const hasRedisServer = spawnSync('redis-server', ['--version']).status === 0;
const skip = hasRedisServer ? false : 'redis-server is not installed';
const dir = mkdtempSync(join(tmpdir(), 'kk-topologies-'));
const servers: ChildProcess[] = [];
const basePort = 17000 + Math.floor(Math.random() * 400) * 10;

function startServer(args: string[]): ChildProcess {
  const child = spawn('redis-server', [...args, '--save', '', '--appendonly', 'no', '--dir', dir], {
    stdio: 'ignore',
  });
  servers.push(child);
  return child;
}

after(() => {
  for (const server of servers) server.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

async function roundTrip(command: RedisClient, blocking: RedisClient, prefix: string, queueName: string) {
  const runner = new TintRunner();
  const h = await createHarness({ prefix, queueName, command, blocking, runner });
  try {
    const image = await solidPng({ r: 250, g: 250, b: 250 });
    const single = await h.queue.enqueueEdit(editInput(image));
    const sweep = await h.queue.enqueueEdit(
      editInput(image, { request: { instruction: 'red', strength: { kind: 'sweep', frames: 3 }, seed: 5 } }),
    );
    await assert.rejects(h.queue.enqueueEdit(editInput(image)), InflightCapError);
    await waitFor(() => h.adapter.completed.length === 2, 10_000, 'two deliveries');
    assert.equal(h.adapter.count(single.jobId), 1);
    assert.deepEqual(h.adapter.completed.find((d) => d.jobId === sweep.jobId)?.result.strengths, [0, 0.5, 1]);
  } finally {
    await h.close();
  }
}

describe('Redis Cluster', { skip }, () => {
  const ports = [basePort, basePort + 1, basePort + 2];
  let command: RedisClient;
  let blocking: RedisClient;
  const config = parseConfig({
    REDIS_CLUSTER_NODES: ports.map((p) => `127.0.0.1:${p}`).join(','),
    KK_QUEUE_PREFIX: 'kkcluster',
  });

  before(async () => {
    for (const port of ports)
      startServer([
        '--port',
        String(port),
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        `nodes-${port}.conf`,
      ]);
    await Promise.all(ports.map(untilPing));
    const nodes = ports.map((p) => `127.0.0.1:${p}`);
    await promisify(execFile)('redis-cli', [
      '--cluster',
      'create',
      ...nodes,
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]);
    const probe = new Redis({ port: ports[0] });
    await waitFor(
      async () => (await probe.cluster('INFO')).includes('cluster_state:ok'),
      10_000,
      'cluster ok',
    );
    probe.disconnect();
    command = createRedis(config, 'command');
    blocking = createRedis(config, 'blocking');
  });
  after(async () => {
    await Promise.all([command?.quit(), blocking?.quit()]);
  });

  test('enqueue -> worker -> delivery works with a hash-tagged prefix; blobs spread across shards', async () => {
    const prefix = queuePrefix(config);
    assert.equal(prefix, '{kkcluster}');
    await roundTrip(command, blocking, prefix, 'edits');
    // Every queue key (BullMQ's and ours) is in the tag's slot; blobs are outside it.
    const node = new Redis({ port: ports[0] });
    const slot = (key: string) => node.cluster('KEYSLOT', key);
    const tagSlot = await slot('{kkcluster}');
    assert.equal(await slot('{kkcluster}:edits:kk:fair:clock'), tagSlot);
    assert.equal(await slot('{kkcluster}:edits:prioritized'), tagSlot);
    assert.notEqual(await slot('kkcluster:edits:blob:sha256-00'), tagSlot);
    node.disconnect();
  });
});

describe('Redis Sentinel', { skip }, () => {
  const masterPort = basePort + 5;
  const sentinelPort = basePort + 6;
  let command: RedisClient;
  let blocking: RedisClient;
  const config = parseConfig({
    REDIS_URL: 'redis://ignored.invalid:1/0',
    REDIS_SENTINELS: `127.0.0.1:${sentinelPort}`,
    REDIS_SENTINEL_NAME: 'kkmaster',
    KK_QUEUE_PREFIX: 'kksentinel',
  });

  before(async () => {
    startServer(['--port', String(masterPort)]);
    await untilPing(masterPort);
    const sentinelConf = join(dir, 'sentinel.conf');
    writeFileSync(
      sentinelConf,
      [`port ${sentinelPort}`, `sentinel monitor kkmaster 127.0.0.1 ${masterPort} 1`, `dir ${dir}`, ''].join(
        '\n',
      ),
    );
    servers.push(spawn('redis-server', [sentinelConf, '--sentinel'], { stdio: 'ignore' }));
    await untilPing(sentinelPort);
    command = createRedis(config, 'command');
    blocking = createRedis(config, 'blocking');
  });
  after(async () => {
    await Promise.all([command?.quit(), blocking?.quit()]);
  });

  test('enqueue -> worker -> delivery through the master Sentinel names', async () => {
    assert.equal(queuePrefix(config), 'kksentinel');
    await roundTrip(command, blocking, queuePrefix(config), 'edits');
    const direct = new Redis({ port: masterPort });
    assert.ok((await direct.keys('kksentinel:edits:*')).length > 0, 'the keys live on the master');
    direct.disconnect();
  });
});

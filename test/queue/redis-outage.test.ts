import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { RedisOutageReporter, isConnectionError, redactRedisUrl } from '../../queue/redis-outage.ts';

function recorder() {
  const lines: { level: number; msg: string }[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean))
        lines.push(JSON.parse(line) as { level: number; msg: string });
      done();
    },
  });
  return { logger: pino({ level: 'info' }, sink), lines };
}

const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' });

test('an outage is reported once, its end once, and other errors every time', () => {
  const { logger, lines } = recorder();
  const reporter = new RedisOutageReporter(logger, 'redis://127.0.0.1:6379');
  for (let i = 0; i < 20; i++) reporter.report(refused, i % 2 ? 'worker' : 'queue');
  assert.deepEqual(
    lines.map((l) => l.msg),
    ['cannot reach Redis at redis://127.0.0.1:6379 (ECONNREFUSED); retrying with backoff'],
  );
  reporter.connected();
  reporter.connected();
  reporter.report(refused, 'redis');
  reporter.report(new Error('WRONGTYPE Operation against a key holding the wrong kind of value'), 'worker');
  reporter.report(new Error('WRONGTYPE again'), 'worker');
  assert.deepEqual(
    lines.slice(1).map((l) => l.msg),
    [
      'Redis is reachable again',
      'cannot reach Redis at redis://127.0.0.1:6379 (ECONNREFUSED); retrying with backoff',
      'worker error',
      'worker error',
    ],
  );
});

test('connection errors are told apart from command errors; URLs lose their credentials', () => {
  assert.equal(isConnectionError(refused), true);
  assert.equal(isConnectionError(new Error('Connection is closed.')), true);
  assert.equal(isConnectionError(new Error('NOAUTH Authentication required.')), false);
  assert.equal(redactRedisUrl('redis://user:secret@host:6380/2'), 'redis://host:6380/2');
});

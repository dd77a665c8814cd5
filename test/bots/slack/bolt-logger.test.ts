import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { boltLogger } from '../../../bots/slack/bolt-logger.ts';

/** The keys of one JSON log line in the order written, duplicates kept (JSON.parse would drop them). */
function topLevelKeys(line: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  for (const match of line.matchAll(/"((?:[^"\\]|\\.)*)"(\s*:)?|[{}[\]]/g)) {
    if (match[0] === '{' || match[0] === '[') depth += 1;
    else if (match[0] === '}' || match[0] === ']') depth -= 1;
    else if (match[2] && depth === 1) keys.push(match[1] ?? '');
  }
  return keys;
}

test("Bolt's log lines carry each key once, under the slack component", () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  const logger = pino({ level: 'debug' }, sink).child({ component: 'slack' });
  const bolt = boltLogger(logger);
  bolt.setName('bolt-app');
  bolt.info('Now connected to Slack');
  bolt.warn('http request failed', 42);
  assert.equal(lines.length, 2);
  for (const line of lines) {
    const keys = topLevelKeys(line);
    assert.deepEqual(
      keys.filter((key, i) => keys.indexOf(key) !== i),
      [],
      `duplicate keys in ${line}`,
    );
    const parsed = JSON.parse(line) as Record<string, unknown>;
    assert.equal(parsed.component, 'slack');
    assert.equal(parsed.sdk, 'bolt-app');
  }
  assert.equal((JSON.parse(lines[1] ?? '{}') as { msg?: string }).msg, 'http request failed 42');
});

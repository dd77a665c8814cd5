/**
 * Issue 13's smaller items on the queue side: an empty image gets its own message (not zod's), an
 * over-limit size never reads the same as the limit, and BullMQ Queue errors (Redis unreachable)
 * become one structured log line each instead of raw text on stderr.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { UserFacingError } from '../../commands/errors.ts';
import { checkAttachment } from '../../bots/discord/download-attachment.ts';
import { EditDelivery } from '../../queue/delivery.ts';
import { EditQueue } from '../../queue/edit-queue.ts';
import { BlobTooLargeError, EmptyImageError } from '../../queue/errors.ts';
import { RecordingAdapter, commandClient, deleteKeys, editInput, uniquePrefix, waitFor } from './helpers.ts';

const prefix = uniquePrefix('small-hardening');
const redis = commandClient();
after(async () => {
  await deleteKeys(redis, prefix);
  await redis.quit();
});

test('a zero-byte image is refused with a plain message and nothing is stored', async () => {
  const queue = new EditQueue({ connection: redis, prefix, modelId: 'm', sweepFrames: 4 });
  try {
    await assert.rejects(queue.enqueueEdit(editInput(new Uint8Array(0))), (err: unknown) => {
      assert.ok(err instanceof EmptyImageError);
      assert.equal(err.userMessage, 'That image is empty (0 bytes).');
      assert.doesNotMatch(`${err.userMessage} ${err.hint ?? ''}`, /source\.bytes|Too small/);
      return true;
    });
    assert.deepEqual(await redis.keys(`${prefix}*blob*`), []);
  } finally {
    await queue.close();
  }
});

test('a size just over the limit says "over" instead of repeating the limit', () => {
  const limit = 25 * 1024 * 1024;
  const justOver = new BlobTooLargeError(limit + 1, limit);
  assert.equal(justOver.userMessage, 'That image is too large (over 25.0 MiB).');
  assert.equal(justOver.hint, 'the limit is 25.0 MiB');
  assert.equal(new BlobTooLargeError(limit * 2, limit).userMessage, 'That image is too large (50.0 MiB).');
  assert.throws(
    () =>
      checkAttachment(
        {
          id: '1',
          filename: 'a.png',
          size: limit + 1,
          url: 'https://cdn.discordapp.com/a.png',
          proxy_url: '',
        },
        limit,
      ),
    (err: unknown) => err instanceof UserFacingError && /over 25\.0 MiB/.test(err.userMessage),
  );
});

/** A loopback port with nothing listening: Redis "down", refusing connections. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test('Queue errors while Redis is unreachable are structured log lines, never raw stderr', async () => {
  const lines: { msg: string; err?: { code?: string } }[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line) as never);
      done();
    },
  });
  const logger = pino({ level: 'info' }, sink);
  const port = await closedPort();
  const down = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: null, retryStrategy: () => 50 });
  const raw: unknown[] = [];
  const consoleError = console.error;
  console.error = (...args: unknown[]) => raw.push(args);
  const queue = new EditQueue({ connection: down, prefix, modelId: 'm', sweepFrames: 4, logger });
  const delivery = new EditDelivery({
    connection: down,
    prefix,
    adapters: { discord: new RecordingAdapter() },
    logger,
  });
  try {
    await waitFor(
      () => lines.some((l) => l.msg === 'queue error') && lines.some((l) => l.msg === 'delivery queue error'),
      5000,
      'the queue error lines',
    );
    assert.ok(lines.every((l) => l.err?.code === 'ECONNREFUSED'));
    assert.deepEqual(raw, []);
  } finally {
    console.error = consoleError;
    await delivery.close().catch(() => undefined);
    await queue.close().catch(() => undefined);
    down.disconnect();
  }
});

/**
 * Bounds a bot-side queue call while Redis is down or stalled. ioredis keeps commands in its offline queue
 * while it reconnects and fails them only after `maxRetriesPerRequest` reconnect attempts, whose backoff
 * grows: enqueues measured 0.6 s, 5 s and 19 s during one outage, and then failed with ioredis's own error.
 * Here a call waits at most `readyWaitMs` for a reconnecting client before it starts, and at most
 * `timeoutMs` in all; either way, and on any connection error, it fails with `QueueUnavailableError`.
 */
import type { RedisClient } from './redis-connection.ts';
import { QueueUnavailableError } from './errors.ts';
import { isConnectionError } from './redis-outage.ts';

export interface FailFastOptions {
  /** How long a call waits for a client that is (re)connecting before giving up. @defaultValue 1000 */
  readyWaitMs: number;
  /** The whole call's limit, Redis round trips included. @defaultValue 5000 */
  timeoutMs: number;
}

export const DEFAULT_FAIL_FAST: FailFastOptions = { readyWaitMs: 1000, timeoutMs: 5000 };

/** ioredis errors that mean "Redis did not answer", beyond the socket codes of `isConnectionError`. */
function isUnavailable(err: unknown): boolean {
  if (isConnectionError(err)) return true;
  const name = err instanceof Error ? err.name : '';
  const message = err instanceof Error ? err.message : '';
  return name === 'MaxRetriesPerRequestError' || /Command timed out|max retries per request/.test(message);
}

/**
 * Runs `call` within the limits. A call given up on may still finish once Redis answers again (its commands
 * sit in ioredis's offline queue); `onLateSuccess` gets that result, to undo what the user was told did not
 * happen.
 */
export async function failFast<T>(
  redis: RedisClient,
  call: () => Promise<T>,
  options: FailFastOptions = DEFAULT_FAIL_FAST,
  onLateSuccess?: (value: T) => void,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new QueueUnavailableError()), options.timeoutMs);
  });
  try {
    await Promise.race([whenReady(redis, options.readyWaitMs), expired]);
    let gaveUp = false;
    const running = call();
    running.then(
      (value) => gaveUp && onLateSuccess?.(value),
      () => undefined,
    );
    return await Promise.race([running, expired]).catch((err: unknown) => {
      gaveUp = err instanceof QueueUnavailableError;
      throw err;
    });
  } catch (err) {
    if (err instanceof QueueUnavailableError) throw err;
    if (isUnavailable(err)) throw new QueueUnavailableError({ cause: err });
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves when `redis` is ready; rejects with `QueueUnavailableError` after `waitMs`. */
function whenReady(redis: RedisClient, waitMs: number): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      redis.off('ready', onReady);
      reject(new QueueUnavailableError());
    }, waitMs);
    redis.once('ready', onReady);
  });
}

/**
 * Small per-job records that cross processes through Redis:
 * - the cancel flag: a bot sets it, the worker running the job polls it and aborts the runner;
 * - the failure record: the worker stores the user-facing reason of a failure, the bot reads it when
 *   it delivers (BullMQ's `failedReason` is a plain message; this keeps `code` and `hint` intact).
 */
import { z } from 'zod';
import type { QueueKeys } from './keys.ts';
import type { RedisClient } from './redis-connection.ts';
import { INTERNAL_FAILURE, type FailureInfo } from './retry.ts';

/** How long a cancel flag or failure record outlives its job's finish, at most. */
export const SIGNAL_TTL_SECONDS = 24 * 3600;

export async function requestCancel(redis: RedisClient, keys: QueueKeys, jobId: string): Promise<void> {
  await redis.set(keys.cancel(jobId), '1', 'EX', SIGNAL_TTL_SECONDS);
}

export async function isCancelRequested(
  redis: RedisClient,
  keys: QueueKeys,
  jobId: string,
): Promise<boolean> {
  return (await redis.exists(keys.cancel(jobId))) === 1;
}

export interface CancelWatch {
  readonly signal: AbortSignal;
  /** Checks the flag now (e.g. on each progress report); aborts `signal` when it is set. */
  check(): Promise<boolean>;
  stop(): void;
}

/**
 * Polls the cancel flag every `pollMs` and on `check()`; the returned signal aborts with `reason()`
 * once the flag is seen.
 */
export function watchCancel(
  redis: RedisClient,
  keys: QueueKeys,
  jobId: string,
  options: { pollMs: number; reason: () => Error },
): CancelWatch {
  const controller = new AbortController();
  let stopped = false;
  const check = async (): Promise<boolean> => {
    if (controller.signal.aborted) return true;
    if (stopped) return false;
    if (await isCancelRequested(redis, keys, jobId)) {
      controller.abort(options.reason());
      return true;
    }
    return false;
  };
  const timer = setInterval(() => {
    check().catch(() => undefined); // a failed poll is retried on the next tick
  }, options.pollMs);
  timer.unref();
  return {
    signal: controller.signal,
    check,
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}

const failureRecordSchema = z.object({
  code: z.string(),
  userMessage: z.string(),
  hint: z.string().optional(),
});
export type FailureRecord = z.infer<typeof failureRecordSchema>;

export async function writeFailure(
  redis: RedisClient,
  keys: QueueKeys,
  jobId: string,
  failure: FailureInfo,
): Promise<void> {
  const record: FailureRecord = {
    code: failure.code,
    userMessage: failure.userMessage,
    ...(failure.hint === undefined ? {} : { hint: failure.hint }),
  };
  await redis.set(keys.failure(jobId), JSON.stringify(record), 'EX', SIGNAL_TTL_SECONDS);
}

/** The stored reason, or the generic internal one (e.g. a job that stalled too often has none). */
export async function readFailure(
  redis: RedisClient,
  keys: QueueKeys,
  jobId: string,
): Promise<FailureRecord> {
  const text = await redis.get(keys.failure(jobId));
  if (text !== null) {
    const parsed = failureRecordSchema.safeParse(safeJson(text));
    if (parsed.success) return parsed.data;
  }
  return { ...INTERNAL_FAILURE };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

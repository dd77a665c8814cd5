/**
 * Retry policy as plain functions: which failures are worth another attempt, and how long to wait.
 * Bad input (any `UserFacingError`, e.g. the runner's `code === 'input_image'`) fails at once: running
 * it again gives the same answer. Anything else (a CUDA hiccup, a Redis blip) is retried with
 * exponential backoff.
 */
import { UserFacingError } from '../commands/errors.ts';

/** The backoff type jobs carry; workers compute its delay with `retryDelayMs`. */
export const BACKOFF_TYPE = 'kk-exponential';

export interface BackoffOptions {
  /** Delay before the first retry. @defaultValue 2000 */
  baseMs: number;
  /** Cap on any single delay. @defaultValue 60000 */
  maxMs: number;
  /** Fraction of the delay that is randomised, 0..1, so retries of a burst spread out. @defaultValue 0.2 */
  jitter: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 2000, maxMs: 60_000, jitter: 0.2 };

/**
 * Delay before retry number `attemptsMade` (1 after the first failure): base * 2^(n-1), capped, with the
 * top `jitter` fraction scaled by `random` in [0, 1).
 */
export function retryDelayMs(attemptsMade: number, options: BackoffOptions, random: number): number {
  const { baseMs, maxMs, jitter } = options;
  if (!Number.isInteger(attemptsMade) || attemptsMade < 1) throw new RangeError('attemptsMade must be >= 1');
  if (jitter < 0 || jitter > 1) throw new RangeError('jitter must be in [0, 1]');
  const full = Math.min(maxMs, baseMs * 2 ** (attemptsMade - 1));
  return Math.round(full * (1 - jitter) + full * jitter * random);
}

export interface FailureInfo {
  code: string;
  userMessage: string;
  hint?: string;
  /** Whether another attempt could succeed. */
  retryable: boolean;
}

/** What a bot tells the user when the cause is ours, not theirs. */
export const INTERNAL_FAILURE: Omit<FailureInfo, 'retryable'> = {
  code: 'internal',
  userMessage: 'Something went wrong while making this edit - please try again.',
};

/** Classifies an error thrown while running a job. */
export function classifyFailure(err: unknown): FailureInfo {
  if (err instanceof UserFacingError)
    return {
      code: err.code,
      userMessage: err.userMessage,
      ...(err.hint === undefined ? {} : { hint: err.hint }),
      retryable: false,
    };
  return { ...INTERNAL_FAILURE, retryable: true };
}

/** True when the attempt that just failed was the job's last one. */
export function isFinalAttempt(attemptsMade: number, attempts: number): boolean {
  return attemptsMade + 1 >= attempts;
}

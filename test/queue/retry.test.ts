import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserFacingError } from '../../commands/errors.ts';
import { InflightCapError } from '../../queue/errors.ts';
import { shouldReportProgress } from '../../queue/progress-throttle.ts';
import { DEFAULT_BACKOFF, classifyFailure, isFinalAttempt, retryDelayMs } from '../../queue/retry.ts';

test('retryDelayMs doubles from the base, caps at max, and jitters only its top fraction', () => {
  const noJitter = { baseMs: 1000, maxMs: 10_000, jitter: 0 };
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6].map((n) => retryDelayMs(n, noJitter, 0.9)),
    [1000, 2000, 4000, 8000, 10_000, 10_000],
  );
  const jitter = { baseMs: 2000, maxMs: 60_000, jitter: 0.2 };
  assert.equal(retryDelayMs(1, jitter, 0), 1600);
  assert.equal(retryDelayMs(1, jitter, 0.5), 1800);
  assert.equal(retryDelayMs(3, jitter, 0.999), 7998); // 6400 + 1600 * 0.999
  assert.equal(retryDelayMs(2, DEFAULT_BACKOFF, 1), 4000);
  assert.throws(() => retryDelayMs(0, jitter, 0), RangeError);
});

test('user-facing errors are permanent, anything else is retried', () => {
  const bad = classifyFailure(new UserFacingError('input_image', 'Not an image.', { hint: 'send a PNG' }));
  assert.deepEqual(bad, {
    code: 'input_image',
    userMessage: 'Not an image.',
    hint: 'send a PNG',
    retryable: false,
  });
  assert.equal(classifyFailure(new InflightCapError('user', 2)).code, 'user_inflight_cap');
  const transient = classifyFailure(new Error('CUDA error: an illegal memory access'));
  assert.equal(transient.retryable, true);
  assert.equal(transient.code, 'internal');
  assert.equal(classifyFailure('a string').retryable, true);
});

test('isFinalAttempt counts the attempt that just failed', () => {
  assert.equal(isFinalAttempt(0, 3), false);
  assert.equal(isFinalAttempt(1, 3), false);
  assert.equal(isFinalAttempt(2, 3), true);
  assert.equal(isFinalAttempt(0, 1), true);
});

test('progress is throttled per interval, but stage changes and last steps always pass', () => {
  const at = (stage: 'denoise' | 'decode', step: number, total: number, t: number) => ({
    progress: { stage, step, total },
    at: t,
  });
  assert.equal(shouldReportProgress(undefined, { stage: 'denoise', step: 1, total: 20 }, 0, 500), true);
  const last = at('denoise', 1, 20, 1000);
  assert.equal(shouldReportProgress(last, { stage: 'denoise', step: 2, total: 20 }, 1200, 500), false);
  assert.equal(shouldReportProgress(last, { stage: 'denoise', step: 3, total: 20 }, 1500, 500), true);
  assert.equal(shouldReportProgress(last, { stage: 'denoise', step: 20, total: 20 }, 1001, 500), true);
  assert.equal(shouldReportProgress(last, { stage: 'decode', step: 1, total: 2 }, 1001, 500), true);
});

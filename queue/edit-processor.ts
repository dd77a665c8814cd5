/**
 * What a worker does with one job, as numbered steps. BullMQ calls the returned processor; the
 * worker (edit-worker.ts) owns the BullMQ wiring and shutdown.
 */
import { UnrecoverableError, WaitingError, type Job } from 'bullmq';
import type { Logger } from '../config/logger.ts';
import type { EditProgress, EditRunner } from '../pipeline/types.ts';
import { advanceFairClock } from './admission.ts';
import type { BlobStore } from './blob-store.ts';
import {
  EDIT_JOB_VERSION,
  jobStrengths,
  parseEditJobData,
  resultCacheKey,
  type EditJobData,
  type EditJobResult,
} from './edit-job.ts';
import { EditCancelledError, ModelMismatchError } from './errors.ts';
import { watchCancel, writeFailure, type CancelWatch } from './job-signals.ts';
import type { QueueKeys } from './keys.ts';
import type { QueueMetrics } from './metrics.ts';
import { shouldReportProgress, type ReportedProgress } from './progress-throttle.ts';
import type { RedisClient } from './redis-connection.ts';
import type { ResultCache } from './result-cache.ts';
import { classifyFailure, isFinalAttempt } from './retry.ts';

export interface EditProcessorDeps {
  runner: EditRunner;
  redis: RedisClient;
  keys: QueueKeys;
  blobs: BlobStore;
  cache: ResultCache;
  metrics: QueueMetrics;
  logger: Logger;
  /** Byte budget per output file handed to the runner. */
  outputMaxBytes: number;
  progressIntervalMs: number;
  cancelPollMs: number;
  /** Aborts when the worker is shutting down past its grace period: the job goes back to the queue. */
  shutdownSignal: AbortSignal;
}

export type EditProcessor = (
  job: Job<EditJobData, EditJobResult>,
  token?: string,
  signal?: AbortSignal,
) => Promise<EditJobResult>;

export function createEditProcessor(deps: EditProcessorDeps): EditProcessor {
  const { runner, redis, keys, blobs, cache, metrics } = deps;

  return async function processEditJob(job, token, bullSignal) {
    const jobId = job.id ?? '';
    const log = deps.logger.child({ jobId, attempt: job.attemptsMade + 1 });
    const startedAt = Date.now();
    if (job.attemptsStarted <= 1 && job.stalledCounter === 0)
      metrics.waitSeconds.observe((startedAt - job.timestamp) / 1000);
    let cancel: CancelWatch | undefined;
    let outcome = 'failed';
    try {
      // 1. Check the payload and the model: a bad job never reaches the runner.
      const data = parseEditJobData(job.data);
      if (data.modelId !== runner.modelId) throw new ModelMismatchError(data.modelId, runner.modelId);
      await advanceFairClock(redis, keys, job.priority);

      // 2. Cancellation: a flag in Redis (set by any bot), polled and checked on each progress report.
      cancel = watchCancel(redis, keys, jobId, {
        pollMs: deps.cancelPollMs,
        reason: () => new EditCancelledError(),
      });
      if (await cancel.check()) throw new EditCancelledError();
      const signal = AbortSignal.any([
        cancel.signal,
        deps.shutdownSignal,
        ...(bullSignal ? [bullSignal] : []),
      ]);

      // 3. The result cache: an identical request is answered without running the model.
      const maxBytes = Math.min(deps.outputMaxBytes, blobs.maxBytes);
      const cacheKey = resultCacheKey(data, runner.modelId, maxBytes);
      const cached = await cache.get(cacheKey);
      if (cached) {
        metrics.cacheHits.inc();
        outcome = 'cached';
        log.info('answered from the result cache');
        return cached;
      }
      metrics.cacheMisses.inc();

      // 4. Run the model, reporting throttled progress.
      const image = await blobs.require(data.source.blob);
      const reporter = progressReporter(job, deps.progressIntervalMs, cancel, log);
      log.info({ strengths: jobStrengths(data).length }, 'running edit');
      const result = await runner.run({
        image,
        instruction: data.request.instruction,
        strengths: jobStrengths(data),
        seed: data.request.seed,
        ...(data.request.steps === undefined ? {} : { steps: data.request.steps }),
        maxBytes,
        signal,
        onProgress: reporter.report,
      });
      await reporter.flush();

      // 5. Store the files as blobs; the job's return value is only their ids and metadata.
      const files = await Promise.all(
        result.files.map(async (file) => {
          const blob = await blobs.put(file.data);
          return { name: file.name, mime: file.mime, blob: blob.id, bytes: blob.bytes };
        }),
      );
      const jobResult: EditJobResult = {
        v: EDIT_JOB_VERSION,
        kind: result.kind,
        files,
        width: result.width,
        height: result.height,
        strengths: result.strengths,
        seed: result.seed,
        steps: result.steps,
        modelId: result.modelId,
        timings: result.timings,
        cached: false,
        ...(result.note ? { note: result.note.slice(0, 1000) } : {}),
      };
      await cache.set(cacheKey, jobResult);
      outcome = 'completed';
      log.info({ ms: Date.now() - startedAt }, 'edit completed');
      return jobResult;
    } catch (err) {
      // Shutdown past the grace period: hand the job back to the queue for another worker, untouched.
      if (deps.shutdownSignal.aborted && !cancel?.signal.aborted && token) {
        outcome = 'requeued';
        log.warn('worker shutting down: job moved back to the queue');
        await job.moveToWait(token);
        throw new WaitingError();
      }
      const cancelled = cancel?.signal.aborted === true || bullSignal?.aborted === true;
      const cause = cancelled ? new EditCancelledError() : err;
      const failure = classifyFailure(cause);
      const final = !failure.retryable || isFinalAttempt(job.attemptsMade, job.opts.attempts ?? 1);
      metrics.failures.inc({ code: failure.code, final: String(final) });
      await writeFailure(redis, keys, jobId, failure).catch((e: unknown) =>
        log.error({ err: e }, 'failure record'),
      );
      log[final ? 'warn' : 'info']({ err, code: failure.code, final }, 'edit attempt failed');
      if (!failure.retryable) throw new UnrecoverableError(failure.userMessage);
      throw err;
    } finally {
      cancel?.stop();
      metrics.runSeconds.observe({ outcome }, (Date.now() - startedAt) / 1000);
    }
  };
}

/** Throttled, ordered `job.updateProgress` calls; each report also checks the cancel flag. */
function progressReporter(job: Job, intervalMs: number, cancel: CancelWatch, log: Logger) {
  let last: ReportedProgress | undefined;
  let chain: Promise<unknown> = Promise.resolve();
  return {
    report(progress: EditProgress): void {
      const now = Date.now();
      if (!shouldReportProgress(last, progress, now, intervalMs)) return;
      last = { progress, at: now };
      const value = { stage: progress.stage, step: progress.step, total: progress.total };
      chain = chain
        .then(() => Promise.all([job.updateProgress(value), cancel.check()]))
        .catch((err: unknown) => log.debug({ err }, 'progress update failed'));
    },
    flush: () => chain,
  };
}

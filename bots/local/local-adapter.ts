/**
 * The "cli" platform: a delivery adapter for edits asked for on this machine (`npm start`, tests).
 * It plays the part a chat bot plays for Discord or Slack - receive progress, then the result or the
 * failure, exactly once - and hands each outcome to whoever awaits that job.
 */
import type {
  CompletedDelivery,
  DeliveryAdapter,
  FailedDelivery,
  ProgressUpdate,
} from '../../queue/delivery.ts';
import { UserFacingError } from '../../commands/errors.ts';

export type LocalOutcome =
  { ok: true; delivery: CompletedDelivery } | { ok: false; delivery: FailedDelivery };

/** A failed edit, as the user sees it. */
export class EditFailedError extends UserFacingError {
  constructor(failure: FailedDelivery) {
    super(failure.code, failure.userMessage, failure.hint ? { hint: failure.hint } : {});
  }
}

export class LocalAdapter implements DeliveryAdapter {
  private readonly waiting = new Map<string, (outcome: LocalOutcome) => void>();
  private readonly early = new Map<string, LocalOutcome>();

  constructor(private readonly onProgressUpdate?: (update: ProgressUpdate) => void) {}

  onProgress(update: ProgressUpdate): void {
    this.onProgressUpdate?.(update);
  }

  async onCompleted(delivery: CompletedDelivery): Promise<void> {
    this.settle(delivery.jobId, { ok: true, delivery });
  }

  async onFailed(delivery: FailedDelivery): Promise<void> {
    this.settle(delivery.jobId, { ok: false, delivery });
  }

  /** Resolves with the delivered result, or rejects with `EditFailedError` (also for outcomes that came first). */
  async waitFor(jobId: string, timeoutMs: number): Promise<CompletedDelivery> {
    const outcome =
      this.early.get(jobId) ??
      (await new Promise<LocalOutcome>((resolve, reject) => {
        const timer = setTimeout(() => {
          this.waiting.delete(jobId);
          reject(new Error(`no result for ${jobId} within ${timeoutMs} ms`));
        }, timeoutMs);
        this.waiting.set(jobId, (result) => {
          clearTimeout(timer);
          resolve(result);
        });
      }));
    this.early.delete(jobId);
    if (!outcome.ok) throw new EditFailedError(outcome.delivery);
    return outcome.delivery;
  }

  private settle(jobId: string, outcome: LocalOutcome): void {
    const resolve = this.waiting.get(jobId);
    this.waiting.delete(jobId);
    if (resolve) resolve(outcome);
    else this.early.set(jobId, outcome);
  }
}

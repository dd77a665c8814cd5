/**
 * The queue's typed errors. Each extends `UserFacingError`, so a bot shows `userMessage` as-is and
 * branches on `code`; the worker turns the permanent ones into BullMQ's `UnrecoverableError`.
 */
import { UserFacingError } from '../commands/errors.ts';

/** A payload that does not match the versioned job schema (at enqueue or in the worker). */
export class InvalidJobError extends UserFacingError {
  readonly issues: string[];
  constructor(issues: string[], options: { cause?: unknown } = {}) {
    super('invalid_job', 'That edit request could not be read.', {
      hint: issues.slice(0, 3).join('; '),
      cause: options.cause,
    });
    this.issues = issues;
  }
}

/** A blob (source image or result file) larger than KK_BLOB_MAX_BYTES. */
export class BlobTooLargeError extends UserFacingError {
  readonly bytes: number;
  readonly maxBytes: number;
  constructor(bytes: number, maxBytes: number) {
    super('blob_too_large', `That image is too large (${formatOverLimit(bytes, maxBytes)}).`, {
      hint: `the limit is ${formatMiB(maxBytes)}`,
    });
    this.bytes = bytes;
    this.maxBytes = maxBytes;
  }
}

/** A blob that expired (or never existed) by the time it was needed. */
export class BlobMissingError extends UserFacingError {
  readonly blobId: string;
  constructor(blobId: string) {
    super('blob_missing', 'The image for this edit has expired.', { hint: 'send the image again' });
    this.blobId = blobId;
  }
}

/** The per-user or per-team in-flight cap is reached. */
export class InflightCapError extends UserFacingError {
  readonly scope: 'user' | 'team';
  readonly cap: number;
  constructor(scope: 'user' | 'team', cap: number) {
    const edits = cap === 1 ? '1 edit' : `${cap} edits`;
    super(
      scope === 'user' ? 'user_inflight_cap' : 'team_inflight_cap',
      scope === 'user'
        ? `You already have ${edits} running - wait for one to finish.`
        : `This workspace already has ${edits} running - wait for one to finish.`,
    );
    this.scope = scope;
    this.cap = cap;
  }
}

export class JobNotFoundError extends UserFacingError {
  readonly jobId: string;
  constructor(jobId: string) {
    super('job_not_found', 'That edit is no longer known - it may have finished long ago.');
    this.jobId = jobId;
  }
}

/** Someone tried to cancel an edit that is not theirs. */
export class CancelForbiddenError extends UserFacingError {
  readonly jobId: string;
  constructor(jobId: string) {
    super('cancel_forbidden', 'You can only cancel your own edits.');
    this.jobId = jobId;
  }
}

/** The user cancelled the edit while it ran. */
export class EditCancelledError extends UserFacingError {
  constructor() {
    super('cancelled', 'Edit cancelled.');
  }
}

/**
 * The job vanished from Redis before its outcome was delivered: Redis restarted without persistence, or
 * its keys were evicted or flushed. Nothing can be recovered; the user is told to ask again.
 */
export class JobLostError extends UserFacingError {
  readonly jobId: string;
  constructor(jobId: string) {
    super('job_lost', 'This edit was lost (the queue restarted and forgot it).', {
      hint: 'please send it again',
    });
    this.jobId = jobId;
  }
}

/** The job asks for a model this worker does not serve (a deployment mistake, not a user mistake). */
export class ModelMismatchError extends UserFacingError {
  readonly requested: string;
  readonly served: string;
  constructor(requested: string, served: string) {
    super('model_mismatch', 'This edit asked for a model that is not available right now.', {
      hint: `requested "${requested}", this worker serves "${served}"`,
    });
    this.requested = requested;
    this.served = served;
  }
}

export function formatMiB(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

/**
 * An over-limit size for a message next to the limit: "25.3 MiB", or "over 25.0 MiB" when the two would
 * round to the same text (a file a few bytes over must not read "25.0 MiB - the limit is 25.0 MiB").
 */
export function formatOverLimit(bytes: number, maxBytes: number): string {
  const size = formatMiB(bytes);
  return size === formatMiB(maxBytes) ? `over ${size}` : size;
}

/** A source image with no bytes at all (an empty upload, or a download cut to nothing). */
export class EmptyImageError extends UserFacingError {
  constructor() {
    super('empty_image', 'That image is empty (0 bytes).', { hint: 'upload the image again' });
  }
}

/** Redis did not answer in time: the edit was not queued, and saying so beats a silent wait. */
export class QueueUnavailableError extends UserFacingError {
  constructor(options: { cause?: unknown } = {}) {
    super('queue_unavailable', 'The edit queue is unavailable right now, so your edit was not queued.', {
      hint: 'try again in a minute',
      cause: options.cause,
    });
  }
}

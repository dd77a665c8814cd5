/**
 * Errors of the pipeline host. What the runner threw in the child comes back rebuilt: a `UserFacingError`
 * stays one (same code, message and hint, so the retry rules and the bots treat it exactly as in-process),
 * anything else becomes a `RemoteRunnerError`. A child that dies under a job fails it with a
 * `PipelineHostExitError`, which is not user-facing and therefore retried (queue/retry.ts).
 */
import { UserFacingError } from '../../commands/errors.ts';
import type { SerializedError } from './messages.ts';

/** A `UserFacingError` thrown by the runner in the child process. */
export class RemoteUserFacingError extends UserFacingError {
  /** The class name in the child, e.g. "InputImageError". */
  readonly remoteName: string;
  constructor(error: SerializedError & { code: string; userMessage: string }) {
    super(error.code, error.userMessage, error.hint === undefined ? {} : { hint: error.hint });
    this.remoteName = error.name;
    // The child's message may carry operator detail (BundleError does); keep it for logs.
    this.message = error.message;
    if (error.stack) this.stack = error.stack;
  }
}

/** Any other error thrown by the runner in the child (a bug, an onnxruntime failure): retried. */
export class RemoteRunnerError extends Error {
  readonly remoteName: string;
  constructor(error: SerializedError) {
    super(`${error.name}: ${error.message}`);
    this.name = 'RemoteRunnerError';
    this.remoteName = error.name;
    if (error.stack) this.stack = `RemoteRunnerError (in the pipeline host) ${error.stack}`;
  }
}

/** The child process exited (crashed, was killed, ran out of memory) while a job was in it. */
export class PipelineHostExitError extends Error {
  readonly code = 'pipeline_host_exit';
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  constructor(exitCode: number | null, signal: NodeJS.Signals | null, options: { cause?: unknown } = {}) {
    super(
      `the pipeline host process exited (${signal ? `signal ${signal}` : `code ${exitCode}`}) while running the edit`,
      options,
    );
    this.name = 'PipelineHostExitError';
    this.exitCode = exitCode;
    this.signal = signal;
  }
}

export function deserializeError(error: SerializedError): Error {
  if (error.code !== undefined && error.userMessage !== undefined)
    return new RemoteUserFacingError({ ...error, code: error.code, userMessage: error.userMessage });
  return new RemoteRunnerError(error);
}

/**
 * An edit ran past its wall-clock limit (KK_JOB_TIMEOUT_MS) and its pipeline process was killed. User-facing
 * and so never retried: the same input would most likely take as long again and hold a worker each time.
 */
export class JobTimeoutError extends UserFacingError {
  readonly timeoutMs: number;
  constructor(timeoutMs: number) {
    super('job_timeout', `That edit took too long (over ${formatDuration(timeoutMs)}) and was stopped.`, {
      hint: 'Try a smaller image, fewer sweep frames or fewer steps.',
    });
    this.name = 'JobTimeoutError';
    this.timeoutMs = timeoutMs;
  }
}

function formatDuration(ms: number): string {
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000} minute${ms === 60_000 ? '' : 's'}`;
  const seconds = Math.round(ms / 100) / 10;
  return `${seconds} second${seconds === 1 ? '' : 's'}`;
}

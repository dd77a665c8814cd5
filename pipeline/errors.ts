/** Errors the edit pipeline itself raises (image and bundle errors live with their modules). */
import { UserFacingError } from '../commands/errors.ts';
import type { HelpCapabilities } from '../commands/help-text.ts';
import { unknownEditText } from '../commands/instruction-notes.ts';

/** The edit's AbortSignal fired; checked between stages and between denoising steps. */
export class EditCancelledError extends UserFacingError {
  constructor(options: { cause?: unknown } = {}) {
    super('cancelled', 'The edit was cancelled.', options);
  }
}

/** An `EditInput` the pipeline cannot run (a caller bug more than a user error; the grammar checks first). */
export class EditInputError extends UserFacingError {
  readonly field: string;
  constructor(field: string, detail: string) {
    super('invalid_edit_input', `That edit request is not valid: ${detail}.`, { hint: `check "${field}"` });
    this.field = field;
  }
}

/**
 * The instruction names none of the edits a closed bundle makes (model.json `capabilities.closed`), e.g.
 * "make it look like winter" to kk-tiny. Refused before the model runs: a closed model would answer with
 * whichever of its filters the words lean to, which looks like a result and is not what was asked. A
 * `UserFacingError`, so the queue never retries it (the same words are refused again).
 */
export class UnknownEditError extends UserFacingError {
  readonly unknownWords: readonly string[];
  constructor(modelName: string, capabilities: HelpCapabilities, unknownWords: readonly string[]) {
    const { userMessage, hint } = unknownEditText(modelName, capabilities, unknownWords);
    super('unknown_edit', userMessage, hint === undefined ? {} : { hint });
    this.unknownWords = unknownWords;
  }
}

/**
 * A bundle exported with decomposed attention materialises a [batch, heads, S, S] float32 matrix; WebGPU
 * buffers are limited to 2 GiB, so such a bundle cannot run at this size on that provider.
 */
export class AttentionTooLargeError extends UserFacingError {
  readonly bytes: number;
  /** For the operator: why, and the fixes on the server's side. */
  readonly detail: string;
  constructor(bytes: number, sequenceLength: number) {
    super('attention_too_large', 'That image is too large for this model setup.', {
      hint: 'Try a smaller image.',
    });
    this.bytes = bytes;
    this.detail =
      `attention over ${sequenceLength} tokens needs ${(bytes / 2 ** 30).toFixed(1)} GiB per image, over WebGPU's ` +
      `2 GiB buffer limit; use a "multi-head" attention bundle or the cuda/cpu provider`;
    this.message = `${this.userMessage} ${this.detail}`;
  }
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new EditCancelledError({ cause: signal.reason });
}

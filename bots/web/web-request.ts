/**
 * The playground's requests as the `/edit` grammar sees them. Pure functions, no I/O.
 *
 * - The instruction box takes the chat grammar or plain text; the slider gives the strength unless the text
 *   names one (`make it warmer strength:0.7` wins over the slider, and the page moves the slider to match).
 * - A re-edit derives a new request from the parent job's, exactly as a chat button does (edit-variants.ts):
 *   the slider is `withStrength`, Sweep `asSweep`, New seed `withNewSeed`. The seed is kept unless asked.
 */
import type { UserFacingError } from '../../commands/index.ts';
import {
  CommandError,
  applyEditAction,
  editRequestFromOptions,
  splitEditCommand,
  withStrength,
  type EditRequest,
} from '../../commands/index.ts';
import { z } from 'zod';

/** Which control of the page an error belongs next to. */
export type WebField = 'image' | 'instruction' | 'strength' | 'form';

/** The form's fields as they arrive (query parameters of POST /api/edits). */
export interface WebEditForm {
  /** The instruction box: plain text or `/edit` grammar (a leading `/edit` is dropped). */
  text: string;
  /** The slider, as text ("0.3"); used unless `text` names a strength. */
  strength: string | undefined;
}

/** The request an edit form asks for; throws `CommandError` with the grammar's messages. */
export function webEditRequest(form: WebEditForm): EditRequest {
  const text = form.text.replace(/^\s*\/edit(?=\s|$)/i, '');
  const { options } = splitEditCommand(text);
  const slider = options.strength === undefined ? form.strength : undefined;
  return editRequestFromOptions({ instruction: text, strength: slider ?? null });
}

/** A re-edit of a finished (or queued) edit: what the slider, Sweep and New seed send. */
export const variantSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('strength'), value: z.number() }),
  z.object({ action: z.literal('sweep') }),
  z.object({ action: z.literal('new-seed') }),
]);
export type WebVariant = z.infer<typeof variantSchema>;

/** The request a re-edit runs, derived from its parent's; throws `CommandError` (e.g. a strength past 1). */
export function variantRequest(variant: WebVariant, parent: EditRequest): EditRequest {
  switch (variant.action) {
    case 'strength':
      return withStrength(parent, variant.value);
    case 'sweep':
      return applyEditAction('sweep', parent);
    case 'new-seed':
      return applyEditAction('new-seed', parent);
  }
}

/** Upload and image codes (this adapter's, the queue's and the worker's decoding errors). */
const IMAGE_CODES: ReadonlySet<string> = new Set([
  'not_an_image',
  'no_image',
  'unknown_example',
  'empty_image',
  'blob_too_large',
  'input_image',
]);

/** Where the page shows an error with this code (and, for grammar errors, this option). */
export function fieldOf(code: string, option?: string): WebField {
  if (IMAGE_CODES.has(code)) return 'image';
  if (code === 'invalid_strength' || code === 'invalid_sweep' || option === 'strength') return 'strength';
  if (code === 'not_single') return 'strength';
  const grammar: ReadonlySet<string> = new Set([
    'instruction_missing',
    'instruction_too_long',
    'invalid_characters',
    'invalid_seed',
    'invalid_steps',
    'missing_value',
    'duplicate_option',
    'unknown_option',
  ]);
  return grammar.has(code) ? 'instruction' : 'form';
}

/** The JSON body of every refusal: the error as chat shows it, plus the control it belongs next to. */
export interface WebErrorBody {
  error: { code: string; userMessage: string; hint?: string; field: WebField };
}

export function errorBody(err: UserFacingError, userMessage = err.userMessage): WebErrorBody {
  const option = err instanceof CommandError ? err.option : undefined;
  return {
    error: {
      code: err.code,
      userMessage,
      ...(err.hint === undefined ? {} : { hint: err.hint }),
      field: fieldOf(err.code, option),
    },
  };
}

/**
 * The pipeline host's IPC protocol: every message between the parent (`PipelineHost`) and its child
 * (`pipeline-host-child.ts`), as zod schemas. Both sides parse what they receive, so a version skew or a
 * bug shows up as a named schema error at the boundary instead of an undefined deep inside a job.
 * The channel uses Node's 'advanced' serialization (structured clone): images and result files travel as
 * Uint8Arrays, without base64.
 */
import { z } from 'zod';
import { UserFacingError } from '../../commands/errors.ts';

const bytes = z.custom<Uint8Array>((value) => value instanceof Uint8Array, 'expected a Uint8Array');

/**
 * What the child builds: `module` is imported and its `exportName` called with `options` (plus a logger);
 * it must resolve to an `EditRunner`. The default is the real pipeline (`createEditPipeline`).
 */
export const runnerSpecSchema = z.object({
  module: z.string().min(1),
  exportName: z.string().min(1),
  /** Structured-cloneable factory options (no functions: the child makes its own logger). */
  options: z.record(z.string(), z.unknown()),
});
export type RunnerSpec = z.infer<typeof runnerSpecSchema>;

export const hostLogSchema = z.object({
  level: z.string(),
  format: z.enum(['pretty', 'json']).optional(),
});

/** `EditInput` without the parts that cannot cross a process boundary (signal, onProgress). */
export const hostEditInputSchema = z.object({
  image: bytes,
  instruction: z.string(),
  strengths: z.array(z.number()),
  seed: z.number(),
  steps: z.number().optional(),
  guidance: z.number().optional(),
  format: z.enum(['png', 'webp', 'jpeg']).optional(),
  maxBytes: z.number().optional(),
});
export type HostEditInput = z.infer<typeof hostEditInputSchema>;

const progressSchema = z.object({
  stage: z.enum(['preprocess', 'encode-text', 'encode-image', 'denoise', 'decode', 'render']),
  step: z.number(),
  total: z.number(),
});

export const hostEditResultSchema = z.object({
  kind: z.enum(['single', 'sweep']),
  files: z.array(z.object({ name: z.string(), mime: z.string(), data: bytes })),
  width: z.number(),
  height: z.number(),
  strengths: z.array(z.number()),
  seed: z.number(),
  steps: z.number(),
  modelId: z.string(),
  timings: z.record(z.string(), z.number()),
  note: z.string().optional(),
});

/** An error as it crosses the boundary: enough to rebuild a `UserFacingError` or log a crash. */
export const serializedErrorSchema = z.object({
  name: z.string(),
  message: z.string(),
  stack: z.string().optional(),
  code: z.string().optional(),
  userMessage: z.string().optional(),
  hint: z.string().optional(),
});
export type SerializedError = z.infer<typeof serializedErrorSchema>;

export const parentMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('init'), runner: runnerSpecSchema, log: hostLogSchema }),
  z.object({ type: z.literal('run'), id: z.number().int(), input: hostEditInputSchema }),
  /** Soft cancel: the runner's AbortSignal fires; the pipeline stops at its next step boundary. */
  z.object({ type: z.literal('abort'), id: z.number().int() }),
  /** Dispose the runner and exit. */
  z.object({ type: z.literal('dispose') }),
]);
export type ParentMessage = z.infer<typeof parentMessageSchema>;

export const childMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), modelId: z.string(), pid: z.number() }),
  z.object({ type: z.literal('init-failed'), error: serializedErrorSchema }),
  z.object({ type: z.literal('progress'), id: z.number().int(), progress: progressSchema }),
  z.object({ type: z.literal('result'), id: z.number().int(), result: hostEditResultSchema }),
  z.object({ type: z.literal('failed'), id: z.number().int(), error: serializedErrorSchema }),
]);
export type ChildMessage = z.infer<typeof childMessageSchema>;

export function serializeError(err: unknown): SerializedError {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err) };
  return {
    name: err.name,
    message: err.message,
    ...(err.stack === undefined ? {} : { stack: err.stack }),
    ...(err instanceof UserFacingError
      ? {
          code: err.code,
          userMessage: err.userMessage,
          ...(err.hint === undefined ? {} : { hint: err.hint }),
        }
      : {}),
  };
}

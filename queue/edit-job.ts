/**
 * The job contract between bots and workers: `EditJobData` (what a bot enqueues) and `EditJobResult`
 * (what a worker returns), both versioned (`v: 1`) and validated with zod at each boundary.
 * Images never travel inside a job: the payload names blobs (see blob-store.ts).
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { EditRequest } from '../commands/edit-request.ts';
import type { EditProgress } from '../pipeline/types.ts';
import { sweepStrengths } from '../commands/edit-request.ts';
import { InvalidJobError } from './errors.ts';

export const EDIT_JOB_VERSION = 1;
export const PLATFORMS = ['discord', 'slack', 'web', 'cli'] as const;
export type Platform = (typeof PLATFORMS)[number];

/** Largest sweep a job may carry; the command grammar asks for far fewer. */
export const MAX_SWEEP_FRAMES = 64;

export const blobIdSchema = z
  .string()
  .regex(/^sha256-[0-9a-f]{64}$/, 'a blob id is "sha256-" + 64 hex digits');

const strengthSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('single'), value: z.number().min(0).max(1) }),
  z.object({ kind: z.literal('sweep'), frames: z.number().int().min(2).max(MAX_SWEEP_FRAMES) }),
]);

const id = z.string().min(1).max(200);

export const editJobDataSchema = z.object({
  v: z.literal(EDIT_JOB_VERSION),
  request: z.object({
    instruction: z.string().trim().min(1).max(2000),
    strength: strengthSchema,
    /** Fixed by the bot when the user gave none, so retries and the result cache see one seed. */
    seed: z.number().int().min(0).max(0xffffffff),
    steps: z.number().int().min(1).max(200).optional(),
  }),
  source: z.object({ blob: blobIdSchema, bytes: z.number().int().positive() }),
  modelId: id,
  requester: z.object({
    platform: z.enum(PLATFORMS),
    /** Discord guild id or Slack team id; absent in DMs and the CLI. */
    teamId: id.optional(),
    channelId: id,
    userId: id,
  }),
  /** Opaque to the queue: whatever the adapter needs to answer (interaction token, thread ts...). */
  replyTo: z.record(z.string(), z.unknown()),
  /** The edit this one derives from (a "weaker"/"stronger" button), for chains. */
  parentEditId: id.optional(),
  /** Milliseconds since the epoch, set at enqueue. */
  createdAt: z.number().int().nonnegative(),
});
export type EditJobData = z.infer<typeof editJobDataSchema>;

export const resultFileSchema = z.object({
  name: z.string().min(1),
  mime: z.string().min(1),
  blob: blobIdSchema,
  bytes: z.number().int().nonnegative(),
});
export type ResultFile = z.infer<typeof resultFileSchema>;

export const editJobResultSchema = z.object({
  v: z.literal(EDIT_JOB_VERSION),
  kind: z.enum(['single', 'sweep']),
  files: z.array(resultFileSchema).min(1),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  strengths: z.array(z.number().min(0).max(1)).min(1),
  seed: z.number().int(),
  steps: z.number().int().positive(),
  modelId: id,
  /** Milliseconds per stage, plus "total", as the runner measured them when it ran. */
  timings: z.record(z.string(), z.number()),
  /** True when this answer came from the result cache instead of a model run. */
  cached: z.boolean(),
  /** The runner's remark for the user (e.g. words the model does not know); shown with the result. */
  note: z.string().max(1000).optional(),
});
export type EditJobResult = z.infer<typeof editJobResultSchema>;

/** What a running job reports as `job.progress` (and QueueEvents 'progress'): the runner's own progress. */
export type EditJobProgress = EditProgress;

/** Validates an unknown payload; throws `InvalidJobError` naming each problem. */
export function parseEditJobData(data: unknown): EditJobData {
  const parsed = editJobDataSchema.safeParse(data);
  if (parsed.success) return parsed.data;
  throw new InvalidJobError(issuesOf(parsed.error), { cause: parsed.error });
}

export function parseEditJobResult(data: unknown): EditJobResult {
  const parsed = editJobResultSchema.safeParse(data);
  if (parsed.success) return parsed.data;
  throw new InvalidJobError(issuesOf(parsed.error), { cause: parsed.error });
}

function issuesOf(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${issue.path.join('.') || '(payload)'}: ${issue.message}`);
}

/** The strengths a job runs, weak to strong. */
export function jobStrengths(data: Pick<EditJobData, 'request'>): number[] {
  const { strength } = data.request;
  return strength.kind === 'single' ? [strength.value] : sweepStrengths(strength.frames);
}

/**
 * The request part of a job, from a parsed command (the seed must already be fixed). A sweep without a
 * count gets `defaultSweepFrames`, the model's `defaults.sweepFrames`, so a job always says how many.
 */
export function jobRequestOf(
  request: EditRequest,
  seed: number,
  defaultSweepFrames: number,
): EditJobData['request'] {
  const { strength } = request;
  return {
    instruction: request.instruction,
    strength:
      strength.kind === 'sweep' ? { kind: 'sweep', frames: strength.frames ?? defaultSweepFrames } : strength,
    seed,
    ...(request.steps === undefined ? {} : { steps: request.steps }),
  };
}

const SAFE_ID = /^[A-Za-z0-9._-]{1,100}$/;

/**
 * The BullMQ job id of an interaction: `${platform}-${interactionId}`. A redelivered interaction maps
 * to the same id, so it never enqueues twice. BullMQ rejects ":" and all-digit ids, hence the "-" and the
 * platform prefix; ids with other characters (or very long ones) are replaced by a hash.
 */
export function jobIdFor(platform: Platform, interactionId: string): string {
  if (interactionId.length === 0) throw new InvalidJobError(['interactionId: must not be empty']);
  const safe = SAFE_ID.test(interactionId)
    ? interactionId
    : `h${createHash('sha256').update(interactionId).digest('hex').slice(0, 40)}`;
  return `${platform}-${safe}`;
}

/** The platform a job id belongs to (delivery routes on it without reading the job). */
export function platformOfJobId(jobId: string): Platform | undefined {
  const platform = jobId.slice(0, jobId.indexOf('-'));
  return (PLATFORMS as readonly string[]).includes(platform) ? (platform as Platform) : undefined;
}

/**
 * The result-cache key of a job: everything that determines the output image. Two jobs with the same
 * source bytes, instruction, strengths, seed, steps, model and byte budget produce the same files.
 */
export function resultCacheKey(data: EditJobData, modelId: string, maxBytes: number): string {
  const canonical = JSON.stringify([
    data.source.blob,
    data.request.instruction,
    jobStrengths(data),
    data.request.seed,
    data.request.steps ?? null,
    modelId,
    maxBytes,
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}

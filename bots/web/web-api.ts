/**
 * The playground's JSON API, one function per route, over the same queue calls the chat adapters make.
 * A session is one anonymous user whose "conversation" is the session itself: its edits are asked for as
 * `{ platform: 'web', teamId: 'web', channelId: session, userId: session }`, so a re-edit, a Cancel, a file or
 * a job read naming another session's job is refused exactly like a chat button pressed in another channel
 * (queue/conversation.ts). `teamId: 'web'` puts the whole playground under one KK_TEAM_INFLIGHT_CAP.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../../config/logger.ts';
import { UserFacingError, type EditRequest } from '../../commands/index.ts';
import { assertInConversation, type Conversation } from '../../queue/conversation.ts';
import { editJobResultSchema, jobRequestOf, type EditJobData } from '../../queue/edit-job.ts';
import type { CancelOutcome, EditQueue, EnqueuedEdit } from '../../queue/edit-queue.ts';
import { InflightCapError, JobNotFoundError } from '../../queue/errors.ts';
import type { ExampleImages } from './example-images.ts';
import { checkUpload, UploadError } from './upload-check.ts';
import { variantRequest, webEditRequest, type WebEditForm, type WebVariant } from './web-request.ts';
import type { WebDelivery } from './web-delivery.ts';
import { jobView, resultView, type JobView, type ResultView } from './web-views.ts';
import type { WebSession } from './web-sessions.ts';

/** Every web user's team: the playground as a whole is one "workspace" for KK_TEAM_INFLIGHT_CAP. */
export const WEB_TEAM = 'web';

/** The parts of `EditQueue` the playground uses. */
export type WebQueue = Pick<EditQueue, 'enqueueEdit' | 'cancelEdit' | 'getQueuePosition' | 'queue' | 'blobs'>;

export interface WebApiContext {
  queue: WebQueue;
  delivery: WebDelivery;
  examples: ExampleImages;
  /** The model's `defaults.sweepFrames`: a sweep's frames when the request names none. */
  sweepFrames: number;
  /** KK_BLOB_MAX_BYTES: the largest photo accepted. */
  blobMaxBytes: number;
  logger: Logger;
}

/** The edit a re-edit, Cancel or file names is gone (finished long ago, or another session's). */
export class WebJobGoneError extends UserFacingError {
  constructor() {
    super('parent_expired', 'That edit has expired.', { hint: 'choose the photo again and press Edit' });
  }
}

/** An edit, as POST /api/edits receives it: the form's fields and the photo (or a bundled example's name). */
export interface NewEdit extends WebEditForm {
  image: Uint8Array | undefined;
  example: string | undefined;
}

export function conversationOf(session: WebSession): Conversation {
  return { platform: 'web', teamId: WEB_TEAM, channelId: session.key };
}

/** POST /api/edits: a new edit of an uploaded photo or a bundled example. */
export async function createEdit(ctx: WebApiContext, session: WebSession, edit: NewEdit): Promise<JobView> {
  const request = webEditRequest(edit);
  let image: Uint8Array;
  if (edit.example !== undefined) {
    const example = ctx.examples.get(edit.example);
    if (!example)
      throw new UploadError('unknown_example', 'There is no example photo of that name.', {
        hint: 'pick one of the examples shown',
      });
    image = example.bytes;
  } else {
    if (!edit.image || edit.image.byteLength === 0)
      throw new UploadError('no_image', 'Choose a photo to edit first.', {
        hint: 'upload or drop a PNG, JPEG, WebP or GIF, or pick an example',
      });
    image = edit.image;
    checkUpload(image, image.byteLength, ctx.blobMaxBytes);
  }
  return enqueue(ctx, session, request, image);
}

/** POST /api/edits/:id/variants: the slider, Sweep or New seed on an edit of this session. */
export async function createVariant(
  ctx: WebApiContext,
  session: WebSession,
  parentJobId: string,
  variant: WebVariant,
): Promise<JobView> {
  const parent = await ownJob(ctx, session, parentJobId);
  const request = variantRequest(variant, parent.request);
  // The parent's source blob: the same bytes, so the worker's caches hold its encodings (the buttons' path).
  const image = await ctx.queue.blobs.get(parent.source.blob);
  if (!image) throw new WebJobGoneError();
  return enqueue(ctx, session, request, new Uint8Array(image), parentJobId);
}

/** POST /api/edits/:id/cancel. */
export async function cancelEdit(
  ctx: WebApiContext,
  session: WebSession,
  jobId: string,
): Promise<CancelOutcome> {
  const outcome = await ctx.queue.cancelEdit(jobId, session.key, conversationOf(session));
  if (outcome === 'removed') ctx.delivery.unwatch(jobId);
  return outcome;
}

/** GET /api/edits/:id: where the edit stands and, once finished, its result (timings included). */
export async function readEdit(
  ctx: WebApiContext,
  session: WebSession,
  jobId: string,
): Promise<{ job: JobView; state: string; result?: ResultView }> {
  const found = await ownBullJob(ctx, session, jobId);
  const state = await found.getState();
  const position = await ctx.queue.getQueuePosition(jobId);
  const parsed = editJobResultSchema.safeParse(found.returnvalue);
  return {
    job: jobView(jobId, found.data, position),
    state,
    ...(state === 'completed' && parsed.success
      ? { result: resultView(jobId, found.data, parsed.data) }
      : {}),
  };
}

/** GET /api/edits/:id/files/:n: one result file's bytes, from its blob. */
export async function readResultFile(
  ctx: WebApiContext,
  session: WebSession,
  jobId: string,
  index: number,
): Promise<{ name: string; mime: string; data: Uint8Array }> {
  const found = await ownBullJob(ctx, session, jobId);
  const parsed = editJobResultSchema.safeParse(found.returnvalue);
  const file = parsed.success ? parsed.data.files[index] : undefined;
  if (!file) throw new JobNotFoundError(jobId);
  const data = await ctx.queue.blobs.get(file.blob);
  if (!data) throw new WebJobGoneError();
  return { name: file.name, mime: file.mime, data: new Uint8Array(data) };
}

/** POST /api/uploads/check?bytes=N with the file's first bytes: the refusal before any upload. */
export function checkUploadHead(ctx: WebApiContext, head: Uint8Array, totalBytes: number): void {
  checkUpload(head, totalBytes, ctx.blobMaxBytes);
}

async function enqueue(
  ctx: WebApiContext,
  session: WebSession,
  request: EditRequest,
  image: Uint8Array,
  parentEditId?: string,
): Promise<JobView> {
  let enqueued: EnqueuedEdit;
  try {
    enqueued = await ctx.queue.enqueueEdit({
      platform: 'web',
      interactionId: randomUUID(),
      request,
      image,
      requester: { teamId: WEB_TEAM, channelId: session.key, userId: session.key },
      replyTo: {},
      ...(parentEditId === undefined ? {} : { parentEditId }),
    });
  } catch (err) {
    // The queue's team wording names a chat workspace; here the "team" is the playground.
    if (err instanceof InflightCapError && err.scope === 'team') throw new PlaygroundBusyError(err.cap);
    throw err;
  }
  const { jobId, position, seed } = enqueued;
  ctx.delivery.watchPosition(jobId, session.key, position, (id) => ctx.queue.getQueuePosition(id));
  const job = {
    request: jobRequestOf({ ...request, seed }, seed, ctx.sweepFrames),
    ...(parentEditId === undefined ? {} : { parentEditId }),
  };
  ctx.logger.info({ jobId, sessionKey: session.key, parentEditId }, 'web edit enqueued');
  return jobView(jobId, job, position);
}

/** The playground-wide cap (KK_TEAM_INFLIGHT_CAP) is reached. */
export class PlaygroundBusyError extends UserFacingError {
  constructor(cap: number) {
    super('team_inflight_cap', `The playground already has ${cap} edits running - wait for one to finish.`);
  }
}

async function ownBullJob(ctx: WebApiContext, session: WebSession, jobId: string) {
  const found = await ctx.queue.queue.getJob(jobId);
  if (!found) throw new WebJobGoneError();
  assertInConversation(jobId, found.data, conversationOf(session));
  return found;
}

async function ownJob(ctx: WebApiContext, session: WebSession, jobId: string): Promise<EditJobData> {
  return (await ownBullJob(ctx, session, jobId)).data;
}

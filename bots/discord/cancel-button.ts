/**
 * The Cancel button under a queued or running edit's status message (`kk:cancel:<job id>`).
 *
 * The press is answered at once with a deferred update (the message stays as it is); the follow-up asks
 * the queue to cancel as the presser, then edits the pressed message through the press's own token (fresh
 * for 15 minutes, unlike the job's) in the job's ordered edit chain:
 *
 * - 'removed' (it was queued): "Cancelled.", final - nothing else will ever be delivered for it;
 * - 'signalled' (it is running): "Cancelling...", then the worker stops and the 'cancelled' failure
 *   replaces it through the normal delivery;
 * - someone else's edit, an edit of another guild or channel, or one that has finished (or expired): an
 *   ephemeral follow-up, nothing edited.
 */
import type { Logger } from '../../config/logger.ts';
import { ForeignJobError, type Conversation } from '../../queue/conversation.ts';
import type { CancelOutcome, EditQueue } from '../../queue/edit-queue.ts';
import { CancelForbiddenError, JobNotFoundError } from '../../queue/errors.ts';
import type { DiscordDelivery, DiscordReplyTo } from './discord-delivery.ts';
import { createFollowupMessage } from './discord-rest.ts';
import {
  DEFERRED_UPDATE,
  buildCancelledMessage,
  buildCancellingMessage,
  ephemeralFollowUp,
} from './payloads.ts';

export const NOT_YOURS_TO_CANCEL = 'Only the person who asked for this edit can cancel it.';
export const ALREADY_FINISHED = 'This edit has already finished.';
const CANCEL_FAILED = 'Something went wrong while cancelling - try again in a minute.';

export interface CancelContext {
  queue: Pick<EditQueue, 'cancelEdit'>;
  delivery: DiscordDelivery;
  logger: Logger;
}

/**
 * The immediate answer to a Cancel press, and the follow-up that does the cancelling. `press` is the
 * press's own interaction (its token edits the pressed message); `press.userId` is the presser, `where`
 * the guild and channel it was pressed in.
 */
export function handleCancelPress(
  jobId: string,
  press: DiscordReplyTo,
  where: Conversation,
  ctx: CancelContext,
): { response: typeof DEFERRED_UPDATE; followUp: () => Promise<void> } {
  return { response: DEFERRED_UPDATE, followUp: () => cancel(jobId, press, where, ctx) };
}

async function cancel(
  jobId: string,
  press: DiscordReplyTo,
  where: Conversation,
  ctx: CancelContext,
): Promise<void> {
  const userId = press.userId;
  const log = ctx.logger.child({ jobId, userId });
  const tell = (content: string) =>
    createFollowupMessage(ctx.delivery.rest, press.applicationId, press.token, ephemeralFollowUp(content));
  let outcome: CancelOutcome;
  try {
    outcome = await ctx.queue.cancelEdit(jobId, userId, where);
  } catch (err) {
    if (err instanceof ForeignJobError) return tell(err.userMessage);
    if (err instanceof CancelForbiddenError) return tell(NOT_YOURS_TO_CANCEL);
    if (err instanceof JobNotFoundError) return tell(ALREADY_FINISHED);
    log.error({ err }, 'cancel failed');
    return tell(CANCEL_FAILED);
  }
  log.info({ outcome }, 'cancel pressed');
  if (outcome === 'removed') return ctx.delivery.showCancelled(jobId, press, buildCancelledMessage());
  if (outcome === 'signalled') return ctx.delivery.showCancelling(jobId, press, buildCancellingMessage());
  return tell(ALREADY_FINISHED);
}

/**
 * The status line's Cancel button (`kk_cancel`, value = the job id). Ack first, then
 * `cancelEdit(jobId, clicker)`: the queue refuses anyone but the requester. A queued edit is removed
 * and nothing will ever be delivered for it, so its line becomes "Cancelled." for good; a running one
 * is signalled, its line says "Cancelling..." and the failure (code 'cancelled') follows through the
 * normal delivery, which deletes the line. A button naming a job of another team, channel or platform is
 * refused (queue/conversation.ts). Everything else is told to the clicker alone.
 */
import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { ForeignJobError } from '../../queue/conversation.ts';
import type { CancelOutcome } from '../../queue/edit-queue.ts';
import { CancelForbiddenError, JobNotFoundError } from '../../queue/errors.ts';
import { slackConversationOf, type EditHandlerContext } from './edit-handlers.ts';
import { slackReplyToSchema } from './slack-delivery.ts';
import { CANCEL_FORBIDDEN_TEXT, CANCEL_TOO_LATE_TEXT, userErrorText } from './slack-messages.ts';

export async function handleCancelButton(
  ctx: EditHandlerContext,
  { ack, body, action, respond }: SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs,
): Promise<void> {
  await ack();
  const jobId = action.value;
  const channelId = body.channel?.id ?? (body.container.channel_id as string | undefined);
  if (!jobId || !channelId) return;
  const log = ctx.logger.child({ jobId, userId: body.user.id });
  const ephemeral = (text: string) => respond({ response_type: 'ephemeral', replace_original: false, text });
  // Read before cancelling: a removed job is gone afterwards, and its line still has to be rewritten.
  const job = await ctx.queue.queue.getJob(jobId);
  let outcome: CancelOutcome;
  try {
    if (!job) throw new JobNotFoundError(jobId);
    outcome = await ctx.queue.cancelEdit(jobId, body.user.id, slackConversationOf(body, channelId));
  } catch (err) {
    if (err instanceof ForeignJobError) {
      log.info('cancel refused: another conversation');
      await ephemeral(`:warning: ${userErrorText(err)}`);
      return;
    }
    if (err instanceof CancelForbiddenError) {
      log.info('cancel refused: not the requester');
      await ephemeral(CANCEL_FORBIDDEN_TEXT);
      return;
    }
    if (err instanceof JobNotFoundError) {
      await ephemeral(CANCEL_TOO_LATE_TEXT);
      return;
    }
    throw err;
  }
  if (outcome === 'already_finished' || !job) {
    await ephemeral(CANCEL_TOO_LATE_TEXT);
    return;
  }
  const parsed = slackReplyToSchema.safeParse(job.data.replyTo);
  if (!parsed.success) return;
  const line = { replyTo: parsed.data, userId: job.data.requester.userId, request: job.data.request };
  log.info({ outcome }, 'edit cancelled from Slack');
  // The line may be gone already (a signalled job's failure delivered first): that edit fails harmlessly.
  await ctx.statusLines
    .closeStatus(jobId, line, { kind: outcome === 'removed' ? 'cancelled' : 'cancelling' })
    .catch((err: unknown) => log.debug({ err }, 'status line not updated after cancel'));
}

/**
 * The common tail of every way an edit starts on Discord (`/edit`, a result's button, the "Edit image"
 * modal), run after the interaction was deferred: prepare the edit (download the image, or read the
 * parent job), enqueue it, and edit the deferred response with the queue position or the reason it
 * could not start.
 */
import type { APIInteraction } from 'discord-api-types/v10';
import { UserFacingError, type EditRequest } from '../../commands/index.ts';
import type { Conversation } from '../../queue/conversation.ts';
import { jobIdFor } from '../../queue/edit-job.ts';
import type { DiscordReplyTo } from './discord-delivery.ts';
import type { InteractionContext } from './interaction-handler.ts';
import { buildFailureMessage, buildQueuedMessage } from './payloads.ts';

const UNEXPECTED = {
  userMessage: 'Something went wrong while queuing your edit.',
  hint: 'try again in a minute',
};

export interface PreparedEdit {
  request: EditRequest;
  image: Uint8Array;
  parentEditId?: string;
}
/** Prepares the edit, enqueues it, and edits the deferred response with the queue position or the error. */
export async function enqueueAndReport(
  interaction: APIInteraction,
  ctx: InteractionContext,
  prepare: () => Promise<PreparedEdit>,
  knownRequest?: EditRequest,
): Promise<void> {
  const jobId = jobIdFor('discord', interaction.id);
  const requester = requesterOf(interaction);
  const replyTo = replyToOf(interaction);
  const log = ctx.logger.child({ jobId, userId: requester.userId });
  let request = knownRequest;
  try {
    const prepared = await prepare();
    request = prepared.request;
    const enqueued = await ctx.queue.enqueueEdit({
      platform: 'discord',
      interactionId: interaction.id,
      request: prepared.request,
      image: prepared.image,
      requester,
      replyTo,
      ...(prepared.parentEditId ? { parentEditId: prepared.parentEditId } : {}),
    });
    // A finished job (a cache hit, or a redelivered interaction) is the delivery's to show.
    if (enqueued.position.state === 'finished') return;
    await ctx.delivery.showStatus(
      enqueued.jobId,
      replyTo,
      buildQueuedMessage(enqueued.jobId, { ...prepared.request, seed: enqueued.seed }, enqueued.position),
    );
  } catch (err) {
    const userFacing = err instanceof UserFacingError;
    if (userFacing) log.info({ code: err.code }, 'edit refused');
    else log.error({ err }, 'enqueue failed');
    await ctx.delivery.showStatus(
      jobId,
      replyTo,
      buildFailureMessage(userFacing ? err : UNEXPECTED, request),
    );
  }
}

export function requesterOf(interaction: APIInteraction): {
  teamId?: string;
  channelId: string;
  userId: string;
} {
  const userId = interaction.member?.user.id ?? interaction.user?.id ?? 'unknown';
  const channelId = interaction.channel?.id ?? interaction.channel_id ?? 'unknown';
  return { ...(interaction.guild_id ? { teamId: interaction.guild_id } : {}), channelId, userId };
}

/** Where `interaction` happened: its guild (none in a DM) and channel, for buttons' conversation rule. */
export function conversationOf(interaction: APIInteraction): Conversation {
  const { teamId, channelId } = requesterOf(interaction);
  return { platform: 'discord', teamId, channelId };
}

/** How to answer `interaction` later: its token edits its original response (or the pressed message). */
export function replyToOf(interaction: APIInteraction): DiscordReplyTo {
  const { channelId, userId } = requesterOf(interaction);
  return { applicationId: interaction.application_id, token: interaction.token, channelId, userId };
}

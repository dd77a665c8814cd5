/**
 * Two ways an edit starts on Slack (the third, the message shortcut, is in edit-shortcut.ts), each
 * ack-first: the `/edit` slash command (source image: the user's most recent image in the channel)
 * and a result's button (source: the parent job's blob, request: `applyEditAction` of the parent's).
 * All end in `submitEdit`: post a status message, enqueue with that message in `replyTo`, then show
 * the queue position and the Cancel button (cancel-button.ts answers it). Errors a user can act on go back ephemerally; a redelivered interaction (same
 * trigger_id) enqueues nothing.
 */
import type {
  AllMiddlewareArgs,
  BlockButtonAction,
  SlackActionMiddlewareArgs,
  SlackCommandMiddlewareArgs,
  webApi,
} from '@slack/bolt';
import type { Logger } from '../../config/logger.ts';
import {
  CommandError,
  UserFacingError,
  applyEditAction,
  buildHelpText,
  type HelpCapabilities,
  parseEditCommand,
  type EditRequest,
} from '../../commands/index.ts';
import { assertInConversation, type Conversation } from '../../queue/conversation.ts';
import type { EditQueue } from '../../queue/edit-queue.ts';
import { jobIdFor } from '../../queue/edit-job.ts';
import { checkMembership } from './channel-membership.ts';
import { NotInChannelError, ParentExpiredError } from './errors.ts';
import { actionOf, describeEdit, userErrorText } from './slack-messages.ts';
import type { SlackDeliveryAdapter, SlackReplyTo } from './slack-delivery.ts';
import type { FileHostPolicy } from '../file-hosts/file-host-policy.ts';
import { downloadSlackFile, findRecentImage, type DownloadSlackFileOptions } from './source-image.ts';

export interface EditHandlerContext {
  queue: EditQueue;
  botToken: string;
  /** KK_BLOB_MAX_BYTES. */
  maxImageBytes: number;
  /** Oldest image `/edit` picks up, in seconds. */
  imageMaxAgeSeconds: number;
  /** The delivery adapter, which owns every edit of a status line after it is posted. */
  statusLines: Pick<SlackDeliveryAdapter, 'setStatus' | 'closeStatus'>;
  logger: Logger;
  /** Listed in `/edit help` (the model's `capabilities`). */
  helpCapabilities?: HelpCapabilities;
  /** The bot user's name (auth.test), for the "/invite @name" hint. */
  botName?: string;
  /** Source image download limit. @defaultValue 20000 */
  downloadTimeoutMs?: number;
  /** Where source images may come from. @defaultValue SLACK_FILE_HOSTS */
  fileHosts?: FileHostPolicy;
}

/** How `downloadSlackFile` is called from a handler: the context's token, cap, time limit and hosts. */
export function downloadOptionsOf(ctx: EditHandlerContext): DownloadSlackFileOptions {
  return {
    botToken: ctx.botToken,
    maxBytes: ctx.maxImageBytes,
    ...(ctx.downloadTimeoutMs === undefined ? {} : { timeoutMs: ctx.downloadTimeoutMs }),
    ...(ctx.fileHosts ? { fileHosts: ctx.fileHosts } : {}),
  };
}

export const SLACK_HELP_ATTACH_HINT =
  'Share the image in the channel first: /edit uses the most recent image you shared there.';

export async function handleEditCommand(
  ctx: EditHandlerContext,
  { command, ack, respond, client }: SlackCommandMiddlewareArgs & AllMiddlewareArgs,
): Promise<void> {
  await ack();
  const text = command.text.trim();
  if (text === '' || text.toLowerCase() === 'help') {
    await respond({
      response_type: 'ephemeral',
      text: buildHelpText({
        attachHint: SLACK_HELP_ATTACH_HINT,
        ...(ctx.helpCapabilities ? { capabilities: ctx.helpCapabilities } : {}),
      }),
    });
    return;
  }
  let request: EditRequest;
  try {
    request = parseEditCommand(command.text);
  } catch (err) {
    if (!(err instanceof CommandError)) throw err;
    await respond({ response_type: 'ephemeral', text: `:warning: ${userErrorText(err)}` });
    return;
  }
  await submitEdit(ctx, {
    client,
    tell: (text) => respond({ response_type: 'ephemeral', text }),
    interactionId: command.trigger_id,
    request,
    requester: { teamId: command.team_id, channelId: command.channel_id, userId: command.user_id },
    responseUrl: command.response_url,
    loadImage: async () => {
      // First: files.list in a channel the bot is not in fails or finds nothing, hiding the real fix.
      await checkMembership(client, command.channel_id, ctx.botName);
      const file = await findRecentImage(client, {
        userId: command.user_id,
        channelId: command.channel_id,
        maxAgeSeconds: ctx.imageMaxAgeSeconds,
      });
      return downloadSlackFile(file, downloadOptionsOf(ctx));
    },
  });
}

export async function handleEditButton(
  ctx: EditHandlerContext,
  { ack, body, action, respond, client }: SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs,
): Promise<void> {
  await ack();
  const editAction = actionOf(action.action_id);
  const parentId = action.value;
  const channelId = body.channel?.id ?? (body.container.channel_id as string | undefined);
  if (!editAction || !parentId || !channelId) return;
  const ephemeral = (text: string) => respond({ response_type: 'ephemeral', replace_original: false, text });
  try {
    const parent = await ctx.queue.queue.getJob(parentId);
    if (!parent) throw new ParentExpiredError();
    // A job id in a button's value is plain text: a copied one must not re-edit another team's image.
    assertInConversation(parentId, parent.data, slackConversationOf(body, channelId));
    const request = applyEditAction(editAction, parent.data.request);
    const threadTs = body.container.thread_ts as string | undefined;
    await submitEdit(ctx, {
      client,
      tell: ephemeral,
      interactionId: body.trigger_id,
      request,
      requester: { teamId: body.team?.id ?? parent.data.requester.teamId, channelId, userId: body.user.id },
      responseUrl: body.response_url,
      ...(threadTs ? { threadTs } : {}),
      parentEditId: parentId,
      loadImage: async () => {
        const image = await ctx.queue.blobs.get(parent.data.source.blob);
        if (!image) throw new ParentExpiredError();
        return image;
      },
    });
  } catch (err) {
    if (!(err instanceof UserFacingError)) throw err;
    await ephemeral(`:warning: ${userErrorText(err)}`);
  }
}

/** Where a Slack button was pressed: its team (the clicker's, on an org-wide install) and channel. */
export function slackConversationOf(body: BlockButtonAction, channelId: string): Conversation {
  return { platform: 'slack', teamId: body.team?.id ?? body.user.team_id, channelId };
}

export interface Submission {
  client: webApi.WebClient;
  /** Tells the requester something only they see (response_url, or chat.postEphemeral). */
  tell: (text: string) => Promise<unknown>;
  interactionId: string;
  request: EditRequest;
  requester: { teamId?: string | undefined; channelId: string; userId: string };
  responseUrl?: string;
  threadTs?: string;
  parentEditId?: string;
  loadImage: () => Promise<Uint8Array>;
}

export async function submitEdit(ctx: EditHandlerContext, submission: Submission): Promise<void> {
  const { client, requester, request } = submission;
  const botName = ctx.botName;
  const log = ctx.logger.child({ interactionId: submission.interactionId, userId: requester.userId });
  // Slack redelivers an interaction it thinks was not answered: the job id is the same, so skip early.
  if (await ctx.queue.queue.getJob(jobIdFor('slack', submission.interactionId))) {
    log.info('redelivered interaction: already enqueued');
    return;
  }
  let statusTs: string | undefined;
  try {
    const image = await submission.loadImage();
    statusTs = await postStatus(
      client,
      requester.channelId,
      submission.threadTs,
      describeEdit(requester.userId, request),
      botName,
    );
    const replyTo: SlackReplyTo = {
      channelId: requester.channelId,
      statusTs,
      ...(submission.responseUrl ? { responseUrl: submission.responseUrl } : {}),
      ...(submission.threadTs ? { threadTs: submission.threadTs } : {}),
    };
    const enqueued = await ctx.queue.enqueueEdit({
      platform: 'slack',
      interactionId: submission.interactionId,
      request,
      image,
      requester: {
        channelId: requester.channelId,
        userId: requester.userId,
        ...(requester.teamId ? { teamId: requester.teamId } : {}),
      },
      replyTo: { ...replyTo },
      ...(submission.parentEditId ? { parentEditId: submission.parentEditId } : {}),
    });
    if (enqueued.duplicate) {
      await deleteStatus(client, requester.channelId, statusTs);
      return;
    }
    // The job is queued: from here on a failed status edit is cosmetic. It fails for certain when a
    // fast (cached) result was delivered first and its status line already deleted.
    // Through the delivery adapter, so a Cancel click already answered is not overwritten.
    await ctx.statusLines
      .setStatus(
        enqueued.jobId,
        { replyTo, userId: requester.userId, request: { ...request, seed: enqueued.seed } },
        { kind: 'queued', position: enqueued.position },
      )
      .catch((err: unknown) => log.debug({ err }, 'queue position not shown'));
  } catch (err) {
    if (statusTs) await deleteStatus(client, requester.channelId, statusTs);
    if (!(err instanceof UserFacingError)) {
      log.error({ err }, 'could not start the edit');
      await submission.tell(':x: Something went wrong starting that edit - try again in a moment.');
      return;
    }
    log.info({ code: err.code }, 'edit refused');
    await submission.tell(`:warning: ${userErrorText(err)}`);
  }
}

/** Posts the status message in the channel and returns its ts; a channel the bot is not in is a user error. */
async function postStatus(
  client: webApi.WebClient,
  channel: string,
  threadTs: string | undefined,
  who: string,
  botName: string | undefined,
): Promise<string> {
  try {
    const posted = await client.chat.postMessage({
      channel,
      text: `:hourglass_flowing_sand: ${who} - queueing`,
      ...(threadTs ? { thread_ts: threadTs } : {}),
    });
    if (!posted.ts) throw new Error('chat.postMessage returned no ts');
    return posted.ts;
  } catch (err) {
    const code = (err as { data?: { error?: string } }).data?.error;
    if (code === 'not_in_channel' || code === 'channel_not_found')
      throw new NotInChannelError({ channelId: channel, botName, cause: err });
    throw err;
  }
}

async function deleteStatus(client: webApi.WebClient, channel: string, ts: string): Promise<void> {
  await client.chat.delete({ channel, ts }).catch(() => undefined);
}

/**
 * Pure builders for everything the Discord adapter sends: button ids, the result's button row, the
 * Cancel button, status, result, failure and cancel messages, and immediate interaction responses. No I/O, so they are tested without
 * a network. Every message sets `allowed_mentions: { parse: [] }` (or names the one user to ping), so
 * text a user typed can never ping @everyone or a role.
 */
import {
  ButtonStyle,
  ComponentType,
  InteractionResponseType,
  MessageFlags,
  type APIActionRowComponent,
  type APIAllowedMentions,
  type APIButtonComponentWithCustomId,
  type APIInteractionResponse,
} from 'discord-api-types/v10';
import {
  EDIT_ACTIONS,
  EDIT_COMMAND_NAME,
  canApplyAction,
  formatEditCommand,
  type EditAction,
  type EditRequest,
} from '../../commands/index.ts';
import type { EditJobResult } from '../../queue/edit-job.ts';
import { EDIT_STAGE_LABELS, type EditProgress } from '../../pipeline/types.ts';
import { formatQueuePosition, type QueuePosition } from '../../queue/queue-position.ts';

/** A file to upload with a message (mapped onto @discordjs/rest's RawFile when sent). */
export interface MessageFile {
  name: string;
  contentType: string;
  data: Uint8Array;
}

/** A message body for "edit original response" or "create channel message", plus its uploads. */
export interface DiscordMessage {
  content: string;
  components?: APIActionRowComponent<APIButtonComponentWithCustomId>[];
  /** Upload descriptors: `id` is the index into `files`. */
  attachments?: { id: number; filename: string }[];
  allowed_mentions: APIAllowedMentions;
  /** `MessageFlags.Ephemeral` for a follow-up only the presser sees. */
  flags?: MessageFlags;
  files?: MessageFile[];
}

/** Discord's limit on a component's custom_id. */
export const CUSTOM_ID_MAX_LENGTH = 100;
const BUTTON_PREFIX = 'kk';
const NO_MENTIONS: APIAllowedMentions = { parse: [] };
const ACTIONS: readonly string[] = EDIT_ACTIONS.map((a) => a.action);

/** The Cancel button's action word; not an `EditAction` (it derives no new edit). */
const CANCEL_ACTION = 'cancel';

/** `kk:<action>:<parent job id>`; the parent job holds the request and the source blob. */
export function encodeButtonId(action: EditAction, parentJobId: string): string {
  const id = `${BUTTON_PREFIX}:${action}:${parentJobId}`;
  if (id.length > CUSTOM_ID_MAX_LENGTH)
    throw new RangeError(`custom_id over ${CUSTOM_ID_MAX_LENGTH} characters: ${id}`);
  return id;
}

/** The action and parent job of one of our buttons; undefined for anything else. */
export function decodeButtonId(customId: string): { action: EditAction; parentJobId: string } | undefined {
  const match = /^kk:([a-z-]+):(.+)$/.exec(customId);
  if (!match || !ACTIONS.includes(match[1] as string)) return undefined;
  return { action: match[1] as EditAction, parentJobId: match[2] as string };
}

/** `kk:cancel:<job id>`: the Cancel button under a queued or running job's status message. */
export function encodeCancelId(jobId: string): string {
  const id = `${BUTTON_PREFIX}:${CANCEL_ACTION}:${jobId}`;
  if (id.length > CUSTOM_ID_MAX_LENGTH)
    throw new RangeError(`custom_id over ${CUSTOM_ID_MAX_LENGTH} characters: ${id}`);
  return id;
}

/** The job a Cancel button belongs to; undefined for any other custom_id. */
export function decodeCancelId(customId: string): string | undefined {
  const prefix = `${BUTTON_PREFIX}:${CANCEL_ACTION}:`;
  return customId.startsWith(prefix) && customId.length > prefix.length
    ? customId.slice(prefix.length)
    : undefined;
}

/** The row under a status message while the job is queued or running. */
export function buildCancelButtons(jobId: string): APIActionRowComponent<APIButtonComponentWithCustomId> {
  return {
    type: ComponentType.ActionRow,
    components: [
      {
        type: ComponentType.Button,
        style: ButtonStyle.Danger,
        label: 'Cancel',
        custom_id: encodeCancelId(jobId),
      },
    ],
  };
}

/**
 * Weaker / Stronger / Sweep / New seed for a finished job. Weaker and Stronger are disabled where they
 * would change nothing (at 0 or 1) and on sweeps; Sweep is disabled on a sweep, which it would only
 * repeat (same frames, same seed: the cached result).
 */
export function buildResultButtons(
  parentJobId: string,
  request: EditRequest,
): APIActionRowComponent<APIButtonComponentWithCustomId> {
  return {
    type: ComponentType.ActionRow,
    components: EDIT_ACTIONS.map(({ action, label }) => ({
      type: ComponentType.Button,
      style: ButtonStyle.Secondary,
      label,
      custom_id: encodeButtonId(action, parentJobId),
      disabled: !canApplyAction(action, request),
    })),
  };
}

/** The request as the user would type it, in a code span (backticks in the text can't break out of it). */
export function describeRequest(request: EditRequest): string {
  return `\`/${EDIT_COMMAND_NAME} ${formatEditCommand(request).replaceAll('`', "'")}\``;
}

/** "#2 in queue" (or "running"), with the Cancel button. */
export function buildQueuedMessage(
  jobId: string,
  request: EditRequest,
  position: QueuePosition,
): DiscordMessage {
  return {
    content: `${describeRequest(request)} - ${formatQueuePosition(position)}`,
    components: [buildCancelButtons(jobId)],
    allowed_mentions: NO_MENTIONS,
  };
}

/** "editing 7/20", with the Cancel button. */
export function buildProgressMessage(
  jobId: string,
  request: EditRequest,
  progress: EditProgress,
): DiscordMessage {
  const steps = progress.total > 1 ? ` ${progress.step}/${progress.total}` : '';
  return {
    content: `${describeRequest(request)} - ${EDIT_STAGE_LABELS[progress.stage]}${steps}`,
    components: [buildCancelButtons(jobId)],
    allowed_mentions: NO_MENTIONS,
  };
}

/** A queued edit that was removed: nothing more will come, so no buttons either. */
export function buildCancelledMessage(): DiscordMessage {
  return { content: 'Cancelled.', components: [], allowed_mentions: NO_MENTIONS };
}

/** A running edit asked to stop; its 'cancelled' failure replaces this once the worker stops. */
export function buildCancellingMessage(): DiscordMessage {
  return { content: 'Cancelling...', components: [], allowed_mentions: NO_MENTIONS };
}

/** The finished edit: its files as attachments, a summary line and the button row. */
export function buildResultMessage(
  jobId: string,
  request: EditRequest,
  result: Pick<EditJobResult, 'kind' | 'width' | 'height' | 'cached' | 'timings' | 'note'>,
  files: readonly { name: string; mime: string; data: Uint8Array }[],
): DiscordMessage {
  const seconds = result.timings.total === undefined ? '' : `, ${(result.timings.total / 1000).toFixed(1)} s`;
  const how = result.cached ? ', from the cache' : seconds;
  return {
    content:
      `${describeRequest(request)} - ${result.width}x${result.height}${how}` +
      (result.note ? `\n${result.note}` : ''),
    components: [buildResultButtons(jobId, request)],
    attachments: files.map((file, id) => ({ id, filename: file.name })),
    files: files.map((file) => ({ name: file.name, contentType: file.mime, data: file.data })),
    allowed_mentions: NO_MENTIONS,
  };
}

/**
 * A user-facing error as a message: the reason, then the hint (both written for chat by their authors).
 * `components: []` removes the status message's Cancel button (an edit without it keeps the old row).
 */
export function buildFailureMessage(
  error: { userMessage: string; hint?: string | undefined },
  request?: EditRequest,
): DiscordMessage {
  const prefix = request ? `${describeRequest(request)} - ` : '';
  const hint = error.hint ? `\n-# ${error.hint}` : '';
  return { content: `${prefix}${error.userMessage}${hint}`, components: [], allowed_mentions: NO_MENTIONS };
}

/** A follow-up message only the presser sees (sent after a deferred button answer). */
export function ephemeralFollowUp(content: string): DiscordMessage {
  return { content, flags: MessageFlags.Ephemeral, allowed_mentions: NO_MENTIONS };
}

/** A message posted in the channel when the interaction token has expired: it pings the requester. */
export function asChannelMessage(message: DiscordMessage, userId: string): DiscordMessage {
  return {
    ...message,
    content: `<@${userId}> ${message.content}`,
    allowed_mentions: { parse: [], users: [userId] },
  };
}

// --- immediate interaction responses (the body of the HTTP answer) -------------------------------

export const PONG: APIInteractionResponse = { type: InteractionResponseType.Pong };

/** "Bot is thinking...": the message is edited later through the interaction token (15 minutes). */
export const DEFERRED_REPLY: APIInteractionResponse = {
  type: InteractionResponseType.DeferredChannelMessageWithSource,
};

/** "Got it", leaving the pressed message as it is; the follow-up edits it or answers ephemerally. */
export const DEFERRED_UPDATE: APIInteractionResponse = {
  type: InteractionResponseType.DeferredMessageUpdate,
};

/** A reply only the user sees (a mistake in the command, help). */
export function ephemeralReply(content: string): APIInteractionResponse {
  return {
    type: InteractionResponseType.ChannelMessageWithSource,
    data: { content, flags: MessageFlags.Ephemeral, allowed_mentions: NO_MENTIONS },
  };
}

export function ephemeralError(error: {
  userMessage: string;
  hint?: string | undefined;
}): APIInteractionResponse {
  return ephemeralReply(buildFailureMessage(error).content);
}

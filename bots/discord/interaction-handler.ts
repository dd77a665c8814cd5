/**
 * One verified interaction in, the immediate answer out (Discord waits at most 3 seconds for it), plus
 * the work to do after answering. Only translation happens here:
 *
 * - PING -> PONG.
 * - `/edit`: checks that need no I/O (grammar, attachment type and size) answer at once with an
 *   ephemeral message; otherwise "thinking..." (deferred), then download -> `enqueueEdit` -> "#2 in queue".
 * - `/kk-help`, or `/edit` with the instruction `help`: the help text, ephemeral.
 * - A result's button: deferred (a new message), then the parent job's request and source blob ->
 *   `applyEditAction` -> `enqueueEdit` with `parentEditId`. Anyone in the result's guild and channel
 *   (or DM) may press; the presser becomes the requester, so their own in-flight caps apply. A button
 *   naming a job of another conversation or platform is refused (queue/conversation.ts).
 * - A status message's Cancel button: cancel-button.ts.
 * - "Edit image" on a message, and the modal it opens: edit-image-command.ts.
 */
import {
  ApplicationCommandOptionType,
  ApplicationCommandType,
  InteractionType,
  type APIApplicationCommandInteractionDataOption,
  type APIChatInputApplicationCommandInteraction,
  type APIInteraction,
  type APIInteractionResponse,
  type APIMessageApplicationCommandInteraction,
  type APIMessageComponentInteraction,
} from 'discord-api-types/v10';
import type { Logger } from '../../config/logger.ts';
import {
  DISCORD_EDIT_IMAGE_COMMAND_NAME,
  DISCORD_OPTION_NAMES,
  EDIT_COMMAND_NAME,
  UserFacingError,
  applyEditAction,
  buildHelpText,
  editRequestFromOptions,
  type EditRequest,
  type HelpCapabilities,
} from '../../commands/index.ts';
import { assertInConversation } from '../../queue/conversation.ts';
import type { EditQueue } from '../../queue/edit-queue.ts';
import { handleCancelPress } from './cancel-button.ts';
import type { DiscordDelivery } from './discord-delivery.ts';
import type { FileHostPolicy } from '../file-hosts/file-host-policy.ts';
import {
  AttachmentError,
  checkAttachment,
  downloadAttachment,
  downloadOptionsOf,
} from './download-attachment.ts';
import { handleEditImageCommand, handleEditImageSubmit } from './edit-image-command.ts';
import { conversationOf, enqueueAndReport, replyToOf } from './enqueue-edit.ts';
import { HELP_COMMAND_NAME } from './help-command.ts';
import {
  DEFERRED_REPLY,
  PONG,
  decodeButtonId,
  decodeCancelId,
  ephemeralError,
  ephemeralReply,
} from './payloads.ts';

/** The immediate answer, and what to do once it is sent. */
export interface HandledInteraction {
  response: APIInteractionResponse;
  followUp?: () => Promise<void>;
}

/** The parts of `EditQueue` the bot uses. */
export type BotQueue = Pick<EditQueue, 'enqueueEdit' | 'cancelEdit' | 'queue' | 'blobs'>;

export interface InteractionContext {
  queue: BotQueue;
  delivery: DiscordDelivery;
  /** KK_BLOB_MAX_BYTES: larger attachments are refused before downloading. */
  blobMaxBytes: number;
  /** @defaultValue 20000 */
  downloadTimeoutMs?: number;
  /** Where attachments may come from. @defaultValue DISCORD_FILE_HOSTS */
  fileHosts?: FileHostPolicy;
  /** What the help text lists as the model's strengths. @defaultValue none */
  helpCapabilities?: HelpCapabilities;
  logger: Logger;
}

/** The parent job (or its source image) is gone: retention ran out. */
export class ParentExpiredError extends UserFacingError {
  constructor() {
    super('parent_expired', 'That edit has expired, so its buttons no longer work.', {
      hint: 'run /edit again with the image',
    });
  }
}

export function handleInteraction(interaction: APIInteraction, ctx: InteractionContext): HandledInteraction {
  switch (interaction.type) {
    case InteractionType.Ping:
      return { response: PONG };
    case InteractionType.ApplicationCommand: {
      const name = interaction.data.name;
      if (name === HELP_COMMAND_NAME) return { response: helpReply(ctx) };
      if (name === EDIT_COMMAND_NAME && interaction.data.type === ApplicationCommandType.ChatInput)
        return handleEdit(interaction as APIChatInputApplicationCommandInteraction, ctx);
      if (
        name === DISCORD_EDIT_IMAGE_COMMAND_NAME &&
        interaction.data.type === ApplicationCommandType.Message
      )
        return handleEditImageCommand(interaction as APIMessageApplicationCommandInteraction, ctx);
      return { response: ephemeralReply(`I don't know the command /${name}.`) };
    }
    case InteractionType.MessageComponent:
      return handleButton(interaction, ctx);
    case InteractionType.ModalSubmit:
      return handleEditImageSubmit(interaction, ctx);
    default:
      return { response: ephemeralReply('This kind of interaction is not supported.') };
  }
}

function helpReply(ctx: InteractionContext): APIInteractionResponse {
  return ephemeralReply(
    buildHelpText({
      attachHint: 'Attach the image with the `image` option.',
      ...(ctx.helpCapabilities ? { capabilities: ctx.helpCapabilities } : {}),
    }),
  );
}

function handleEdit(
  interaction: APIChatInputApplicationCommandInteraction,
  ctx: InteractionContext,
): HandledInteraction {
  const options = optionValues(interaction.data.options);
  const instruction = String(options[DISCORD_OPTION_NAMES.instruction] ?? '');
  if (instruction.trim().toLowerCase() === 'help') return { response: helpReply(ctx) };
  const attachmentId = options[DISCORD_OPTION_NAMES.image];
  const attachment =
    attachmentId === undefined ? undefined : interaction.data.resolved?.attachments?.[String(attachmentId)];
  let request: EditRequest;
  try {
    if (!attachment)
      throw new AttachmentError('no_attachment', 'Attach an image to edit.', {
        hint: 'use the image option',
      });
    checkAttachment(attachment, ctx.blobMaxBytes);
    request = editRequestFromOptions({
      instruction,
      strength: scalar(options[DISCORD_OPTION_NAMES.strength]),
      seed: scalar(options[DISCORD_OPTION_NAMES.seed]),
      steps: scalar(options[DISCORD_OPTION_NAMES.steps]),
    });
  } catch (err) {
    if (err instanceof UserFacingError) return { response: ephemeralError(err) };
    throw err;
  }
  const url = attachment.url;
  const download = () => downloadAttachment(url, downloadOptionsOf(ctx));
  return {
    response: DEFERRED_REPLY,
    followUp: () =>
      enqueueAndReport(interaction, ctx, async () => ({ request, image: await download() }), request),
  };
}

function handleButton(
  interaction: APIMessageComponentInteraction,
  ctx: InteractionContext,
): HandledInteraction {
  const cancelJobId = decodeCancelId(interaction.data.custom_id);
  if (cancelJobId !== undefined)
    return handleCancelPress(cancelJobId, replyToOf(interaction), conversationOf(interaction), ctx);
  const button = decodeButtonId(interaction.data.custom_id);
  if (!button) return { response: ephemeralReply('This button is no longer supported - run /edit again.') };
  const { action, parentJobId } = button;
  // The parent's request lives in Redis; reading it happens after deferring, like the download for /edit.
  const prepare = async () => {
    const parent = await ctx.queue.queue.getJob(parentJobId);
    if (!parent) throw new ParentExpiredError();
    assertInConversation(parentJobId, parent.data, conversationOf(interaction));
    const request = applyEditAction(action, parent.data.request);
    const image = await ctx.queue.blobs.get(parent.data.source.blob);
    if (!image) throw new ParentExpiredError();
    return { request, image, parentEditId: parentJobId };
  };
  return { response: DEFERRED_REPLY, followUp: () => enqueueAndReport(interaction, ctx, prepare) };
}

type OptionValue = string | number | boolean;

function optionValues(
  options: readonly APIApplicationCommandInteractionDataOption[] | undefined,
): Record<string, OptionValue> {
  const values: Record<string, OptionValue> = {};
  for (const option of options ?? []) {
    if (option.type === ApplicationCommandOptionType.Subcommand) continue;
    if (option.type === ApplicationCommandOptionType.SubcommandGroup) continue;
    values[option.name] = option.value;
  }
  return values;
}

/** Option values as the grammar takes them (booleans never occur in /edit's options; kept as text). */
function scalar(value: OptionValue | undefined): string | number | null {
  if (value === undefined) return null;
  return typeof value === 'boolean' ? String(value) : value;
}

/**
 * "Edit image", the message command (a message's Apps menu): Discord's counterpart of Slack's "Edit
 * this image" shortcut. The flow:
 *
 * 1. The command arrives with the target message in `data.resolved.messages`. Its first image
 *    attachment is checked (type, size) at once; none gives an ephemeral answer.
 * 2. The answer is a modal (instruction, strength). A modal submit carries only the modal's custom_id
 *    and the typed values, not the message, and may reach another bot replica; so the attachment
 *    (its CDN URL is far longer than a custom_id's 100 characters) is stored as a small blob in Redis,
 *    and the custom_id names it by its content hash, which is known before the store finishes.
 * 3. The submit goes through the same grammar (`editRequestFromOptions`) and enqueue path as `/edit`:
 *    a grammar error is answered ephemerally, otherwise the answer is deferred and the image
 *    downloaded and queued.
 */
import { LabelBuilder, ModalBuilder, TextInputBuilder } from '@discordjs/builders';
import {
  ComponentType,
  InteractionResponseType,
  TextInputStyle,
  type APIAttachment,
  type APIInteractionResponse,
  type APIMessageApplicationCommandInteraction,
  type APIModalSubmitInteraction,
} from 'discord-api-types/v10';
import { z } from 'zod';
import {
  INSTRUCTION_MAX_LENGTH,
  STRENGTH_MAX_LENGTH,
  UserFacingError,
  editRequestFromOptions,
  type EditRequest,
} from '../../commands/index.ts';
import { BlobStore } from '../../queue/blob-store.ts';
import {
  AttachmentError,
  checkAttachment,
  downloadAttachment,
  downloadOptionsOf,
} from './download-attachment.ts';
import { enqueueAndReport } from './enqueue-edit.ts';
import type { HandledInteraction, InteractionContext } from './interaction-handler.ts';
import { DEFERRED_REPLY, ephemeralError, ephemeralReply } from './payloads.ts';

/** The modal's custom_id: this prefix and the stored attachment's blob id (78 characters in all). */
export const EDIT_IMAGE_MODAL_PREFIX = 'kk:edit-image:';
/** The custom_ids of the modal's two text inputs. */
export const EDIT_IMAGE_FIELDS = { instruction: 'instruction', strength: 'strength' } as const;

/** What the modal submit needs of the target message's image. */
const storedAttachmentSchema = z.object({
  url: z.string().url(),
  filename: z.string(),
  size: z.number().int().nonnegative(),
  content_type: z.string().optional(),
});
type StoredAttachment = z.infer<typeof storedAttachmentSchema>;

export function handleEditImageCommand(
  interaction: APIMessageApplicationCommandInteraction,
  ctx: InteractionContext,
): HandledInteraction {
  const message = interaction.data.resolved.messages[interaction.data.target_id];
  const attachments = message?.attachments ?? [];
  const image = attachments.find((attachment) => looksLikeImage(attachment));
  try {
    if (!image)
      throw new AttachmentError('no_attachment', 'That message has no image I can edit.', {
        hint: 'use Edit image on a message with a PNG, JPEG, WebP or GIF attached',
      });
    checkAttachment(image, ctx.blobMaxBytes);
  } catch (err) {
    if (err instanceof UserFacingError) return { response: ephemeralError(err) };
    throw err;
  }
  const stored: StoredAttachment = {
    url: image.url,
    filename: image.filename,
    size: image.size,
    ...(image.content_type ? { content_type: image.content_type } : {}),
  };
  const bytes = Buffer.from(JSON.stringify(stored));
  return {
    response: buildEditImageModal(BlobStore.idOf(bytes), image.filename),
    // Stored after answering (Discord waits at most 3 s); the user needs far longer to fill the modal.
    followUp: async () => {
      await ctx.queue.blobs.put(bytes);
    },
  };
}

export function handleEditImageSubmit(
  interaction: APIModalSubmitInteraction,
  ctx: InteractionContext,
): HandledInteraction {
  const { custom_id: customId } = interaction.data;
  if (!customId.startsWith(EDIT_IMAGE_MODAL_PREFIX))
    return { response: ephemeralReply('This form is no longer supported - use Edit image again.') };
  const blobId = customId.slice(EDIT_IMAGE_MODAL_PREFIX.length);
  const values = modalValues(interaction);
  let request: EditRequest;
  try {
    request = editRequestFromOptions({
      instruction: values[EDIT_IMAGE_FIELDS.instruction] ?? '',
      strength: values[EDIT_IMAGE_FIELDS.strength]?.trim() || null,
    });
  } catch (err) {
    if (err instanceof UserFacingError) return { response: ephemeralError(err) };
    throw err;
  }
  const prepare = async () => {
    const stored = await ctx.queue.blobs.get(blobId);
    const attachment = stored && storedAttachmentSchema.safeParse(JSON.parse(stored.toString('utf8')));
    if (!attachment?.success)
      throw new AttachmentError('download_failed', 'That image is no longer available.', {
        hint: 'use Edit image on the message again',
      });
    const image = await downloadAttachment(attachment.data.url, downloadOptionsOf(ctx));
    return { request, image };
  };
  return { response: DEFERRED_REPLY, followUp: () => enqueueAndReport(interaction, ctx, prepare, request) };
}

/** The modal: the instruction (required) and the strength (optional; the same forms as `/edit`). */
export function buildEditImageModal(blobId: string, filename: string): APIInteractionResponse {
  const modal = new ModalBuilder()
    .setCustomId(`${EDIT_IMAGE_MODAL_PREFIX}${blobId}`)
    .setTitle('Edit image')
    .addLabelComponents(
      new LabelBuilder()
        .setLabel('Instruction')
        .setDescription(`What to change in ${filename}`.slice(0, 100))
        .setTextInputComponent(
          new TextInputBuilder()
            .setCustomId(EDIT_IMAGE_FIELDS.instruction)
            .setStyle(TextInputStyle.Paragraph)
            .setPlaceholder('make it snowy')
            .setMinLength(1)
            .setMaxLength(Math.min(INSTRUCTION_MAX_LENGTH, 4000))
            .setRequired(true),
        ),
      new LabelBuilder()
        .setLabel('Strength')
        .setDescription('0 to 1 (0.4 or 40%), sweep or sweep:8; empty for the full edit')
        .setTextInputComponent(
          new TextInputBuilder()
            .setCustomId(EDIT_IMAGE_FIELDS.strength)
            .setStyle(TextInputStyle.Short)
            .setPlaceholder('0.6')
            .setMaxLength(STRENGTH_MAX_LENGTH)
            .setRequired(false),
        ),
    );
  // toJSON() validates every length and limit (a ValidationError here is a bug, not user input).
  return { type: InteractionResponseType.Modal, data: modal.toJSON() };
}

/** The text inputs' values by custom_id, from Label components or the older action rows. */
function modalValues(interaction: APIModalSubmitInteraction): Record<string, string> {
  const values: Record<string, string> = {};
  for (const component of interaction.data.components) {
    const inputs =
      component.type === ComponentType.Label
        ? [component.component]
        : component.type === ComponentType.ActionRow
          ? component.components
          : [];
    for (const input of inputs)
      if (input.type === ComponentType.TextInput) values[input.custom_id] = input.value;
  }
  return values;
}

function looksLikeImage(attachment: APIAttachment): boolean {
  try {
    checkAttachment(attachment, Number.POSITIVE_INFINITY);
    return true;
  } catch {
    return false;
  }
}

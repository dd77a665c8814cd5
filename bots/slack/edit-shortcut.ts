/**
 * The "Edit this image" message shortcut: used on a message with an image, it opens a modal asking for
 * the instruction and strength; submitting it enqueues the edit of exactly that image (no guessing
 * which image was meant, unlike `/edit`). Grammar errors are shown in the modal, under the field;
 * anything later (download, caps) comes back as an ephemeral message in the channel.
 */
import type {
  AllMiddlewareArgs,
  MessageShortcut,
  SlackShortcutMiddlewareArgs,
  SlackViewMiddlewareArgs,
  ViewSubmitAction,
} from '@slack/bolt';
import { CommandError, editRequestFromOptions, type EditRequest } from '../../commands/index.ts';
import { downloadOptionsOf, submitEdit, type EditHandlerContext } from './edit-handlers.ts';
import { MODAL_BLOCKS, buildEditModal, editModalMetadataSchema, readEditModal } from './edit-modal.ts';
import { SlackSourceError } from './errors.ts';
import { downloadSlackFile, isSupportedImage, type SlackImageFile } from './source-image.ts';

export async function handleEditShortcut(
  _ctx: EditHandlerContext,
  { shortcut, ack, client, respond }: SlackShortcutMiddlewareArgs<MessageShortcut> & AllMiddlewareArgs,
): Promise<void> {
  await ack();
  const files = (shortcut.message.files ?? []) as SlackImageFile[];
  const image = files.find((file) => isSupportedImage(file.mimetype));
  if (!image) {
    await respond({
      response_type: 'ephemeral',
      text: ':warning: That message has no image I can edit (PNG, JPEG, WebP or GIF).',
    });
    return;
  }
  const threadTs = shortcut.message.thread_ts as string | undefined;
  await client.views.open({
    trigger_id: shortcut.trigger_id,
    view: buildEditModal(
      {
        channelId: shortcut.channel.id,
        fileId: image.id,
        messageTs: shortcut.message_ts,
        ...(threadTs ? { threadTs } : {}),
      },
      image.name ?? 'image',
    ),
  });
}

export async function handleEditModal(
  ctx: EditHandlerContext,
  { ack, body, view, client }: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs,
): Promise<void> {
  const metadata = editModalMetadataSchema.parse(JSON.parse(view.private_metadata));
  const fields = readEditModal(view.state.values);
  let request: EditRequest;
  try {
    request = editRequestFromOptions(fields);
  } catch (err) {
    if (!(err instanceof CommandError)) throw err;
    const block =
      err.option === 'strength' && fields.strength ? MODAL_BLOCKS.strength : MODAL_BLOCKS.instruction;
    // Modal errors are plain text: no mrkdwn escaping.
    const text = err.hint ? `${err.userMessage} (${err.hint})` : err.userMessage;
    await ack({ response_action: 'errors', errors: { [block]: text } });
    return;
  }
  await ack();
  const userId = body.user.id;
  await submitEdit(ctx, {
    client,
    tell: (text) => client.chat.postEphemeral({ channel: metadata.channelId, user: userId, text }),
    // A view id is stable for the modal, so a redelivered submission maps to the same job.
    interactionId: view.id,
    request,
    requester: { teamId: body.team?.id, channelId: metadata.channelId, userId },
    ...(metadata.threadTs ? { threadTs: metadata.threadTs } : {}),
    loadImage: async () => {
      const info = await client.files.info({ file: metadata.fileId });
      if (!info.file?.id) {
        throw new SlackSourceError('no_recent_image', 'That image is no longer available.', {
          hint: 'it may have been deleted; share it again',
        });
      }
      return downloadSlackFile(info.file as SlackImageFile, downloadOptionsOf(ctx));
    },
  });
}

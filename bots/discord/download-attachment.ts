/**
 * Fetches a slash command's image attachment from Discord's CDN (and only there) with a timeout and a size cap, and the
 * checks that can be made before downloading (is it an image, is it small enough).
 */
import type { APIAttachment } from 'discord-api-types/v10';
import { UserFacingError } from '../../commands/errors.ts';
import { formatMiB, formatOverLimit } from '../../queue/errors.ts';
import { FileDownloadError, fetchFromFileHost } from '../file-hosts/fetch-from-file-host.ts';
import { DISCORD_FILE_HOSTS, type FileHostPolicy } from '../file-hosts/file-host-policy.ts';

/** The attachment is not something the bot can edit, or could not be fetched. */
export class AttachmentError extends UserFacingError {}

const IMAGE_EXTENSION = /\.(png|jpe?g|webp|gif|avif|tiff?|bmp)$/i;

/** Throws `AttachmentError` unless the attachment looks like an image of at most `maxBytes`. */
export function checkAttachment(attachment: APIAttachment, maxBytes: number): void {
  const type = attachment.content_type?.split(';')[0]?.trim().toLowerCase();
  const isImage = type ? type.startsWith('image/') : IMAGE_EXTENSION.test(attachment.filename);
  if (!isImage) {
    throw new AttachmentError('not_an_image', `That attachment is not an image${type ? ` (${type})` : ''}.`, {
      hint: 'attach a PNG, JPEG, WebP or GIF',
    });
  }
  if (attachment.size > maxBytes) throw tooLarge(attachment.size, maxBytes);
}

export interface DownloadOptions {
  maxBytes: number;
  /** @defaultValue 20000 */
  timeoutMs?: number;
  /** Where attachments may come from. @defaultValue DISCORD_FILE_HOSTS (Discord's CDN, https) */
  fileHosts?: FileHostPolicy;
}

/** The download options a handler's context gives (cap, time limit, hosts). */
export function downloadOptionsOf(ctx: {
  blobMaxBytes: number;
  downloadTimeoutMs?: number;
  fileHosts?: FileHostPolicy;
}): DownloadOptions {
  return {
    maxBytes: ctx.blobMaxBytes,
    ...(ctx.downloadTimeoutMs ? { timeoutMs: ctx.downloadTimeoutMs } : {}),
    ...(ctx.fileHosts ? { fileHosts: ctx.fileHosts } : {}),
  };
}

/**
 * The attachment's bytes, from Discord's CDN only (redirects included); throws `AttachmentError` on a
 * refused host, a failed, slow or oversized download.
 */
export async function downloadAttachment(url: string, options: DownloadOptions): Promise<Uint8Array> {
  const timeoutMs = options.timeoutMs ?? 20_000;
  try {
    return await fetchFromFileHost(url, {
      policy: options.fileHosts ?? DISCORD_FILE_HOSTS,
      maxBytes: options.maxBytes,
      timeoutMs,
    });
  } catch (err) {
    if (!(err instanceof FileDownloadError)) throw err;
    if (err.reason === 'too_large') throw tooLarge(err.bytes ?? options.maxBytes + 1, options.maxBytes);
    if (err.reason === 'host_not_allowed')
      throw new AttachmentError('attachment_host_refused', 'I only download images from Discord itself.', {
        hint: 'attach the image to your message instead of linking it',
        cause: err,
      });
    if (err.reason === 'timeout')
      throw new AttachmentError(
        'download_timeout',
        `Downloading that image took over ${timeoutMs / 1000} s.`,
        {
          hint: 'try again, or attach a smaller image',
          cause: err,
        },
      );
    throw new AttachmentError('download_failed', 'I could not download that image.', {
      hint: 'try again, or attach it once more',
      cause: err,
    });
  }
}

function tooLarge(bytes: number, maxBytes: number): AttachmentError {
  return new AttachmentError(
    'image_too_large',
    `That image is too large (${formatOverLimit(bytes, maxBytes)}).`,
    {
      hint: `the limit is ${formatMiB(maxBytes)}`,
    },
  );
}

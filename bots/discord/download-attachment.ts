/**
 * Fetches a slash command's image attachment from Discord's CDN with a timeout and a size cap, and the
 * checks that can be made before downloading (is it an image, is it small enough).
 */
import type { APIAttachment } from 'discord-api-types/v10';
import { UserFacingError } from '../../commands/errors.ts';

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
}

/** The attachment's bytes; throws `AttachmentError` on a failed, slow or oversized download. */
export async function downloadAttachment(url: string, options: DownloadOptions): Promise<Uint8Array> {
  const failed = (cause?: unknown) =>
    new AttachmentError('download_failed', 'I could not download that image.', {
      hint: 'try again, or attach it once more',
      cause,
    });
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(options.timeoutMs ?? 20_000) });
  } catch (err) {
    throw failed(err);
  }
  if (!response.ok || !response.body) throw failed(new Error(`HTTP ${response.status}`));
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (declared > options.maxBytes) {
    await response.body.cancel();
    throw tooLarge(declared, options.maxBytes);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for await (const chunk of response.body) {
      total += chunk.byteLength;
      // The declared size can be absent or wrong: count what actually arrives.
      if (total > options.maxBytes) throw tooLarge(total, options.maxBytes);
      chunks.push(chunk);
    }
  } catch (err) {
    if (err instanceof AttachmentError) throw err;
    throw failed(err);
  }
  return Buffer.concat(chunks);
}

function tooLarge(bytes: number, maxBytes: number): AttachmentError {
  const mib = (n: number) => `${(n / (1024 * 1024)).toFixed(1)} MiB`;
  return new AttachmentError('image_too_large', `That image is too large (${mib(bytes)}).`, {
    hint: `the limit is ${mib(maxBytes)}`,
  });
}

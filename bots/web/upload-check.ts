/**
 * What the playground checks about an uploaded photo before it is queued, from the bytes themselves (never the
 * file's name or declared type): not empty, not over KK_BLOB_MAX_BYTES, and starting like one of the four
 * formats the pipeline reads. The worker decodes it later with the same allowlist (pipeline/image/preprocess.ts)
 * and reports anything this cheap check cannot see (a truncated JPEG, a 10x10 photo); nothing here decodes.
 */
import { UserFacingError } from '../../commands/errors.ts';
import { BlobTooLargeError, EmptyImageError } from '../../queue/errors.ts';

/** The upload is not an image the bot can edit, or names no image at all. */
export class UploadError extends UserFacingError {}

/** Bytes the format check reads: every signature below fits in the first 12. */
export const FORMAT_SNIFF_BYTES = 16;

export type ImageFormat = 'png' | 'jpeg' | 'webp' | 'gif';

/** The format the first bytes announce, or undefined for anything else (SVG, PDF, TIFF, HEIF, text...). */
export function sniffImageFormat(head: Uint8Array): ImageFormat | undefined {
  const starts = (offset: number, bytes: readonly number[]) =>
    head.length >= offset + bytes.length && bytes.every((byte, i) => head[offset + i] === byte);
  const ascii = (text: string) => [...text].map((c) => c.charCodeAt(0));
  if (starts(0, [0x89, ...ascii('PNG'), 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (starts(0, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (starts(0, ascii('GIF87a')) || starts(0, ascii('GIF89a'))) return 'gif';
  if (starts(0, ascii('RIFF')) && starts(8, ascii('WEBP'))) return 'webp';
  return undefined;
}

/**
 * Throws the user-facing reason an upload of `totalBytes` starting with `head` cannot be edited: the same
 * `BlobTooLargeError` and `EmptyImageError` the queue would throw, or `not_an_image`, the code Discord's
 * adapter uses for a non-image attachment.
 */
export function checkUpload(head: Uint8Array, totalBytes: number, maxBytes: number): ImageFormat {
  if (totalBytes === 0) throw new EmptyImageError();
  if (totalBytes > maxBytes) throw new BlobTooLargeError(totalBytes, maxBytes);
  const format = sniffImageFormat(head);
  if (!format)
    throw new UploadError('not_an_image', 'That file is not an image the bot can read.', {
      hint: 'choose a PNG, JPEG, WebP or GIF',
    });
  return format;
}

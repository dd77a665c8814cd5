/**
 * Where a Slack edit's source image comes from. A slash command cannot carry a file, so `/edit` uses
 * the most recent image the user shared in that channel: `files.list` (user + channel + types=images,
 * newest first, within `maxAgeSeconds`). The file is downloaded from `url_private_download` with the
 * bot token, capped at `maxBytes` and accepted only when Slack serves an image type.
 */
import type { webApi } from '@slack/bolt';
import { BlobTooLargeError } from '../../queue/errors.ts';
import { SlackSourceError } from './errors.ts';

/** Image types the pipeline decodes (sharp); Slack's `mimetype` must be one of them. */
export const SLACK_IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/webp', 'image/gif'] as const;

/** The fields of a Slack file object this adapter reads. */
export interface SlackImageFile {
  id: string;
  name?: string;
  mimetype?: string;
  size?: number;
  url_private?: string;
  url_private_download?: string;
}

export interface FindRecentImageOptions {
  userId: string;
  channelId: string;
  /** Older images are not considered. @defaultValue 86400 (a day) */
  maxAgeSeconds?: number;
  /** @defaultValue Date.now */
  now?: () => number;
}

/** The user's newest image in the channel, or a `no_recent_image` error that says what to do. */
export async function findRecentImage(
  client: webApi.WebClient,
  options: FindRecentImageOptions,
): Promise<SlackImageFile> {
  const maxAgeSeconds = options.maxAgeSeconds ?? 86_400;
  const nowSeconds = Math.floor((options.now ?? Date.now)() / 1000);
  const listed = await client.files.list({
    user: options.userId,
    channel: options.channelId,
    types: 'images',
    ts_from: String(nowSeconds - maxAgeSeconds),
    count: 5,
  });
  // files.list is newest first; skip anything Slack lists as an image that the pipeline cannot read.
  const image = (listed.files ?? []).find((file) => isSupportedImage(file.mimetype));
  if (!image?.id) {
    throw new SlackSourceError('no_recent_image', "I couldn't find an image from you in this channel.", {
      hint: 'upload the image here first, then run /edit again',
    });
  }
  return image as SlackImageFile;
}

export function isSupportedImage(mimetype: string | undefined): boolean {
  return (SLACK_IMAGE_TYPES as readonly string[]).includes(mimetype ?? '');
}

/**
 * Downloads a private Slack file with the bot token. Slack answers a request it does not authorize
 * with an HTML sign-in page and status 200, so the response's content type is checked too.
 */
export async function downloadSlackFile(
  file: SlackImageFile,
  options: { botToken: string; maxBytes: number; fetch?: typeof fetch },
): Promise<Uint8Array> {
  if (file.size !== undefined && file.size > options.maxBytes)
    throw new BlobTooLargeError(file.size, options.maxBytes);
  const url = file.url_private_download ?? file.url_private;
  if (!url) throw downloadFailed(`file ${file.id} has no url_private`);
  const response = await (options.fetch ?? fetch)(url, {
    headers: { Authorization: `Bearer ${options.botToken}` },
  });
  if (!response.ok || !response.body) throw downloadFailed(`HTTP ${response.status}`);
  const type = (response.headers.get('content-type') ?? '').split(';')[0]?.trim() ?? '';
  if (!type.startsWith('image/')) {
    await response.body.cancel();
    throw new SlackSourceError('not_an_image', 'That file is not an image I can read.', {
      hint: 'the bot needs the files:read scope; reinstall the app if it was added later',
    });
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of response.body) {
    total += chunk.byteLength;
    // Content-Length can be absent or wrong: the cap is enforced on what actually arrives
    // (leaving the loop cancels the download).
    if (total > options.maxBytes) break;
    chunks.push(chunk);
  }
  if (total > options.maxBytes) throw new BlobTooLargeError(total, options.maxBytes);
  return Buffer.concat(chunks);
}

function downloadFailed(detail: string): SlackSourceError {
  return new SlackSourceError('image_download_failed', "I couldn't download your image from Slack.", {
    hint: 'try again in a moment',
    cause: new Error(detail),
  });
}

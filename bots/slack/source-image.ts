/**
 * Where a Slack edit's source image comes from. A slash command cannot carry a file, so `/edit` uses
 * the most recent image the user shared in that channel: `files.list` (user + channel + types=images,
 * newest first, within `maxAgeSeconds`). The file is downloaded from `url_private_download` with the
 * bot token, from files.slack.com only, within a time limit, capped at `maxBytes` and accepted only
 * when Slack serves an image type.
 */
import type { webApi } from '@slack/bolt';
import { BlobTooLargeError } from '../../queue/errors.ts';
import { FileDownloadError, fetchFromFileHost } from '../file-hosts/fetch-from-file-host.ts';
import { SLACK_FILE_HOSTS, type FileHostPolicy } from '../file-hosts/file-host-policy.ts';
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

export interface DownloadSlackFileOptions {
  botToken: string;
  maxBytes: number;
  /** The whole download, redirects and body included. @defaultValue 20000 */
  timeoutMs?: number;
  /** Where files may come from. @defaultValue SLACK_FILE_HOSTS (files.slack.com, https) */
  fileHosts?: FileHostPolicy;
}

/**
 * Downloads a private Slack file with the bot token, from Slack's file host only: the URL comes from an
 * API answer, but the token must never reach any other host, so each redirect is checked too. Slack
 * answers a request it does not authorize with an HTML sign-in page and status 200, so the response's
 * content type is checked as well.
 */
export async function downloadSlackFile(
  file: SlackImageFile,
  options: DownloadSlackFileOptions,
): Promise<Uint8Array> {
  if (file.size !== undefined && file.size > options.maxBytes)
    throw new BlobTooLargeError(file.size, options.maxBytes);
  const url = file.url_private_download ?? file.url_private;
  if (!url) throw downloadFailed(new Error(`file ${file.id} has no url_private`));
  const timeoutMs = options.timeoutMs ?? 20_000;
  try {
    return await fetchFromFileHost(url, {
      policy: options.fileHosts ?? SLACK_FILE_HOSTS,
      maxBytes: options.maxBytes,
      timeoutMs,
      headers: { Authorization: `Bearer ${options.botToken}` },
      accept: (type) => type.startsWith('image/'),
    });
  } catch (err) {
    if (!(err instanceof FileDownloadError)) throw err;
    switch (err.reason) {
      case 'too_large':
        throw new BlobTooLargeError(err.bytes ?? options.maxBytes + 1, options.maxBytes);
      case 'wrong_type':
        throw new SlackSourceError('not_an_image', 'That file is not an image I can read.', {
          hint: 'the bot needs the files:read scope; reinstall the app if it was added later',
          cause: err,
        });
      case 'timeout':
        throw new SlackSourceError(
          'image_download_timeout',
          `Slack took longer than ${timeoutMs / 1000} s to send your image.`,
          { hint: 'try again in a moment, or share a smaller image', cause: err },
        );
      case 'host_not_allowed':
        throw new SlackSourceError(
          'image_host_refused',
          'That file is not stored on Slack, so I did not fetch it.',
          {
            hint: 'upload the image to Slack itself, then try again',
            cause: err,
          },
        );
      default:
        throw downloadFailed(err);
    }
  }
}

function downloadFailed(cause: unknown): SlackSourceError {
  return new SlackSourceError('image_download_failed', "I couldn't download your image from Slack.", {
    hint: 'try again in a moment',
    cause,
  });
}

/**
 * Uploading result files to a channel with Slack's external upload flow, done by hand instead of
 * `files.uploadV2` for two reasons:
 *
 * - `files.getUploadURLExternal` documents the image description as `alt_txt`; the SDK sends
 *   `alt_text`, which Slack silently ignores, so screen readers got nothing.
 * - `files.completeUploadExternal` answers before the file is in the channel: Slack shares it
 *   asynchronously. A message posted right after it (the result's buttons) can land above the image.
 *   `waitForShare` polls `files.info` until the file's `shares` list the channel (and thread), so the
 *   caller can post after it.
 */
import type { webApi } from '@slack/bolt';
import type { Logger } from '../../config/logger.ts';

export interface FileToUpload {
  name: string;
  data: Uint8Array;
  /** Read by screen readers (1000 characters at most). */
  altText: string;
}

export interface UploadTarget {
  channelId: string;
  threadTs?: string;
  /** The message text the files are shared with. */
  initialComment: string;
}

/** Slack's limit on `alt_txt`. */
const ALT_TEXT_MAX = 1000;

/** Uploads `files` and shares them, in one message, in the channel; returns their file ids. */
export async function uploadFiles(
  client: webApi.WebClient,
  target: UploadTarget,
  files: readonly FileToUpload[],
  fetchImpl: typeof fetch = fetch,
): Promise<string[]> {
  const ids = await Promise.all(
    files.map(async (file) => {
      // apiCall, not files.getUploadURLExternal: the SDK's argument type has no alt_txt.
      const reserved = (await client.apiCall('files.getUploadURLExternal', {
        filename: file.name,
        length: file.data.byteLength,
        alt_txt: file.altText.slice(0, ALT_TEXT_MAX),
      })) as { upload_url?: string; file_id?: string };
      if (!reserved.upload_url || !reserved.file_id)
        throw new Error('files.getUploadURLExternal returned no upload_url');
      const response = await fetchImpl(reserved.upload_url, { method: 'POST', body: file.data });
      await response.body?.cancel();
      if (!response.ok) throw new Error(`upload of ${file.name} failed: HTTP ${response.status}`);
      return { id: reserved.file_id, title: file.name };
    }),
  );
  const [first, ...rest] = ids;
  if (!first) return [];
  await client.files.completeUploadExternal({
    files: [first, ...rest],
    channel_id: target.channelId,
    initial_comment: target.initialComment,
    ...(target.threadTs ? { thread_ts: target.threadTs } : {}),
  });
  return ids.map((f) => f.id);
}

export interface WaitForShareOptions {
  /** Give up after this long; the caller then goes on anyway. @defaultValue 15000 */
  timeoutMs?: number;
  /** First pause between two files.info calls; doubles up to 2 s. @defaultValue 250 */
  firstDelayMs?: number;
  logger?: Logger;
}

interface ShareEntry {
  ts?: string;
  thread_ts?: string;
}

/**
 * Resolves true once `files.info` shows `fileId` shared in the target channel (in its thread, for a
 * threaded target), false when `timeoutMs` passed first.
 */
export async function waitForShare(
  client: webApi.WebClient,
  fileId: string,
  target: Pick<UploadTarget, 'channelId' | 'threadTs'>,
  options: WaitForShareOptions = {},
): Promise<boolean> {
  const deadline = Date.now() + (options.timeoutMs ?? 15_000);
  let delay = options.firstDelayMs ?? 250;
  for (;;) {
    const info = await client.files.info({ file: fileId });
    const shares = (info.file?.shares ?? {}) as Record<string, Record<string, ShareEntry[]> | undefined>;
    const entries = [
      ...(shares.public?.[target.channelId] ?? []),
      ...(shares.private?.[target.channelId] ?? []),
    ];
    if (entries.some((entry) => !target.threadTs || entry.thread_ts === target.threadTs)) return true;
    if (Date.now() + delay > deadline) {
      options.logger?.warn(
        { fileId, channel: target.channelId },
        'upload not shared in time; posting anyway',
      );
      return false;
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, 2000);
  }
}

/**
 * The 'slack' DeliveryAdapter: a job's progress edits its status message (chat.update, throttled,
 * with the Cancel button), its result is uploaded to the channel (upload-files.ts:
 * getUploadURLExternal with alt_txt, the upload, completeUploadExternal with channel_id +
 * initial_comment) and, once Slack has shared it there, followed by the buttons; a failure is posted as the user message. Either way the status line is
 * then deleted. Called once per job by queue/delivery.ts.
 *
 * It also owns the status line's other writers: the queue position (edit-handlers.ts) and a Cancel
 * click (cancel-button.ts) go through `setStatus` / `closeStatus`, so writes to one line land in order
 * and a cancelled line is never edited back to "editing 3/20".
 */
import type { webApi } from '@slack/bolt';
import { z } from 'zod';
import type { Logger } from '../../config/logger.ts';
import { silentLogger } from '../../config/logger.ts';
import type {
  CompletedDelivery,
  DeliveryAdapter,
  FailedDelivery,
  ProgressUpdate,
} from '../../queue/delivery.ts';
import type { EditRequest } from '../../commands/edit-request.ts';
import {
  resultButtons,
  resultComment,
  statusMessage,
  statusText,
  type StatusState,
} from './slack-messages.ts';
import { uploadFiles, waitForShare } from './upload-files.ts';

/** Progress timestamps kept before old ones are pruned. */
const MAX_TRACKED_JOBS = 1000;

/** What a Slack job's `replyTo` holds (written by edit-handlers.ts). */
export const slackReplyToSchema = z.object({
  channelId: z.string().min(1),
  /** The status message to keep updating; absent if it could not be posted. */
  statusTs: z.string().min(1).optional(),
  /** Answer in this thread (a button under a threaded result). */
  threadTs: z.string().min(1).optional(),
  /** The interaction's response_url (valid 30 minutes), kept for operators; replies use the Web API. */
  responseUrl: z.string().optional(),
});
export type SlackReplyTo = z.infer<typeof slackReplyToSchema>;

/** What it takes to rewrite a job's status line. */
export interface StatusLine {
  replyTo: SlackReplyTo;
  userId: string;
  /** With the job's seed, so the line echoes the exact command. */
  request: EditRequest;
}

export interface SlackDeliveryOptions {
  /** Bolt's WebClient, authorized with the bot token. */
  client: webApi.WebClient;
  /** Least time between two progress edits of one status message. @defaultValue 2000 */
  progressIntervalMs?: number;
  /** @defaultValue silentLogger */
  logger?: Logger;
  /** Longest wait for an upload to show in the channel before the buttons are posted. @defaultValue 15000 */
  shareTimeoutMs?: number;
}

export class SlackDeliveryAdapter implements DeliveryAdapter {
  private readonly client: webApi.WebClient;
  private readonly progressIntervalMs: number;
  private readonly logger: Logger;
  private readonly shareTimeoutMs: number;
  /** When each running job's status was last edited (dropped once the job is delivered). */
  private readonly lastProgress = new Map<string, number>();
  /** Jobs whose status line a Cancel click has set for good, oldest first (dropped once delivered). */
  private readonly closedStatus = new Set<string>();
  /** The last pending status write of each job; the next one waits for it. */
  private readonly statusWrites = new Map<string, Promise<void>>();

  constructor(options: SlackDeliveryOptions) {
    this.client = options.client;
    this.progressIntervalMs = options.progressIntervalMs ?? 2000;
    this.logger = options.logger ?? silentLogger;
    this.shareTimeoutMs = options.shareTimeoutMs ?? 15_000;
    if (!(this.progressIntervalMs >= 0)) throw new RangeError('progressIntervalMs must be >= 0');
  }

  async onProgress({ jobId, job, progress }: ProgressUpdate): Promise<void> {
    const replyTo = slackReplyToSchema.parse(job.replyTo);
    if (!replyTo.statusTs) return;
    const now = Date.now();
    const last = this.lastProgress.get(jobId);
    if (last !== undefined && now - last < this.progressIntervalMs) return;
    this.lastProgress.set(jobId, now);
    if (this.lastProgress.size > MAX_TRACKED_JOBS) this.forgetOldProgress(now);
    await this.setStatus(
      jobId,
      { replyTo, userId: job.requester.userId, request: job.request },
      { kind: 'progress', progress },
    );
  }

  /**
   * Edits a job's status line to `state` (with the Cancel button while queued or running), after any
   * earlier write for the job; does nothing once `closeStatus` has set the line.
   */
  setStatus(jobId: string, line: StatusLine, state: StatusState): Promise<void> {
    return this.writeStatus(jobId, async () => {
      if (this.closedStatus.has(jobId)) return;
      await this.updateStatus(jobId, line, state);
    });
  }

  /**
   * Sets a job's status line for good ("Cancelling...", "Cancelled.", no button): later progress and
   * queue-position edits for the job are skipped. A removed job is never delivered, so this is the last
   * word on its line; a signalled one is still delivered as a failure, which deletes the line. Only
   * this process's writes are held back: progress relayed by a delivery in another process is not.
   */
  closeStatus(jobId: string, line: StatusLine, state: StatusState): Promise<void> {
    this.closedStatus.add(jobId);
    this.lastProgress.delete(jobId);
    // Jobs removed from the queue are never delivered, so their entries only leave this way.
    if (this.closedStatus.size > MAX_TRACKED_JOBS) {
      const oldest = this.closedStatus.values().next().value;
      if (oldest !== undefined) this.closedStatus.delete(oldest);
    }
    return this.writeStatus(jobId, () => this.updateStatus(jobId, line, state));
  }

  async onCompleted({ jobId, job, result, files }: CompletedDelivery): Promise<void> {
    this.forget(jobId);
    const replyTo = slackReplyToSchema.parse(job.replyTo);
    const thread = replyTo.threadTs ? { thread_ts: replyTo.threadTs } : {};
    const target = {
      channelId: replyTo.channelId,
      ...(replyTo.threadTs ? { threadTs: replyTo.threadTs } : {}),
      initialComment: resultComment(job.requester.userId, job.request, result),
    };
    const [fileId] = await uploadFiles(
      this.client,
      target,
      files.map((file) => ({ name: file.name, data: file.data, altText: job.request.instruction })),
    );
    // Slack shares the upload after completeUploadExternal answers: wait, so the buttons come below it.
    if (fileId)
      await waitForShare(this.client, fileId, target, {
        timeoutMs: this.shareTimeoutMs,
        logger: this.logger,
      });
    await this.client.chat.postMessage({
      channel: replyTo.channelId,
      ...thread,
      ...resultButtons(jobId, job.request),
    });
    await this.deleteStatus(replyTo, jobId);
  }

  async onFailed({ jobId, job, userMessage, hint }: FailedDelivery): Promise<void> {
    this.forget(jobId);
    const replyTo = slackReplyToSchema.parse(job.replyTo);
    await this.client.chat.postMessage({
      channel: replyTo.channelId,
      ...(replyTo.threadTs ? { thread_ts: replyTo.threadTs } : {}),
      text: statusText(job.requester.userId, job.request, { kind: 'failed', userMessage, hint }),
    });
    await this.deleteStatus(replyTo, jobId);
  }

  /**
   * A finished edit's status line is deleted rather than edited to "done": the bot's own
   * "#1 in queue" edit (edit-handlers.ts) can land after a fast (cached) result, and an edit of a
   * deleted message fails harmlessly where an edit of a live one would leave it stale.
   */
  private async deleteStatus(replyTo: SlackReplyTo, jobId: string): Promise<void> {
    if (!replyTo.statusTs) return;
    await this.client.chat
      .delete({ channel: replyTo.channelId, ts: replyTo.statusTs })
      .catch((err: unknown) => this.logger.warn({ err, jobId }, 'could not delete the status line'));
  }

  private forgetOldProgress(now: number): void {
    // Jobs delivered by another replica never reach onCompleted here; drop their entries eventually.
    for (const [jobId, at] of this.lastProgress)
      if (now - at > Math.max(10 * this.progressIntervalMs, 60_000)) this.lastProgress.delete(jobId);
  }

  private forget(jobId: string): void {
    this.lastProgress.delete(jobId);
    this.closedStatus.delete(jobId);
  }

  /** Runs `write` after the job's earlier status writes; its error reaches only this caller. */
  private writeStatus(jobId: string, write: () => Promise<void>): Promise<void> {
    const written = (this.statusWrites.get(jobId) ?? Promise.resolve()).then(write);
    const settled = written.catch(() => undefined);
    this.statusWrites.set(jobId, settled);
    void settled.then(() => {
      if (this.statusWrites.get(jobId) === settled) this.statusWrites.delete(jobId);
    });
    return written;
  }

  private async updateStatus(jobId: string, line: StatusLine, state: StatusState): Promise<void> {
    if (!line.replyTo.statusTs) return;
    await this.client.chat.update({
      channel: line.replyTo.channelId,
      ts: line.replyTo.statusTs,
      ...statusMessage(jobId, line.userId, line.request, state),
    });
  }
}

/**
 * The 'slack' DeliveryAdapter: a job's progress edits its status message (chat.update, throttled),
 * its result is uploaded to the channel (files.uploadV2: getUploadURLExternal, the upload, then
 * completeUploadExternal with channel_id + initial_comment) followed by the buttons, and a failure is
 * posted as the user message. Either way the status line is then deleted. Called once per job by
 * queue/delivery.ts.
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
import { resultButtons, resultComment, statusText, type StatusState } from './slack-messages.ts';

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

export interface SlackDeliveryOptions {
  /** Bolt's WebClient, authorized with the bot token. */
  client: webApi.WebClient;
  /** Least time between two progress edits of one status message. @defaultValue 2000 */
  progressIntervalMs?: number;
  /** @defaultValue silentLogger */
  logger?: Logger;
}

export class SlackDeliveryAdapter implements DeliveryAdapter {
  private readonly client: webApi.WebClient;
  private readonly progressIntervalMs: number;
  private readonly logger: Logger;
  /** When each running job's status was last edited (dropped once the job is delivered). */
  private readonly lastProgress = new Map<string, number>();

  constructor(options: SlackDeliveryOptions) {
    this.client = options.client;
    this.progressIntervalMs = options.progressIntervalMs ?? 2000;
    this.logger = options.logger ?? silentLogger;
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
    await this.updateStatus(replyTo, job.requester.userId, job.request, { kind: 'progress', progress });
  }

  async onCompleted({ jobId, job, result, files }: CompletedDelivery): Promise<void> {
    this.lastProgress.delete(jobId);
    const replyTo = slackReplyToSchema.parse(job.replyTo);
    const thread = replyTo.threadTs ? { thread_ts: replyTo.threadTs } : {};
    await this.client.files.uploadV2({
      channel_id: replyTo.channelId,
      initial_comment: resultComment(job.requester.userId, job.request, result),
      ...thread,
      file_uploads: files.map((file) => ({
        file: Buffer.from(file.data),
        filename: file.name,
        alt_text: job.request.instruction.slice(0, 1000),
      })),
    });
    await this.client.chat.postMessage({
      channel: replyTo.channelId,
      ...thread,
      ...resultButtons(jobId, job.request),
    });
    await this.deleteStatus(replyTo, jobId);
  }

  async onFailed({ jobId, job, userMessage, hint }: FailedDelivery): Promise<void> {
    this.lastProgress.delete(jobId);
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

  private async updateStatus(
    replyTo: SlackReplyTo,
    userId: string,
    request: CompletedDelivery['job']['request'],
    state: StatusState,
  ): Promise<void> {
    if (!replyTo.statusTs) return;
    await this.client.chat.update({
      channel: replyTo.channelId,
      ts: replyTo.statusTs,
      text: statusText(userId, request, state),
    });
  }
}

/**
 * The Discord `DeliveryAdapter`: progress, the result and failures become edits of the interaction's
 * original response ("Bot is thinking..." -> "#2 in queue" -> "editing 3/20" -> the image + buttons).
 *
 * - Edits of one job go out in order, and none after the final one: a late "#2 in queue" (a result-cache
 *   hit can finish before the enqueue's status edit is sent) must not overwrite the result.
 * - Cancel: "Cancelled." (a removed queued job) is final like a result; after "Cancelling..." (a running
 *   job told to stop) status and progress edits stop, and only the 'cancelled' failure follows.
 * - Progress edits are throttled per job (`progressIntervalMs`); a failed progress edit is only logged.
 * - Interaction tokens last 15 minutes. When the final edit fails with 401/404 (a long queue, a bot down
 *   for a while), the result is posted in the channel as the bot instead, pinging the requester; that
 *   needs DISCORD_TOKEN. Without it the outcome is logged and dropped: no retry could deliver it.
 * - A token refused once (401/404) is never used again (dead-tokens.ts): later progress edits are
 *   skipped and the final message goes straight to the channel, since each refused request counts
 *   toward Discord's invalid-request limit.
 */
import type { REST } from '@discordjs/rest';
import { z } from 'zod';
import type { Logger } from '../../config/logger.ts';
import { silentLogger } from '../../config/logger.ts';
import type {
  CompletedDelivery,
  DeliveryAdapter,
  FailedDelivery,
  ProgressUpdate,
} from '../../queue/delivery.ts';
import {
  closeDiscordRest,
  createChannelMessage,
  editOriginalResponse,
  isExpiredTokenError,
} from './discord-rest.ts';
import { DeadTokens } from './dead-tokens.ts';
import {
  asChannelMessage,
  buildFailureMessage,
  buildProgressMessage,
  buildResultMessage,
  type DiscordMessage,
} from './payloads.ts';

/** What a Discord job carries in `replyTo` to be answered later. */
export const discordReplyToSchema = z.object({
  applicationId: z.string().min(1),
  /** The interaction token (valid 15 minutes from the interaction). */
  token: z.string().min(1),
  channelId: z.string().min(1),
  userId: z.string().min(1),
});
export type DiscordReplyTo = z.infer<typeof discordReplyToSchema>;

export interface DiscordDeliveryOptions {
  rest: REST;
  /** Whether `rest` has a bot token, so the channel-message fallback can work. */
  canPostInChannel: boolean;
  /** Least time between two progress edits of one job. @defaultValue 2000 */
  progressIntervalMs?: number;
  /** @defaultValue silentLogger */
  logger?: Logger;
}

/** A job's message state in this process; forgotten after the token's lifetime. */
interface MessageState {
  chain: Promise<void>;
  final: boolean;
  /** "Cancelling..." is shown: only the final message may replace it. */
  cancelling: boolean;
  lastProgressAt: number;
  touchedAt: number;
}

const TOKEN_LIFETIME_MS = 15 * 60_000;

/** The token was refused before: not worth a request that would count as invalid. */
class DeadTokenError extends Error {}

export class DiscordDelivery implements DeliveryAdapter {
  readonly rest: REST;
  private readonly canPostInChannel: boolean;
  private readonly progressIntervalMs: number;
  private readonly logger: Logger;
  private readonly states = new Map<string, MessageState>();
  private readonly deadTokens = new DeadTokens();
  private prunedAt = Date.now();

  constructor(options: DiscordDeliveryOptions) {
    this.rest = options.rest;
    this.canPostInChannel = options.canPostInChannel;
    this.progressIntervalMs = options.progressIntervalMs ?? 2000;
    if (!(this.progressIntervalMs >= 0)) throw new RangeError('progressIntervalMs must be >= 0');
    this.logger = options.logger ?? silentLogger;
  }

  async onProgress({ jobId, job, progress }: ProgressUpdate): Promise<void> {
    const state = this.stateOf(jobId);
    const now = Date.now();
    if (state.final || state.cancelling || now - state.lastProgressAt < this.progressIntervalMs) return;
    state.lastProgressAt = now;
    const replyTo = discordReplyToSchema.safeParse(job.replyTo);
    if (!replyTo.success) return;
    await this.showStatus(jobId, replyTo.data, buildProgressMessage(jobId, job.request, progress));
  }

  async onCompleted({ jobId, job, result, files }: CompletedDelivery): Promise<void> {
    await this.showFinal(jobId, job.replyTo, buildResultMessage(jobId, job.request, result, files));
  }

  async onFailed(failure: FailedDelivery): Promise<void> {
    await this.showFinal(
      failure.jobId,
      failure.job.replyTo,
      buildFailureMessage(failure, failure.job.request),
    );
  }

  /** Edits the original response with a status line, unless the job's final message went out already. */
  showStatus(jobId: string, replyTo: DiscordReplyTo, message: DiscordMessage): Promise<void> {
    return this.enqueue(jobId, false, () => this.editStatus(jobId, replyTo, message));
  }

  /**
   * The job was removed from the queue, so no result or failure will come: `message` ("Cancelled.") is
   * its final message, and no status or progress edit can follow it. `replyTo` may be the Cancel press's
   * own interaction (a fresh token that edits the pressed message).
   */
  showCancelled(jobId: string, replyTo: DiscordReplyTo, message: DiscordMessage): Promise<void> {
    // A final message already queued (it can't be, for a removed job) is never overwritten.
    if (this.stateOf(jobId).final) return Promise.resolve();
    return this.enqueue(jobId, true, () => this.editStatus(jobId, replyTo, message));
  }

  /** The running job was told to stop: shows `message` ("Cancelling...") and holds back later status lines. */
  showCancelling(jobId: string, replyTo: DiscordReplyTo, message: DiscordMessage): Promise<void> {
    const sent = this.enqueue(jobId, false, () => this.editStatus(jobId, replyTo, message));
    this.stateOf(jobId).cancelling = true;
    return sent;
  }

  /** Waits for the edits under way and stops the REST client's sweep timers (REST calls still work). */
  async close(): Promise<void> {
    await Promise.allSettled([...this.states.values()].map((s) => s.chain));
    closeDiscordRest(this.rest);
  }

  private showFinal(jobId: string, rawReplyTo: unknown, message: DiscordMessage): Promise<void> {
    return this.enqueue(jobId, true, async () => {
      const parsed = discordReplyToSchema.safeParse(rawReplyTo);
      if (!parsed.success) {
        this.logger.error({ jobId, issues: parsed.error.issues }, 'discord job without a usable replyTo');
        return;
      }
      const replyTo = parsed.data;
      try {
        if (this.deadTokens.has(replyTo.token)) throw new DeadTokenError();
        await editOriginalResponse(this.rest, replyTo.applicationId, replyTo.token, message);
        return;
      } catch (err) {
        if (!(err instanceof DeadTokenError || isExpiredTokenError(err))) throw err;
        this.deadTokens.add(replyTo.token);
        if (!this.canPostInChannel) {
          this.logger.error(
            { jobId },
            'interaction token expired and no DISCORD_TOKEN to post in the channel',
          );
          return;
        }
        this.logger.info({ jobId }, 'interaction token expired; posting in the channel');
      }
      await createChannelMessage(this.rest, replyTo.channelId, asChannelMessage(message, replyTo.userId));
    });
  }

  private async editStatus(jobId: string, replyTo: DiscordReplyTo, message: DiscordMessage): Promise<void> {
    if (this.deadTokens.has(replyTo.token)) return;
    try {
      await editOriginalResponse(this.rest, replyTo.applicationId, replyTo.token, message);
    } catch (err) {
      if (isExpiredTokenError(err)) this.deadTokens.add(replyTo.token);
      this.logger.debug({ err, jobId }, 'status edit failed');
    }
  }

  /**
   * Runs `send` after the job's earlier edits. Status edits are dropped once the final one is queued or
   * "Cancelling..." is.
   */
  private enqueue(jobId: string, final: boolean, send: () => Promise<void>): Promise<void> {
    const state = this.stateOf(jobId);
    if ((state.final || state.cancelling) && !final) return Promise.resolve();
    if (final) state.final = true;
    const run = state.chain.then(send);
    state.chain = run.catch(() => undefined);
    return run;
  }

  private stateOf(jobId: string): MessageState {
    const now = Date.now();
    if (now - this.prunedAt > 60_000) {
      this.prunedAt = now;
      for (const [id, s] of this.states) if (now - s.touchedAt > TOKEN_LIFETIME_MS) this.states.delete(id);
    }
    let state = this.states.get(jobId);
    if (!state) {
      state = {
        chain: Promise.resolve(),
        final: false,
        cancelling: false,
        lastProgressAt: 0,
        touchedAt: now,
      };
      this.states.set(jobId, state);
    }
    state.touchedAt = now;
    return state;
  }
}

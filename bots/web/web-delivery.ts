/**
 * The web `DeliveryAdapter`: the queue's progress, results and failures of 'web' jobs become events on the
 * event stream of the browser session that asked (the job's channel is its session key, see web-sessions.ts).
 * It also watches the queue position of the session's waiting edits, which the queue does not push, so a page
 * shows "#3 in queue" -> "next in queue" -> "running" live.
 *
 * A session's pages are connected to one process, so serve the playground from one bot process per Redis
 * (other replicas leave KK_WEB off): delivery hands a 'web' job to a process that serves 'web' at all.
 */
import type { Logger } from '../../config/logger.ts';
import { silentLogger } from '../../config/logger.ts';
import type {
  CompletedDelivery,
  DeliveryAdapter,
  FailedDelivery,
  ProgressUpdate,
} from '../../queue/delivery.ts';
import type { QueuePosition } from '../../queue/queue-position.ts';
import { EventStreams, type EventStreamOptions } from './event-stream.ts';
import { failureView, positionView, progressView, resultView } from './web-views.ts';

export interface WebDeliveryOptions extends EventStreamOptions {
  /** How often waiting edits' queue positions are read. @defaultValue 1000 */
  positionPollMs?: number;
  /** @defaultValue silentLogger */
  logger?: Logger;
}

interface Watched {
  sessionKey: string;
  last: string;
}

export class WebDelivery implements DeliveryAdapter {
  readonly streams: EventStreams;
  private readonly logger: Logger;
  private readonly watched = new Map<string, Watched>();
  private readonly positionPollMs: number;
  private readPosition: ((jobId: string) => Promise<QueuePosition>) | undefined;
  private poller: NodeJS.Timeout | undefined;
  private polling = false;

  constructor(options: WebDeliveryOptions = {}) {
    this.streams = new EventStreams(options);
    this.logger = options.logger ?? silentLogger;
    this.positionPollMs = options.positionPollMs ?? 1000;
    if (!(this.positionPollMs > 0)) throw new RangeError('positionPollMs must be greater than 0');
  }

  onProgress({ jobId, job, progress }: ProgressUpdate): void {
    this.unwatch(jobId);
    this.streams.publish(job.requester.channelId, 'progress', progressView(jobId, progress));
  }

  async onCompleted({ jobId, job, result }: CompletedDelivery): Promise<void> {
    this.unwatch(jobId);
    this.streams.publish(job.requester.channelId, 'result', resultView(jobId, job, result));
  }

  async onFailed(failure: FailedDelivery): Promise<void> {
    this.unwatch(failure.jobId);
    this.streams.publish(failure.job.requester.channelId, 'failed', failureView(failure));
  }

  /**
   * Reports the queue position of `jobId` to `sessionKey`'s pages whenever it changes, until the job runs or
   * ends. `read` is the queue's `getQueuePosition`.
   */
  watchPosition(
    jobId: string,
    sessionKey: string,
    position: QueuePosition,
    read: (jobId: string) => Promise<QueuePosition>,
  ): void {
    if (position.state !== 'queued') return;
    this.readPosition = read;
    this.watched.set(jobId, { sessionKey, last: JSON.stringify(position) });
    this.poller ??= setInterval(() => void this.pollPositions(), this.positionPollMs);
  }

  /** Stops watching `jobId` (it runs, ended or was cancelled). */
  unwatch(jobId: string): void {
    this.watched.delete(jobId);
    if (this.watched.size === 0 && this.poller) {
      clearInterval(this.poller);
      this.poller = undefined;
    }
  }

  /** Ends the event streams and the position watch. Idempotent. */
  close(): void {
    clearInterval(this.poller);
    this.poller = undefined;
    this.watched.clear();
    this.streams.close();
  }

  private async pollPositions(): Promise<void> {
    const read = this.readPosition;
    if (this.polling || !read) return;
    this.polling = true;
    try {
      for (const [jobId, watched] of [...this.watched]) {
        const position = await read(jobId);
        const text = JSON.stringify(position);
        if (!this.watched.has(jobId) || text === watched.last) continue;
        watched.last = text;
        this.streams.publish(watched.sessionKey, 'position', positionView(jobId, position));
        if (position.state !== 'queued') this.unwatch(jobId);
      }
    } catch (err) {
      this.logger.debug({ err }, 'queue position poll failed');
    } finally {
      this.polling = false;
    }
  }
}

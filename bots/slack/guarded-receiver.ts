/**
 * Bolt's HTTPReceiver with a guard in front of it. Bolt buffers a request's body (up to 4 MiB by
 * default, with no time limit and no bound on how many at once) before it checks the signature, so
 * unsigned requests could fill memory. The guard, run before Bolt sees a request:
 *
 * - refuses a signed timestamp more than `maxClockSkewSeconds` in the future (Bolt checks only the
 *   past), as the Discord endpoint does;
 * - reads the body through `BodyGuard` (size, time and concurrency bounds) and hands it to Bolt as
 *   `rawBody`, which Bolt uses instead of reading the stream again.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HTTPReceiver } from '@slack/bolt';
import type { Logger as BoltLogger } from '@slack/bolt';
import type { Logger } from '../../config/logger.ts';
import { BodyGuard, type BodyGuardOptions } from '../http-guard/body-guard.ts';

export interface GuardedReceiverOptions extends BodyGuardOptions {
  signingSecret: string;
  endpoint: string;
  boltLogger: BoltLogger;
  logger: Logger;
  /** @defaultValue 300 (Slack's own 5 minutes) */
  maxClockSkewSeconds?: number;
}

export function createGuardedReceiver(options: GuardedReceiverOptions): HTTPReceiver {
  const guard = new BodyGuard(options);
  const maxClockSkewSeconds = options.maxClockSkewSeconds ?? 300;
  const receiver = new HTTPReceiver({
    signingSecret: options.signingSecret,
    endpoints: options.endpoint,
    logger: options.boltLogger,
    // Belt and braces: Bolt's own cap matches the guard's.
    bodyLimit: guard.maxBodyBytes,
  });
  const bolt = receiver.requestListener;
  receiver.requestListener = (req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const timestamp = Number(req.headers['x-slack-request-timestamp']);
      if (Number.isFinite(timestamp) && timestamp - Date.now() / 1000 > maxClockSkewSeconds) {
        options.logger.warn({ timestamp }, 'slack request with a future timestamp refused');
        res.writeHead(401, { connection: 'close' }).end();
        req.resume();
        return;
      }
      const body = await guard.read(req, res);
      if (body === undefined) return;
      // Bolt reads `rawBody` when it is already a Buffer (it is how Bolt runs on Cloud Functions).
      (req as IncomingMessage & { rawBody?: Buffer }).rawBody = body;
      await bolt(req, res);
    })().catch((err: unknown) => {
      options.logger.error({ err }, 'slack request failed');
      if (!res.headersSent) res.writeHead(500).end();
    });
  };
  return receiver;
}

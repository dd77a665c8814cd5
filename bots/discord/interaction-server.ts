/**
 * The Interactions Endpoint: Node's `http` server answering `POST /discord/interactions`. It reads the
 * raw body (capped in size, time and concurrency: body-guard.ts), checks Discord's Ed25519 signature (401 otherwise, as Discord's own endpoint probe
 * expects), answers with the handler's immediate response, and only then runs the handler's follow-up.
 * Stateless apart from follow-ups in flight, so any number of replicas can sit behind a load balancer.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KeyObject } from 'node:crypto';
import type { APIInteraction } from 'discord-api-types/v10';
import { BodyGuard, type BodyGuardOptions } from '../http-guard/body-guard.ts';
import { parseInteraction } from './interaction-shape.ts';
import type { Logger } from '../../config/logger.ts';
import type { HandledInteraction } from './interaction-handler.ts';
import { verifyDiscordSignature } from './verify-signature.ts';

export const INTERACTIONS_PATH = '/discord/interactions';

export interface InteractionServerOptions extends BodyGuardOptions {
  /** 0 picks a free port. */
  port: number;
  /** @defaultValue undefined (every interface) */
  host?: string;
  publicKey: KeyObject;
  handle: (interaction: APIInteraction) => HandledInteraction;
  logger: Logger;
  /**
   * Signed timestamps further than this from the local clock are refused, so a captured request can't be
   * replayed later (after its job id has been forgotten). @defaultValue 300
   */
  maxClockSkewSeconds?: number;
}

export interface InteractionServer {
  readonly port: number;
  /** Stops accepting, then waits for follow-ups under way. Idempotent. */
  close(): Promise<void>;
}

export async function startInteractionServer(options: InteractionServerOptions): Promise<InteractionServer> {
  const { publicKey, handle, logger } = options;
  // Interactions are a few KiB: the guard's bounds (256 KiB, 64 at once, 10 s) are far above them.
  const bodies = new BodyGuard(options);
  const maxClockSkewSeconds = options.maxClockSkewSeconds ?? 300;
  const followUps = new Set<Promise<void>>();

  const server = createServer((req, res) => {
    serve(req, res).catch((err: unknown) => {
      logger.error({ err }, 'interaction request failed');
      if (!res.headersSent) reply(res, 500, { error: 'internal error' });
    });
  });

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '').split('?')[0];
    if (path !== INTERACTIONS_PATH) return reply(res, 404, { error: 'not found' });
    if (req.method !== 'POST') return reply(res, 405, { error: 'POST only' });
    const signature = header(req, 'x-signature-ed25519');
    const timestamp = header(req, 'x-signature-timestamp');
    const body = await bodies.read(req, res);
    if (body === undefined) return;
    if (!verifyDiscordSignature(publicKey, signature, timestamp, body)) {
      logger.warn('interaction with an invalid signature refused');
      return reply(res, 401, { error: 'invalid request signature' });
    }
    if (!(Math.abs(Date.now() / 1000 - Number(timestamp)) <= maxClockSkewSeconds)) {
      logger.warn({ timestamp }, 'interaction with a stale timestamp refused');
      return reply(res, 401, { error: 'stale request timestamp' });
    }
    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch {
      return reply(res, 400, { error: 'body is not JSON' });
    }
    // Signed, but not shaped like an interaction (null, {"type":2} without data): a 400, not a crash.
    const interaction = parseInteraction(json);
    if (!interaction) {
      logger.warn('signed interaction of an unknown shape refused');
      return reply(res, 400, { error: 'not an interaction' });
    }
    const handled = handle(interaction);
    reply(res, 200, handled.response);
    if (handled.followUp) {
      const work = handled
        .followUp()
        .catch((err: unknown) => logger.error({ err }, 'interaction follow-up failed'));
      followUps.add(work);
      void work.finally(() => followUps.delete(work));
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  logger.info({ port, path: INTERACTIONS_PATH }, 'discord interactions endpoint listening');

  let closing: Promise<void> | undefined;
  return {
    port,
    close() {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        await closed;
        await Promise.allSettled([...followUps]);
      })();
      return closing;
    },
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
  res.end(json);
}

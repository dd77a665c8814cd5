/**
 * The playground's HTTP server (node:http, no framework): the page's static files, the JSON API (web-api.ts)
 * and the event stream. HTTP concerns only: routing, the session cookie, bounded bodies (bots/http-guard),
 * status codes, and the few checks a page on someone's machine needs:
 *
 * - bound to KK_WEB_HOST (loopback by default); while bound to loopback, a request whose Host is not a
 *   loopback name is refused, so a web page elsewhere cannot reach it through DNS rebinding;
 * - a state-changing request from another site (Origin or Sec-Fetch-Site say so) is refused;
 * - a Content-Security-Policy that allows only this origin's script, styles and images.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../config/logger.ts';
import { UserFacingError } from '../../commands/index.ts';
import { BlobTooLargeError } from '../../queue/errors.ts';
import { BodyGuard } from '../http-guard/body-guard.ts';
import { FORMAT_SNIFF_BYTES } from './upload-check.ts';
import {
  cancelEdit,
  checkUploadHead,
  createEdit,
  createVariant,
  readEdit,
  readResultFile,
  type WebApiContext,
} from './web-api.ts';
import { errorBody, variantSchema } from './web-request.ts';
import { sessionOf, type WebSession } from './web-sessions.ts';
import type { StaticFiles } from './static-files.ts';

export interface WebServerOptions {
  api: WebApiContext;
  /** What GET /api/info answers: the model's capabilities and the page's limits. */
  info: unknown;
  files: StaticFiles;
  /** 0 picks a free port. */
  port: number;
  host: string;
  /** Time allowed for an upload's body. @defaultValue 60000 */
  uploadTimeoutMs?: number;
  logger: Logger;
}

export interface WebServer {
  readonly port: number;
  /** The page's address, e.g. http://127.0.0.1:8080/ */
  readonly url: string;
  /** Stops accepting and ends open connections (event streams included). Idempotent. */
  close(): Promise<void>;
}

const JSON_BODY_BYTES = 16 * 1024;
const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; connect-src 'self'; " +
  "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** A request the API cannot read (bad JSON, a bad id): 400 with the message, shown next to the form. */
class BadRequestError extends UserFacingError {}

export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const { api, logger } = options;
  const uploads = new BodyGuard({
    maxBodyBytes: api.blobMaxBytes,
    maxConcurrentBodies: 8,
    bodyTimeoutMs: options.uploadTimeoutMs ?? 60_000,
  });
  const small = new BodyGuard({ maxBodyBytes: JSON_BODY_BYTES });
  const loopbackOnly = LOOPBACK_HOSTS.has(options.host) || options.host.startsWith('127.');

  const server = createServer((req, res) => {
    serve(req, res).catch((err: unknown) => {
      if (err instanceof UserFacingError) return replyError(res, err);
      logger.error({ err, url: req.url }, 'web request failed');
      if (!res.headersSent)
        reply(res, 500, { error: { code: 'internal', userMessage: 'Something went wrong.', field: 'form' } });
      else res.end();
    });
  });

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://playground');
    const method = req.method ?? 'GET';
    if (loopbackOnly && !LOOPBACK_HOSTS.has(hostnameOf(req.headers.host))) {
      return reply(res, 421, {
        error: { code: 'wrong_host', userMessage: 'Open the playground at its own address.', field: 'form' },
      });
    }
    if (method !== 'GET' && method !== 'HEAD' && isCrossSite(req)) {
      return reply(res, 403, {
        error: { code: 'cross_site', userMessage: 'Requests from other sites are refused.', field: 'form' },
      });
    }
    const path = url.pathname;
    // The page itself starts the session, so the event stream and the first edit share one cookie.
    const session = sessionOf(req, res, false);
    const file = options.files.get(path);
    if (file && method === 'GET') return sendStatic(res, file.type, file.body);

    const route = `${method} ${path}`;
    if (route === 'GET /api/info') return reply(res, 200, options.info);
    if (route === 'GET /api/events') {
      const last = Number(req.headers['last-event-id']);
      return api.delivery.streams.subscribe(session.key, res, Number.isSafeInteger(last) ? last : undefined);
    }
    if (method === 'GET' && path.startsWith('/api/examples/')) {
      const example = api.examples.get(safeDecode(path.slice('/api/examples/'.length)));
      if (!example) return reply(res, 404, notFound());
      return sendBytes(res, example.type, example.bytes, 'public, max-age=3600');
    }
    if (route === 'POST /api/uploads/check') return checkHead(req, res, url);
    if (route === 'POST /api/edits') return newEdit(req, res, url, session);

    const jobRoute = /^\/api\/edits\/([A-Za-z0-9._-]{1,120})(\/variants|\/cancel|\/files\/(\d{1,2}))?$/.exec(
      path,
    );
    if (!jobRoute) return reply(res, 404, notFound());
    const jobId = jobRoute[1] as string;
    const [, , tail, fileIndex] = jobRoute;
    if (method === 'GET' && tail === undefined) return reply(res, 200, await readEdit(api, session, jobId));
    if (method === 'GET' && fileIndex !== undefined) {
      const found = await readResultFile(api, session, jobId, Number(fileIndex));
      const download = url.searchParams.has('download');
      res.setHeader(
        'content-disposition',
        `${download ? 'attachment' : 'inline'}; filename="kk-${jobId}-${found.name}"`,
      );
      return sendBytes(res, found.mime, found.data, 'private, max-age=86400, immutable');
    }
    if (method === 'POST' && tail === '/cancel') {
      if ((await small.read(req, res)) === undefined) return;
      return reply(res, 200, { outcome: await cancelEdit(api, session, jobId) });
    }
    if (method === 'POST' && tail === '/variants') {
      const body = await small.read(req, res);
      if (body === undefined) return;
      const variant = variantSchema.safeParse(parseJson(body));
      if (!variant.success)
        throw new BadRequestError('bad_request', 'That re-edit could not be read.', {
          hint: 'reload the page',
        });
      return reply(res, 202, { job: await createVariant(api, session, jobId, variant.data) });
    }
    return reply(res, 405, { error: { code: 'method', userMessage: 'Method not allowed.', field: 'form' } });
  }

  async function newEdit(req: IncomingMessage, res: ServerResponse, url: URL, session: WebSession) {
    const example = url.searchParams.get('example') ?? undefined;
    let image: Uint8Array | undefined;
    if (example === undefined) {
      // Refused from its declared length before a byte is read, with the queue's own message.
      const declared = Number(req.headers['content-length'] ?? NaN);
      if (declared > api.blobMaxBytes) {
        replyError(res, new BlobTooLargeError(declared, api.blobMaxBytes));
        req.resume();
        return;
      }
      const body = await uploads.read(req, res);
      if (body === undefined) return;
      image = new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
    } else if ((await small.read(req, res)) === undefined) return;
    const job = await createEdit(api, session, {
      text: url.searchParams.get('text') ?? '',
      strength: url.searchParams.get('strength') ?? undefined,
      image,
      example,
    });
    reply(res, 202, { job });
  }

  async function checkHead(req: IncomingMessage, res: ServerResponse, url: URL) {
    const body = await small.read(req, res);
    if (body === undefined) return;
    const bytes = Number(url.searchParams.get('bytes'));
    if (!Number.isSafeInteger(bytes) || bytes < 0)
      throw new BadRequestError('bad_request', 'The file size is missing.', {
        hint: 'choose the file again',
      });
    checkUploadHead(api, new Uint8Array(body.subarray(0, FORMAT_SNIFF_BYTES)), bytes);
    res.writeHead(204).end();
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = options.host.includes(':') ? `[${options.host}]` : options.host;
  const url = `http://${shownHost === '0.0.0.0' ? '127.0.0.1' : shownHost}:${port}/`;
  logger.info({ url }, 'web playground listening');

  let closing: Promise<void> | undefined;
  return {
    port,
    url,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Event streams never end by themselves: close every connection, idle or not.
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

/** Status codes by error code; a refusal the user can fix is a 4xx, the queue being down a 503. */
export function statusOf(code: string): number {
  switch (code) {
    case 'blob_too_large':
      return 413;
    case 'user_inflight_cap':
    case 'team_inflight_cap':
      return 429;
    case 'queue_unavailable':
      return 503;
    case 'cancel_forbidden':
    case 'foreign_job':
      return 403;
    case 'job_not_found':
    case 'parent_expired':
      return 404;
    default:
      return 400;
  }
}

function replyError(res: ServerResponse, err: UserFacingError): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.setHeader('connection', 'close');
  reply(res, statusOf(err.code), errorBody(err));
}

function notFound() {
  return { error: { code: 'not_found', userMessage: 'Not found.', field: 'form' } };
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** A malformed escape (`%E0%A4%A`) names no example, rather than failing the request. */
function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return '';
  }
}

function hostnameOf(host: string | undefined): string {
  if (!host) return '';
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1);
  return host.split(':')[0] ?? '';
}

function isCrossSite(req: IncomingMessage): boolean {
  if (req.headers['sec-fetch-site'] === 'cross-site') return true;
  const origin = req.headers.origin;
  if (origin === undefined || origin === 'null') return origin === 'null';
  try {
    return new URL(origin).host !== req.headers.host;
  } catch {
    return true;
  }
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(json),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  res.end(json);
}

function sendBytes(res: ServerResponse, type: string, data: Uint8Array, cacheControl: string): void {
  res.writeHead(200, {
    'content-type': type,
    'content-length': data.byteLength,
    'cache-control': cacheControl,
    'x-content-type-options': 'nosniff',
  });
  res.end(data);
}

function sendStatic(res: ServerResponse, type: string, body: Buffer): void {
  res.writeHead(200, {
    'content-type': type,
    'content-length': body.byteLength,
    'cache-control': 'no-cache',
    'content-security-policy': CSP,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  });
  res.end(body);
}

/**
 * A loopback HTTP server playing Discord for the adapter's tests:
 *
 * - the CDN: attachment URLs (`addAttachment`) served as plain bytes;
 * - the REST routes the adapter calls, under `/api/v10`: interaction callback, "edit original
 *   response" (JSON or multipart, parsed into JSON + files), follow-up messages, channel messages (bot
 *   token checked) and command registration; every call is recorded in `calls`;
 * - the gateway's other half: `sendInteraction` signs an interaction with an Ed25519 key pair made here
 *   and POSTs it to the bot, like Discord does to an Interactions Endpoint URL.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';

export interface RecordedFile {
  field: string;
  name: string;
  contentType: string;
  data: Buffer;
}

export interface RecordedCall {
  method: string;
  /** Decoded path below /api/v10, e.g. "/webhooks/app/token/messages/@original". */
  route: string;
  authorization: string | undefined;
  /** The JSON body (or a multipart request's payload_json). */
  json: Record<string, unknown> | undefined;
  files: RecordedFile[];
  status: number;
}

export interface StandInOptions {
  /** Bot token the channel routes accept. @defaultValue 'stand-in-bot-token' */
  botToken?: string;
}

export interface StandInDiscord {
  readonly apiUrl: string;
  readonly publicKeyHex: string;
  readonly botToken: string;
  readonly calls: RecordedCall[];
  /** Interaction tokens whose webhook routes answer 404 Unknown Webhook (a token Discord never knew). */
  readonly expiredTokens: Set<string>;
  /**
   * Interaction tokens whose webhook routes answer 401 Invalid Webhook Token (code 50027): what Discord
   * answers once an interaction token has expired (15 minutes) or been invalidated.
   */
  readonly deadTokens: Set<string>;
  /**
   * Requests answered 401, 403 or 429: the ones Discord counts toward its invalid-request limit
   * (10,000 per 10 minutes per IP before a temporary ban).
   */
  invalidRequestCount(): number;
  /** Serves `data` at a CDN URL; returns an APIAttachment-shaped object. */
  addAttachment(name: string, data: Uint8Array, contentType: string | undefined): StandInAttachment;
  /** Signs and POSTs `interaction` to `botUrl`; `tamper` corrupts the signature, `ageSeconds` backdates it. */
  sendInteraction(
    botUrl: string,
    interaction: unknown,
    options?: { tamper?: boolean; ageSeconds?: number },
  ): Promise<{ status: number; body: unknown }>;
  close(): Promise<void>;
}

export interface StandInAttachment {
  id: string;
  filename: string;
  size: number;
  url: string;
  proxy_url: string;
  content_type?: string;
}

export async function startStandInDiscord(options: StandInOptions = {}): Promise<StandInDiscord> {
  const botToken = options.botToken ?? 'stand-in-bot-token';
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const publicKeyHex = rawPublicKey(publicKey).toString('hex');
  const cdn = new Map<string, { data: Uint8Array; contentType: string | undefined }>();
  const calls: RecordedCall[] = [];
  const expiredTokens = new Set<string>();
  const deadTokens = new Set<string>();
  const INVALID_TOKEN = { message: 'Invalid Webhook Token', code: 50027 };
  let messageId = 1000;

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => send(res, 500, { message: String(err) }));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const body = await readAll(req);
    if (req.method === 'GET' && url.pathname.startsWith('/cdn/')) {
      const file = cdn.get(url.pathname);
      if (!file) return send(res, 404, { message: 'Not Found' });
      res.writeHead(200, { 'content-type': file.contentType ?? 'application/octet-stream' });
      res.end(Buffer.from(file.data));
      return;
    }
    if (!url.pathname.startsWith('/api/v10/')) return send(res, 404, { message: '404: Not Found', code: 0 });
    const route = url.pathname
      .slice('/api/v10'.length)
      .split('/')
      .map((part) => decodeURIComponent(part))
      .join('/');
    const { json, files } = await parseBody(req.headers['content-type'], body);
    const call: RecordedCall = {
      method: req.method ?? '',
      route,
      authorization: req.headers.authorization,
      json,
      files,
      status: 200,
    };
    calls.push(call);
    const parts = route.split('/').filter(Boolean);
    const respond = (status: number, payload: unknown) => {
      call.status = status;
      send(res, status, payload);
    };

    // POST /interactions/{id}/{token}/callback
    if (req.method === 'POST' && parts[0] === 'interactions' && parts[3] === 'callback')
      return respond(204, undefined);
    // PATCH /webhooks/{app}/{token}/messages/@original
    if (req.method === 'PATCH' && parts[0] === 'webhooks' && parts[3] === 'messages') {
      if (deadTokens.has(parts[2] ?? '')) return respond(401, INVALID_TOKEN);
      if (expiredTokens.has(parts[2] ?? '')) return respond(404, { message: 'Unknown Webhook', code: 10015 });
      return respond(200, message(json, files));
    }
    // POST /webhooks/{app}/{token}: a follow-up message (ephemeral when flags has 64)
    if (req.method === 'POST' && parts[0] === 'webhooks' && parts.length === 3) {
      if (deadTokens.has(parts[2] ?? '')) return respond(401, INVALID_TOKEN);
      if (expiredTokens.has(parts[2] ?? '')) return respond(404, { message: 'Unknown Webhook', code: 10015 });
      return respond(200, { ...message(json, files), flags: json?.flags ?? 0 });
    }
    // POST /channels/{id}/messages
    if (req.method === 'POST' && parts[0] === 'channels' && parts[2] === 'messages') {
      if (req.headers.authorization !== `Bot ${botToken}`)
        return respond(401, { message: '401: Unauthorized', code: 0 });
      return respond(200, { ...message(json, files), channel_id: parts[1] });
    }
    // PUT /applications/{id}/commands
    if (req.method === 'PUT' && parts[0] === 'applications' && parts[2] === 'commands') {
      if (req.headers.authorization !== `Bot ${botToken}`)
        return respond(401, { message: '401: Unauthorized', code: 0 });
      const commands = (JSON.parse(body.toString('utf8')) as Record<string, unknown>[]).map((command) => ({
        id: String(++messageId),
        application_id: parts[1],
        ...command,
      }));
      return respond(200, commands);
    }
    return respond(404, { message: '404: Not Found', code: 0 });
  }

  function message(json: Record<string, unknown> | undefined, files: RecordedFile[]) {
    return {
      id: String(++messageId),
      content: json?.content ?? '',
      attachments: files.map((f, i) => ({ id: String(i), filename: f.name, size: f.data.byteLength })),
      components: json?.components ?? [],
    };
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    apiUrl: `${base}/api`,
    publicKeyHex,
    botToken,
    calls,
    expiredTokens,
    deadTokens,
    invalidRequestCount: () => calls.filter((c) => [401, 403, 429].includes(c.status)).length,
    addAttachment(name, data, contentType) {
      const id = String(++messageId);
      const path = `/cdn/attachments/${id}/${encodeURIComponent(name)}`;
      cdn.set(path, { data, contentType });
      return {
        id,
        filename: name,
        size: data.byteLength,
        url: `${base}${path}`,
        proxy_url: `${base}${path}`,
        ...(contentType === undefined ? {} : { content_type: contentType }),
      };
    },
    async sendInteraction(botUrl, interaction, sendOptions = {}) {
      const body = JSON.stringify(interaction);
      const timestamp = String(Math.floor(Date.now() / 1000) - (sendOptions.ageSeconds ?? 0));
      const signature = sign(null, Buffer.from(timestamp + body), privateKey);
      if (sendOptions.tamper) signature[0] = (signature[0] ?? 0) ^ 0xff;
      const response = await fetch(botUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-signature-ed25519': signature.toString('hex'),
          'x-signature-timestamp': timestamp,
        },
        body,
      });
      const text = await response.text();
      return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
    },
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/** A fresh snowflake-like id (Discord ids are numeric strings). */
export function snowflake(): string {
  return `${Date.now()}${Math.floor(Math.random() * 1e6)}`.slice(0, 19);
}

export function interactionToken(): string {
  return `tok-${randomUUID()}`;
}

function rawPublicKey(key: KeyObject): Buffer {
  const jwk = key.export({ format: 'jwk' });
  return Buffer.from(jwk.x as string, 'base64url');
}

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** JSON, or multipart/form-data with `payload_json` and `files[n]` parts (what Discord accepts). */
async function parseBody(
  contentType: string | undefined,
  body: Buffer,
): Promise<{ json: Record<string, unknown> | undefined; files: RecordedFile[] }> {
  if (body.byteLength === 0) return { json: undefined, files: [] };
  if (contentType?.startsWith('application/json'))
    return { json: JSON.parse(body.toString('utf8')) as Record<string, unknown>, files: [] };
  if (contentType?.startsWith('multipart/form-data')) {
    const form = await new Response(body, { headers: { 'content-type': contentType } }).formData();
    let json: Record<string, unknown> | undefined;
    const files: RecordedFile[] = [];
    for (const [field, value] of form.entries()) {
      if (field === 'payload_json' && typeof value === 'string')
        json = JSON.parse(value) as Record<string, unknown>;
      else if (typeof value !== 'string')
        files.push({
          field,
          name: value.name,
          contentType: value.type,
          data: Buffer.from(await value.arrayBuffer()),
        });
    }
    return { json, files };
  }
  throw new Error(`stand-in: unexpected content-type ${contentType}`);
}

function send(res: ServerResponse, status: number, payload: unknown): void {
  if (payload === undefined) {
    res.writeHead(status);
    res.end();
    return;
  }
  const json = JSON.stringify(payload);
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(json);
}

/**
 * A loopback HTTP server playing Discord for the adapter's tests:
 *
 * - the CDN: attachment URLs (`addAttachment`) served as plain bytes;
 * - the REST routes the adapter calls, under `/api/v10`: interaction callback, "edit original
 *   response" (JSON or multipart, parsed into JSON + files), follow-up messages, channel messages (bot
 *   token checked) and command registration; every call is recorded in `calls`;
 * - the gateway's other half: `sendInteraction` signs an interaction with an Ed25519 key pair made here
 *   and POSTs it to the bot, like Discord does to an Interactions Endpoint URL;
 * - strict checks, as Discord makes them: the bot's answer to an interaction (a response type that the
 *   interaction allows, modal and message limits) throws in `sendInteraction`, since Discord would
 *   show "This interaction failed"; a command registration outside Discord's rules (names, descriptions
 *   per command type, `contexts`, `integration_types`) gets 400 Invalid Form Body (50035).
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
      const sent = JSON.parse(body.toString('utf8')) as Record<string, unknown>[];
      const problems = sent.flatMap((command, i) => commandProblems(command).map((p) => `${i}: ${p}`));
      if (problems.length > 0)
        return respond(400, { message: 'Invalid Form Body', code: 50035, errors: problems });
      const commands = sent.map((command) => ({
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
      const answer = text ? (JSON.parse(text) as unknown) : undefined;
      if (response.status === 200) {
        const problems = responseProblems(interaction as { type?: number }, answer);
        if (problems.length > 0)
          throw new Error(`Discord would refuse this interaction response: ${problems.join('; ')}`);
      }
      return { status: response.status, body: answer };
    },
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

const CHAT_INPUT_NAME = /^[-_\p{Ll}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;

/** What Discord's command registration would reject in one command (empty when it is valid). */
export function commandProblems(command: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const type = command.type ?? 1;
  const name = String(command.name ?? '');
  if (type === 1) {
    if (!CHAT_INPUT_NAME.test(name)) problems.push(`name "${name}" is not a valid chat input command name`);
    const description = String(command.description ?? '');
    if (description.length < 1 || description.length > 100)
      problems.push('description must be 1-100 characters');
  } else if (type === 2 || type === 3) {
    if (name.length < 1 || name.length > 32) problems.push('name must be 1-32 characters');
    if (command.description !== undefined && command.description !== '')
      problems.push('user and message commands take no description');
    if (command.options !== undefined) problems.push('user and message commands take no options');
  } else problems.push(`unknown command type ${String(type)}`);
  const contexts = command.contexts as unknown[] | undefined;
  if (
    contexts !== undefined &&
    !(Array.isArray(contexts) && contexts.every((c) => c === 0 || c === 1 || c === 2))
  )
    problems.push('contexts must be a list of 0 (guild), 1 (bot DM), 2 (private channel)');
  const integrations = command.integration_types as unknown[] | undefined;
  if (
    integrations !== undefined &&
    !(Array.isArray(integrations) && integrations.every((t) => t === 0 || t === 1))
  )
    problems.push('integration_types must be a list of 0 (guild install), 1 (user install)');
  return problems;
}

/** Response types Discord accepts for each interaction type (PING 1, command 2, component 3, modal submit 5). */
const ALLOWED_RESPONSES: Record<number, number[]> = {
  1: [1],
  2: [4, 5, 9],
  3: [4, 5, 6, 7, 9],
  5: [4, 5, 6, 7],
};

/** What Discord would reject in the bot's answer to an interaction of `interaction.type`. */
export function responseProblems(interaction: { type?: number }, answer: unknown): string[] {
  const response = answer as { type?: number; data?: Record<string, unknown> } | undefined;
  const allowed = ALLOWED_RESPONSES[interaction.type ?? 0] ?? [];
  if (!response || !allowed.includes(response.type ?? -1))
    return [
      `response type ${String(response?.type)} is not allowed for interaction type ${interaction.type}`,
    ];
  const data = response.data ?? {};
  const problems: string[] = [];
  if (response.type === 4 || response.type === 7) {
    if (String(data.content ?? '').length > 2000) problems.push('content over 2000 characters');
  }
  if (response.type === 9) {
    const customId = String(data.custom_id ?? '');
    if (customId.length < 1 || customId.length > 100)
      problems.push('modal custom_id must be 1-100 characters');
    const title = String(data.title ?? '');
    if (title.length < 1 || title.length > 45) problems.push('modal title must be 1-45 characters');
    const components = (data.components ?? []) as Record<string, unknown>[];
    if (components.length < 1 || components.length > 5) problems.push('a modal has 1-5 top-level components');
    for (const component of components) problems.push(...modalComponentProblems(component));
  }
  return problems;
}

function modalComponentProblems(component: Record<string, unknown>): string[] {
  if (component.type === 18) {
    const label = String(component.label ?? '');
    const problems = label.length < 1 || label.length > 45 ? ['label must be 1-45 characters'] : [];
    if (String(component.description ?? '').length > 100)
      problems.push('label description over 100 characters');
    const inner = component.component as Record<string, unknown> | undefined;
    if (inner?.label !== undefined) problems.push('a text input inside a Label takes no label of its own');
    return [...problems, ...textInputProblems(inner)];
  }
  if (component.type === 1) {
    const inputs = (component.components ?? []) as Record<string, unknown>[];
    if (inputs.length !== 1) return ['a modal action row holds exactly one text input'];
    const label = String(inputs[0]?.label ?? '');
    const problems =
      label.length < 1 || label.length > 45 ? ['text input label must be 1-45 characters'] : [];
    return [...problems, ...textInputProblems(inputs[0])];
  }
  if (component.type === 10) return [];
  return [`component type ${String(component.type)} is not allowed at a modal's top level`];
}

function textInputProblems(input: Record<string, unknown> | undefined): string[] {
  if (!input || input.type !== 4) return ['expected a text input (type 4)'];
  const problems: string[] = [];
  const customId = String(input.custom_id ?? '');
  if (customId.length < 1 || customId.length > 100)
    problems.push('text input custom_id must be 1-100 characters');
  if (input.style !== 1 && input.style !== 2)
    problems.push('text input style must be 1 (short) or 2 (paragraph)');
  const min = (input.min_length as number | undefined) ?? 0;
  const max = (input.max_length as number | undefined) ?? 4000;
  if (!(min >= 0 && min <= 4000 && max >= 1 && max <= 4000 && min <= max))
    problems.push('text input lengths must satisfy 0 <= min_length <= max_length <= 4000');
  if (String(input.placeholder ?? '').length > 100) problems.push('placeholder over 100 characters');
  return problems;
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

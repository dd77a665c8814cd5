/**
 * A loopback stand-in for Slack that speaks the real protocol, so the adapter runs on real Bolt:
 *
 * - the Web API methods the bot calls (auth.test, files.list, chat.postMessage/update/delete/postEphemeral,
 *   files.getUploadURLExternal, the upload URL itself, files.completeUploadExternal), checking the bot
 *   token and recording each call with its form body;
 * - private files at `url_private_download`, served only with the bot token (otherwise, like Slack, a
 *   sign-in HTML page with status 200);
 * - response_url endpoints, recording what the bot POSTs there;
 * - slash commands and block_actions sent to the bot signed like Slack (`X-Slack-Signature: v0=`
 *   HMAC-SHA256 of `v0:{timestamp}:{body}`, `X-Slack-Request-Timestamp`, form-encoded bodies);
 * - Socket Mode: `apps.connections.open` with the app-level token returns a WebSocket URL; the socket
 *   greets with `hello`, pings every few seconds, and carries envelopes (`envelope_id`, `type`,
 *   `payload`, `accepts_response_payload`) that the bot acknowledges with `{ envelope_id, payload }`.
 *
 * Stricter than Slack in one way: Slack silently ignores an argument it does not document (so
 * `alt_text` where `files.getUploadURLExternal` documents `alt_txt` just does nothing); the stand-in
 * answers `invalid_arguments` instead, so a misspelled argument fails a test rather than passing
 * unnoticed. Like Slack, it shares an uploaded file into the channel asynchronously, after
 * `files.completeUploadExternal` has answered (`shareDelayMs`), and `files.info` shows the share only
 * once it happened. Channels the bot is not in answer as Slack does: `conversations.info` gives
 * `is_member: false` for a public one and `channel_not_found` for a private one (as does `files.list`).
 */
import { createHmac, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export interface ApiCall {
  method: string;
  /** Form fields (JSON-valued fields such as `blocks` stay strings, as Slack receives them). */
  body: Record<string, string>;
  authorized: boolean;
  at: number;
}

export interface StandInFile {
  id: string;
  user: string;
  channel: string;
  name: string;
  mimetype: string;
  data: Uint8Array;
  /** Seconds since the epoch. */
  created: number;
}

export interface PostedMessage {
  channel: string;
  ts: string;
  text: string;
  blocks?: unknown[];
  thread_ts?: string;
  deleted?: boolean;
  /** Files shared with the message (the bot's uploads). */
  fileIds?: string[];
}

export interface Upload {
  fileId: string;
  filename: string;
  length: number;
  /** The uploaded bytes (the multipart form's file part). */
  data?: Uint8Array;
}

export interface SlashCommandInput {
  text: string;
  userId?: string;
  channelId?: string;
  teamId?: string;
  /** @defaultValue a fresh id */
  triggerId?: string;
}

/** The arguments each Web API method documents (docs.slack.dev/reference/methods); anything else is refused. */
const DOCUMENTED_ARGUMENTS: Record<string, readonly string[]> = {
  'auth.test': [],
  'conversations.info': ['channel', 'include_locale', 'include_num_members'],
  'files.list': [
    'channel',
    'count',
    'page',
    'show_files_hidden_by_limit',
    'team_id',
    'ts_from',
    'ts_to',
    'types',
    'user',
  ],
  'files.info': ['file', 'count', 'cursor', 'limit', 'page'],
  'files.getUploadURLExternal': ['filename', 'length', 'alt_txt', 'snippet_type'],
  'files.completeUploadExternal': [
    'files',
    'channel_id',
    'channels',
    'initial_comment',
    'thread_ts',
    'blocks',
  ],
  'chat.postMessage': [
    'channel',
    'text',
    'blocks',
    'attachments',
    'thread_ts',
    'reply_broadcast',
    'mrkdwn',
    'parse',
    'link_names',
    'unfurl_links',
    'unfurl_media',
    'metadata',
    'username',
    'icon_emoji',
    'icon_url',
    'as_user',
  ],
  'chat.update': [
    'channel',
    'ts',
    'text',
    'blocks',
    'attachments',
    'parse',
    'link_names',
    'metadata',
    'reply_broadcast',
    'file_ids',
    'as_user',
  ],
  'chat.delete': ['channel', 'ts', 'as_user'],
  'chat.postEphemeral': [
    'channel',
    'user',
    'text',
    'blocks',
    'attachments',
    'thread_ts',
    'parse',
    'link_names',
    'username',
    'icon_emoji',
    'icon_url',
    'as_user',
  ],
  'views.open': ['trigger_id', 'interactivity_pointer', 'view'],
};

const GENERAL_ARGUMENTS = ['token', 'team_id'];

/** A file the bot uploaded, and where Slack has shared it so far (files.info `shares`). */
interface UploadedFile {
  id: string;
  title: string;
  shares: Record<string, { ts: string; thread_ts?: string }[]>;
}

export interface SendOptions {
  /** Sign with this secret instead of the right one. */
  secret?: string;
  /** Adds `X-Slack-Retry-Num` (and a retry reason), as Slack does on a redelivery. */
  retryNum?: number;
}

export interface ClickOptions {
  userId?: string;
  triggerId?: string;
  /**
   * Sends this as the button's value instead of the one the bot gave it: a forged or replayed click
   * (Slack itself sends the value back unchanged, but a click signed elsewhere may carry anything).
   */
  forgedValue?: string;
}

export class StandInSlack {
  readonly calls: ApiCall[] = [];
  readonly files: StandInFile[] = [];
  readonly messages: PostedMessage[] = [];
  readonly uploads = new Map<string, Upload>();
  /** Bodies the bot POSTed to each response_url, by the url's id. */
  readonly responses: { id: string; body: Record<string, unknown> }[] = [];
  /** Modals the bot opened (views.open), with the id Slack gave each. */
  readonly views: { id: string; triggerId: string; view: Record<string, unknown> }[] = [];
  /** Channels the bot is not a member of: chat.postMessage answers not_in_channel. */
  readonly notInChannel = new Set<string>();
  /** Private channels: one the bot is not in is invisible to it (channel_not_found). */
  readonly privateChannels = new Set<string>();
  /** Files the bot uploaded, by id, with their shares once Slack has made them. */
  readonly uploadedFiles = new Map<string, UploadedFile>();
  /** How long after files.completeUploadExternal the file message appears in the channel. */
  shareDelayMs = 50;
  /** Socket Mode connections the bot opened, in order. */
  readonly sockets: WebSocket[] = [];
  private server: Server | undefined;
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly acks = new Map<string, (payload: Record<string, unknown>) => void>();
  private tsCounter = 0;
  private url = '';

  constructor(
    readonly options: { botToken: string; signingSecret: string; teamId?: string; appToken?: string },
  ) {}

  get baseUrl(): string {
    return this.url;
  }
  /** What SLACK_API_URL should be. */
  get apiUrl(): string {
    return `${this.url}/api/`;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      this.route(req, res).catch((err: unknown) => {
        res.writeHead(500).end(String(err));
      });
    });
    this.server.on('upgrade', (req, socket, head) => {
      if (new URL(req.url ?? '/', this.url).pathname !== '/link') return void socket.destroy();
      this.wss.handleUpgrade(req, socket, head, (ws) => this.acceptSocket(ws));
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** A file the user shared in the channel (files.list finds it; its bytes need the bot token). */
  addFile(file: Omit<StandInFile, 'id' | 'created'> & { created?: number }): StandInFile {
    const stored = {
      id: `F${randomUUID().slice(0, 8).toUpperCase()}`,
      created: Math.floor(Date.now() / 1000),
      ...file,
    };
    this.files.push(stored);
    return stored;
  }

  callsOf(method: string): ApiCall[] {
    return this.calls.filter((call) => call.method === method);
  }

  /** Sends `/edit <text>` to the bot like Slack does; returns the bot's HTTP answer and the ids used. */
  async sendSlashCommand(botUrl: string, input: SlashCommandInput, options: SendOptions = {}) {
    const { fields, triggerId, responseId } = this.slashCommand(input);
    const response = await this.sendSigned(botUrl, new URLSearchParams(fields).toString(), options);
    return { ...response, triggerId, responseId };
  }

  /** The fields Slack sends for `/edit <text>` (form-encoded over HTTP, a JSON object over Socket Mode). */
  private slashCommand(input: SlashCommandInput) {
    const triggerId = input.triggerId ?? `${Date.now()}.${randomUUID().slice(0, 12)}`;
    const responseId = randomUUID();
    const fields: Record<string, string> = {
      token: 'legacy-verification-token',
      team_id: input.teamId ?? this.options.teamId ?? 'T0001',
      team_domain: 'stand-in',
      channel_id: input.channelId ?? 'C0001',
      channel_name: 'general',
      user_id: input.userId ?? 'U0001',
      user_name: 'someone',
      command: '/edit',
      text: input.text,
      api_app_id: 'A0001',
      is_enterprise_install: 'false',
      response_url: `${this.url}/respond/${responseId}`,
      trigger_id: triggerId,
    };
    return { fields, triggerId, responseId };
  }

  /** Clicks a button of a message the bot posted, as `block_actions` (`payload=<json>`). */
  async clickButton(
    botUrl: string,
    message: PostedMessage,
    actionId: string,
    options: SendOptions & ClickOptions = {},
  ) {
    const { payload, triggerId, responseId } = this.blockActions(message, actionId, options);
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    const response = await this.sendSigned(botUrl, body, options);
    return { ...response, triggerId, responseId };
  }

  /** The `block_actions` payload of a click on `actionId` in `message`. */
  private blockActions(message: PostedMessage, actionId: string, options: ClickOptions) {
    const found = findButton(message, actionId);
    const button = options.forgedValue === undefined ? found : { ...found, value: options.forgedValue };
    const triggerId = options.triggerId ?? `${Date.now()}.${randomUUID().slice(0, 12)}`;
    const responseId = randomUUID();
    const userId = options.userId ?? 'U0001';
    const payload = {
      type: 'block_actions',
      user: { id: userId, username: 'someone', name: 'someone', team_id: this.options.teamId ?? 'T0001' },
      api_app_id: 'A0001',
      token: 'legacy-verification-token',
      container: {
        type: 'message',
        message_ts: message.ts,
        channel_id: message.channel,
        is_ephemeral: false,
      },
      trigger_id: triggerId,
      team: { id: this.options.teamId ?? 'T0001', domain: 'stand-in' },
      enterprise: null,
      is_enterprise_install: false,
      channel: { id: message.channel, name: 'general' },
      message: { type: 'message', user: 'UBOT', ts: message.ts, text: message.text, blocks: message.blocks },
      state: { values: {} },
      response_url: `${this.url}/respond/${responseId}`,
      actions: [{ ...button, action_ts: `${Date.now() / 1000}` }],
    };
    return { payload, triggerId, responseId };
  }

  /** Uses the message shortcut `callbackId` on a message with `files` (as Slack attaches them). */
  async sendMessageShortcut(
    botUrl: string,
    input: {
      callbackId: string;
      userId?: string;
      channelId?: string;
      files: StandInFile[];
      threadTs?: string;
    },
    options: SendOptions = {},
  ) {
    const triggerId = `${Date.now()}.${randomUUID().slice(0, 12)}`;
    const responseId = randomUUID();
    const messageTs = this.nextTs();
    const payload = {
      type: 'message_action',
      callback_id: input.callbackId,
      trigger_id: triggerId,
      message_ts: messageTs,
      response_url: `${this.url}/respond/${responseId}`,
      message: {
        type: 'message',
        user: input.userId ?? 'U0001',
        ts: messageTs,
        text: '',
        files: input.files.map((f) => this.fileObject(f)),
        ...(input.threadTs ? { thread_ts: input.threadTs } : {}),
      },
      user: { id: input.userId ?? 'U0001', name: 'someone' },
      channel: { id: input.channelId ?? 'C0001', name: 'general' },
      team: { id: this.options.teamId ?? 'T0001', domain: 'stand-in' },
      token: 'legacy-verification-token',
      action_ts: `${Date.now() / 1000}`,
    };
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    return { ...(await this.sendSigned(botUrl, body, options)), triggerId, responseId };
  }

  /** Submits a modal the bot opened, with `values[blockId][actionId] = { type, value }` as Slack sends them. */
  async submitView(
    botUrl: string,
    opened: { id: string; view: Record<string, unknown> },
    values: Record<string, Record<string, { type: string; value: string | null }>>,
    options: SendOptions & { userId?: string } = {},
  ) {
    const payload = {
      type: 'view_submission',
      team: { id: this.options.teamId ?? 'T0001', domain: 'stand-in' },
      user: { id: options.userId ?? 'U0001', name: 'someone', team_id: this.options.teamId ?? 'T0001' },
      api_app_id: 'A0001',
      token: 'legacy-verification-token',
      trigger_id: `${Date.now()}.${randomUUID().slice(0, 12)}`,
      view: {
        ...opened.view,
        id: opened.id,
        team_id: this.options.teamId ?? 'T0001',
        state: { values },
        hash: 'h',
      },
      response_urls: [],
    };
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    return this.sendSigned(botUrl, body, options);
  }

  /** Sends `/edit <text>` over the newest Socket Mode connection; resolves with the bot's ack payload. */
  async sendSlashCommandOverSocket(input: SlashCommandInput) {
    const { fields, triggerId, responseId } = this.slashCommand(input);
    const ack = await this.sendEnvelope('slash_commands', fields);
    return { ack, triggerId, responseId };
  }

  /** Clicks a button over the newest Socket Mode connection (an `interactive` envelope). */
  async clickButtonOverSocket(message: PostedMessage, actionId: string, options: ClickOptions = {}) {
    const { payload, triggerId, responseId } = this.blockActions(message, actionId, options);
    const ack = await this.sendEnvelope('interactive', payload);
    return { ack, triggerId, responseId };
  }

  /** Sends an envelope over the newest Socket Mode connection and waits for the bot's ack. */
  sendEnvelope(type: string, payload: Record<string, unknown>, timeoutMs = 5000) {
    const ws = this.sockets.at(-1);
    if (!ws) throw new Error('the bot has not opened a Socket Mode connection');
    const envelopeId = randomUUID();
    return new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.acks.delete(envelopeId);
        reject(new Error(`no ack for ${type} envelope ${envelopeId} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.acks.set(envelopeId, (ackPayload) => {
        clearTimeout(timer);
        resolve(ackPayload);
      });
      ws.send(
        JSON.stringify({
          envelope_id: envelopeId,
          type,
          payload,
          accepts_response_payload: type !== 'events_api',
        }),
      );
    });
  }

  private acceptSocket(ws: WebSocket): void {
    this.sockets.push(ws);
    // Slack pings its clients; the client treats a long silence as a dead connection and reconnects.
    const ping = setInterval(() => ws.ping(), 5000).unref();
    ws.on('close', () => clearInterval(ping));
    ws.on('message', (data) => {
      const message = JSON.parse(String(data)) as { envelope_id?: string; payload?: Record<string, unknown> };
      if (!message.envelope_id) return;
      this.acks.get(message.envelope_id)?.(message.payload ?? {});
      this.acks.delete(message.envelope_id);
    });
    ws.send(
      JSON.stringify({
        type: 'hello',
        num_connections: this.sockets.length,
        debug_info: { host: 'stand-in', approximate_connection_time: 18060 },
        connection_info: { app_id: 'A0001' },
      }),
    );
  }

  /** POSTs a form body to the bot with Slack's signature headers. */
  async sendSigned(botUrl: string, body: string, options: SendOptions = {}) {
    const timestamp = String(Math.floor(Date.now() / 1000));
    const signature = signSlackRequest(options.secret ?? this.options.signingSecret, timestamp, body);
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': timestamp,
      'x-slack-signature': signature,
    };
    if (options.retryNum !== undefined) {
      headers['x-slack-retry-num'] = String(options.retryNum);
      headers['x-slack-retry-reason'] = 'http_timeout';
    }
    const response = await fetch(botUrl, { method: 'POST', headers, body });
    return { status: response.status, text: await response.text() };
  }

  private nextTs(): string {
    this.tsCounter += 1;
    return `${Math.floor(Date.now() / 1000)}.${String(this.tsCounter).padStart(6, '0')}`;
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const raw = await readBody(req);
    const authorized = req.headers.authorization === `Bearer ${this.options.botToken}`;
    if (url.pathname.startsWith('/api/')) {
      const body = parseForm(raw, req.headers['content-type']);
      const method = url.pathname.slice('/api/'.length);
      if (method === 'apps.connections.open') {
        // Only the app-level token (xapp-...) may open a Socket Mode connection.
        const appAuthorized =
          this.options.appToken !== undefined &&
          req.headers.authorization === `Bearer ${this.options.appToken}`;
        this.calls.push({ method, body, authorized: appAuthorized, at: Date.now() });
        const answer = appAuthorized
          ? { ok: true, url: `${this.url.replace(/^http/, 'ws')}/link?ticket=${randomUUID()}` }
          : { ok: false, error: 'invalid_auth' };
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
        return;
      }
      this.calls.push({ method, body, authorized, at: Date.now() });
      const undocumented = Object.keys(body).filter(
        // token and team_id go with any method (Bolt adds team_id to its listeners' calls).
        (name) => !GENERAL_ARGUMENTS.includes(name) && !(DOCUMENTED_ARGUMENTS[method] ?? []).includes(name),
      );
      const answer = !authorized
        ? { ok: false, error: 'not_authed' }
        : undocumented.length > 0 && method in DOCUMENTED_ARGUMENTS
          ? {
              ok: false,
              error: 'invalid_arguments',
              response_metadata: {
                messages: undocumented.map((name) => `[ERROR] unknown argument: ${name}`),
              },
            }
          : this.api(method, body);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
      return;
    }
    if (url.pathname.startsWith('/private/')) {
      const file = this.files.find((f) => f.id === url.pathname.split('/')[2]);
      if (!file) return void res.writeHead(404).end();
      if (!authorized) {
        // What Slack does for a request without a valid token: a sign-in page, with status 200.
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<html>Sign in</html>');
        return;
      }
      res
        .writeHead(200, { 'content-type': file.mimetype, 'content-length': file.data.byteLength })
        .end(file.data);
      return;
    }
    if (url.pathname.startsWith('/upload/')) {
      const upload = this.uploads.get(url.pathname.split('/')[2] ?? '');
      if (!upload) return void res.writeHead(404).end();
      upload.data = await uploadedBytes(raw, req.headers['content-type']);
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`OK - ${upload.data.byteLength}`);
      return;
    }
    if (url.pathname.startsWith('/respond/')) {
      this.responses.push({ id: url.pathname.split('/')[2] ?? '', body: JSON.parse(raw.toString('utf8')) });
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      return;
    }
    res.writeHead(404).end();
  }

  private api(method: string, body: Record<string, string>): Record<string, unknown> {
    switch (method) {
      case 'auth.test':
        return {
          ok: true,
          url: `${this.url}/`,
          team: 'stand-in',
          user: 'kontext',
          team_id: this.options.teamId ?? 'T0001',
          user_id: 'UBOT',
          bot_id: 'BBOT',
        };
      case 'conversations.info': {
        const channel = body.channel ?? '';
        const member = !this.notInChannel.has(channel);
        if (this.privateChannels.has(channel) && !member) return { ok: false, error: 'channel_not_found' };
        const im = channel.startsWith('D');
        return {
          ok: true,
          channel: {
            id: channel,
            name: im ? undefined : 'general',
            is_channel: !im && !this.privateChannels.has(channel),
            is_group: this.privateChannels.has(channel),
            is_im: im,
            is_private: im || this.privateChannels.has(channel),
            // Slack leaves is_member out for DMs; the bot can only see its own.
            ...(im ? { user: 'U0001' } : { is_member: member }),
          },
        };
      }
      case 'files.list': {
        if (this.notInChannel.has(body.channel ?? '')) {
          // A private channel the bot is not in does not exist for it; a public one shows it nothing.
          if (this.privateChannels.has(body.channel ?? '')) return { ok: false, error: 'channel_not_found' };
          return { ok: true, files: [], paging: { count: 0, total: 0, page: 1, pages: 0 } };
        }
        const from = Number(body.ts_from ?? 0);
        const matches = this.files
          .filter(
            (f) => (!body.user || f.user === body.user) && (!body.channel || f.channel === body.channel),
          )
          .filter((f) => body.types !== 'images' || f.mimetype.startsWith('image/'))
          .filter((f) => f.created >= from)
          .sort((a, b) => b.created - a.created)
          .slice(0, Number(body.count ?? 100));
        return {
          ok: true,
          files: matches.map((f) => this.fileObject(f)),
          paging: { count: matches.length, total: matches.length, page: 1, pages: 1 },
        };
      }
      case 'chat.postMessage': {
        if (this.notInChannel.has(body.channel ?? '')) return { ok: false, error: 'not_in_channel' };
        const message: PostedMessage = {
          channel: body.channel ?? '',
          ts: this.nextTs(),
          text: body.text ?? '',
        };
        if (body.blocks) message.blocks = JSON.parse(body.blocks) as unknown[];
        if (body.thread_ts) message.thread_ts = body.thread_ts;
        this.messages.push(message);
        return { ok: true, channel: message.channel, ts: message.ts, message: { text: message.text } };
      }
      case 'chat.update': {
        const message = this.messages.find((m) => m.channel === body.channel && m.ts === body.ts);
        if (!message) return { ok: false, error: 'message_not_found' };
        message.text = body.text ?? message.text;
        // Like Slack: blocks sent replace the old ones; blocks left out keep them.
        if (body.blocks !== undefined) message.blocks = JSON.parse(body.blocks) as unknown[];
        return { ok: true, channel: message.channel, ts: message.ts };
      }
      case 'chat.delete': {
        const message = this.messages.find((m) => m.channel === body.channel && m.ts === body.ts);
        if (!message) return { ok: false, error: 'message_not_found' };
        message.deleted = true;
        return { ok: true, channel: message.channel, ts: message.ts };
      }
      case 'chat.postEphemeral':
        return { ok: true, message_ts: this.nextTs() };
      case 'files.info': {
        const uploaded = this.uploadedFiles.get(body.file ?? '');
        if (uploaded) {
          // Slack splits shares by channel type; the stand-in's private channels are the only private ones.
          const shares: Record<string, Record<string, unknown>> = {};
          for (const [channel, entries] of Object.entries(uploaded.shares)) {
            const kind = this.privateChannels.has(channel) || channel.startsWith('D') ? 'private' : 'public';
            (shares[kind] ??= {})[channel] = entries;
          }
          return { ok: true, file: { id: uploaded.id, title: uploaded.title, shares } };
        }
        const file = this.files.find((f) => f.id === body.file);
        return file ? { ok: true, file: this.fileObject(file) } : { ok: false, error: 'file_not_found' };
      }
      case 'views.open': {
        const id = `V${randomUUID().slice(0, 10).toUpperCase()}`;
        const view = JSON.parse(body.view ?? '{}') as Record<string, unknown>;
        this.views.push({ id, triggerId: body.trigger_id ?? '', view });
        return { ok: true, view: { ...view, id } };
      }
      case 'files.getUploadURLExternal': {
        const fileId = `F${randomUUID().slice(0, 8).toUpperCase()}`;
        this.uploads.set(fileId, { fileId, filename: body.filename ?? '', length: Number(body.length) });
        return { ok: true, upload_url: `${this.url}/upload/${fileId}`, file_id: fileId };
      }
      case 'files.completeUploadExternal': {
        const files = JSON.parse(body.files ?? '[]') as { id: string; title?: string }[];
        const missing = files.find((f) => !this.uploads.get(f.id)?.data);
        if (missing) return { ok: false, error: 'file_not_found' };
        for (const f of files) this.uploadedFiles.set(f.id, { id: f.id, title: f.title ?? '', shares: {} });
        if (body.channel_id) this.shareLater(files, body.channel_id, body.initial_comment, body.thread_ts);
        return { ok: true, files: files.map((f) => ({ id: f.id, title: f.title ?? '' })) };
      }
      default:
        return { ok: false, error: 'unknown_method' };
    }
  }

  /** Posts the uploaded files' message in the channel a little later, as Slack does. */
  private shareLater(
    files: { id: string }[],
    channel: string,
    comment: string | undefined,
    threadTs: string | undefined,
  ): void {
    setTimeout(() => {
      const message: PostedMessage = {
        channel,
        ts: this.nextTs(),
        text: comment ?? '',
        fileIds: files.map((f) => f.id),
      };
      if (threadTs) message.thread_ts = threadTs;
      this.messages.push(message);
      for (const f of files) {
        const uploaded = this.uploadedFiles.get(f.id);
        if (uploaded)
          (uploaded.shares[channel] ??= []).push({
            ts: message.ts,
            ...(threadTs ? { thread_ts: threadTs } : {}),
          });
      }
    }, this.shareDelayMs).unref();
  }

  private fileObject(file: StandInFile) {
    const url = `${this.url}/private/${file.id}/${encodeURIComponent(file.name)}`;
    return {
      id: file.id,
      created: file.created,
      timestamp: file.created,
      name: file.name,
      title: file.name,
      mimetype: file.mimetype,
      filetype: file.mimetype.split('/')[1],
      user: file.user,
      size: file.data.byteLength,
      url_private: url,
      url_private_download: `${url}?download=1`,
      channels: [file.channel],
    };
  }
}

/** Slack's request signature: `v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{body}` with the signing secret. */
export function signSlackRequest(secret: string, timestamp: string, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

interface ButtonElement {
  type: string;
  action_id: string;
  value?: string;
  text?: unknown;
}

/** The button with `actionId` in a message's actions blocks (throws when it has none). */
export function findButton(message: PostedMessage, actionId: string): ButtonElement & { block_id: string } {
  for (const block of (message.blocks ?? []) as {
    type: string;
    block_id?: string;
    elements?: ButtonElement[];
  }[]) {
    const button =
      block.type === 'actions' ? block.elements?.find((e) => e.action_id === actionId) : undefined;
    if (button) return { ...button, block_id: block.block_id ?? '' };
  }
  throw new Error(`message ${message.ts} has no button ${actionId}`);
}

/** Whether a message is a result's button row (`kk_edit_*`), as opposed to a status line with Cancel. */
export function hasResultButtons(message: PostedMessage): boolean {
  return buttonIds(message).some((id) => id.startsWith('kk_edit_'));
}

/** The action ids of a message's buttons, in order. */
export function buttonIds(message: PostedMessage): string[] {
  return ((message.blocks ?? []) as { type: string; elements?: ButtonElement[] }[])
    .filter((b) => b.type === 'actions')
    .flatMap((b) => (b.elements ?? []).map((e) => e.action_id));
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function parseForm(raw: Buffer, contentType: string | undefined): Record<string, string> {
  const text = raw.toString('utf8');
  if (contentType?.startsWith('application/json')) {
    const parsed = JSON.parse(text) as Record<string, unknown>;
    return Object.fromEntries(
      Object.entries(parsed).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
    );
  }
  return Object.fromEntries(new URLSearchParams(text));
}

/** The file bytes of an upload: a multipart form's file part, or the raw body. */
async function uploadedBytes(raw: Buffer, contentType: string | undefined): Promise<Uint8Array> {
  if (!contentType?.startsWith('multipart/form-data')) return new Uint8Array(raw);
  const form = await new Response(raw, { headers: { 'content-type': contentType } }).formData();
  for (const value of form.values()) {
    if (typeof value !== 'string') return new Uint8Array(await value.arrayBuffer());
  }
  throw new Error('multipart upload without a file part');
}

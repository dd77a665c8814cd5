/**
 * The web playground on real parts for a test file: queue services on the real Redis (a unique prefix,
 * deleted afterwards) with an in-process worker running `runner`, the web delivery, and the playground on a
 * free loopback port. `client()` is a browser session without a browser: a cookie jar, the JSON API and
 * the event stream.
 */
import { parseConfig, type Config } from '../../../config/config.ts';
import type { HelpCapabilities } from '../../../commands/index.ts';
import type { EditRunner } from '../../../pipeline/types.ts';
import { startQueueServices, type QueueServices } from '../../../queue/queue-services.ts';
import { createWebDelivery, startWebPlayground, type WebPlayground } from '../../../bots/web/index.ts';
import { commandClient, deleteKeys, REDIS_URL, uniquePrefix, waitFor } from '../../queue/helpers.ts';

export interface WebHarness {
  config: Config;
  services: QueueServices;
  playground: WebPlayground;
  /** http://127.0.0.1:<port> */
  origin: string;
  client(): WebClient;
  close(): Promise<void>;
}

export interface HarnessOptions {
  env?: Record<string, string>;
  sweepFrames: number;
  capabilities?: HelpCapabilities;
}

export async function startWebHarness(
  name: string,
  runner: EditRunner,
  options: HarnessOptions,
): Promise<WebHarness> {
  const prefix = uniquePrefix(name);
  const config = parseConfig({
    REDIS_URL,
    KK_QUEUE_PREFIX: prefix,
    KK_METRICS_PORT: '0',
    KK_WEB_PORT: '0',
    ...options.env,
  });
  const delivery = createWebDelivery({ positionPollMs: 100 });
  const services = await startQueueServices({
    config,
    modelId: runner.modelId,
    sweepFrames: options.sweepFrames,
    runner,
    adapters: { web: delivery },
  });
  const playground = await startWebPlayground({
    config,
    services,
    delivery,
    model: {
      id: runner.modelId,
      sweepFrames: options.sweepFrames,
      ...(options.capabilities ? { capabilities: options.capabilities } : {}),
    },
  });
  const origin = `http://127.0.0.1:${playground.port}`;
  const clients: WebClient[] = [];
  return {
    config,
    services,
    playground,
    origin,
    client() {
      const client = new WebClient(origin);
      clients.push(client);
      return client;
    },
    async close() {
      for (const client of clients) client.closeEvents();
      await playground.close();
      await services.close();
      const redis = commandClient();
      await deleteKeys(redis, prefix);
      await redis.quit();
    },
  };
}

export interface ReceivedEvent {
  id: number;
  name: string;
  data: Record<string, unknown> & { jobId?: string };
}

/** One browser session: its cookie, its API calls and (once opened) its event stream. */
export class WebClient {
  cookie = '';
  readonly events: ReceivedEvent[] = [];
  private stream: AbortController | undefined;

  constructor(readonly origin: string) {}

  async call(
    path: string,
    init: RequestInit = {},
  ): Promise<{ status: number; headers: Headers; body: Record<string, unknown> & { job?: JobJson } }> {
    const headers = new Headers(init.headers);
    if (this.cookie) headers.set('cookie', this.cookie);
    const response = await fetch(`${this.origin}${path}`, { ...init, headers });
    this.keepCookie(response);
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : {} };
  }

  /** POST /api/edits with `image` as the body. */
  edit(query: Record<string, string>, image?: Uint8Array) {
    const params = new URLSearchParams(query);
    return this.call(`/api/edits?${params}`, { method: 'POST', ...(image ? { body: image } : {}) });
  }

  variant(jobId: string, variant: Record<string, unknown>) {
    return this.call(`/api/edits/${jobId}/variants`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(variant),
    });
  }

  /** Opens GET /api/events; events land in `events`. Resolves once the stream answered. */
  async openEvents(): Promise<void> {
    this.stream = new AbortController();
    const response = await fetch(`${this.origin}/api/events`, {
      headers: this.cookie ? { cookie: this.cookie } : {},
      signal: this.stream.signal,
    });
    this.keepCookie(response);
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let buffered = '';
    void (async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        buffered += decoder.decode(value, { stream: true });
        for (let end = buffered.indexOf('\n\n'); end >= 0; end = buffered.indexOf('\n\n')) {
          const record = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          const field = (name: string) =>
            record
              .split('\n')
              .find((line) => line.startsWith(`${name}: `))
              ?.slice(name.length + 2);
          const name = field('event');
          if (name)
            this.events.push({ id: Number(field('id')), name, data: JSON.parse(field('data') ?? '{}') });
        }
      }
    })().catch(() => undefined);
  }

  closeEvents(): void {
    this.stream?.abort();
  }

  async waitForEvent(name: string, jobId: string, timeoutMs = 15_000): Promise<ReceivedEvent> {
    let found: ReceivedEvent | undefined;
    await waitFor(
      () => {
        found = this.events.find((e) => e.name === name && e.data.jobId === jobId);
        return found !== undefined;
      },
      timeoutMs,
      `${name} event of ${jobId}`,
    );
    return found as ReceivedEvent;
  }

  private keepCookie(response: Response): void {
    const set = response.headers.get('set-cookie');
    if (set) this.cookie = set.split(';')[0] ?? '';
  }
}

/** A job as the API answers it (bots/web/web-views.ts JobView). */
export interface JobJson {
  jobId: string;
  parentJobId?: string;
  command: string;
  request: { instruction: string; strength: Record<string, unknown>; seed: number };
  position: { state: string; position?: number };
  statusText: string;
}

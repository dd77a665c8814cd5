/**
 * Server-sent events per browser session: `GET /api/events` subscribes, delivery and the queue-position
 * watch publish. Each session keeps its last `replayEvents` events, so a page that reconnects (EventSource
 * does so by itself, sending Last-Event-ID) or opens after its edit finished still gets the outcome: the
 * queue hands each result over once, and this is where the web adapter keeps it until a page is listening.
 */
import type { ServerResponse } from 'node:http';

export type WebEventName = 'position' | 'progress' | 'result' | 'failed';

export interface WebEvent {
  /** Increasing in this process; a reconnecting page sends the last one it saw. */
  id: number;
  name: WebEventName;
  data: unknown;
}

export interface EventStreamOptions {
  /** Events kept per session for pages that connect later. @defaultValue 50 */
  replayEvents?: number;
  /** Sessions with no subscriber and no event for this long are forgotten. @defaultValue 3600000 (1 h) */
  idleSessionMs?: number;
  /** Sessions remembered at most; the least recently active go first. @defaultValue 10000 */
  maxSessions?: number;
  /** A comment line this often keeps proxies from closing a quiet stream. @defaultValue 15000 */
  keepAliveMs?: number;
}

interface SessionStream {
  subscribers: Set<ServerResponse>;
  recent: WebEvent[];
  touchedAt: number;
}

export class EventStreams {
  private readonly replayEvents: number;
  private readonly idleSessionMs: number;
  private readonly maxSessions: number;
  private readonly sessions = new Map<string, SessionStream>();
  private readonly keepAlive: NodeJS.Timeout;
  private nextId = 1;
  private closed = false;

  constructor(options: EventStreamOptions = {}) {
    this.replayEvents = options.replayEvents ?? 50;
    this.idleSessionMs = options.idleSessionMs ?? 3_600_000;
    this.maxSessions = options.maxSessions ?? 10_000;
    const keepAliveMs = options.keepAliveMs ?? 15_000;
    if (!(this.replayEvents >= 1)) throw new RangeError('replayEvents must be at least 1');
    if (!(this.maxSessions >= 1)) throw new RangeError('maxSessions must be at least 1');
    if (!(keepAliveMs > 0)) throw new RangeError('keepAliveMs must be greater than 0');
    this.keepAlive = setInterval(() => this.tick(), keepAliveMs);
    this.keepAlive.unref();
  }

  /** Sends `name` with `data` to the session's pages, and keeps it for pages that connect later. */
  publish(sessionKey: string, name: WebEventName, data: unknown): void {
    if (this.closed) return;
    const stream = this.streamOf(sessionKey);
    const event: WebEvent = { id: this.nextId++, name, data };
    stream.recent.push(event);
    if (stream.recent.length > this.replayEvents) stream.recent.shift();
    for (const res of stream.subscribers) res.write(formatEvent(event));
  }

  /** Turns `res` into the session's event stream, first replaying the events after `lastEventId`. */
  subscribe(sessionKey: string, res: ServerResponse, lastEventId: number | undefined): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
    });
    if (this.closed) {
      res.end();
      return;
    }
    const stream = this.streamOf(sessionKey);
    // A page that saw nothing yet (no Last-Event-ID) gets everything kept: its edit may have finished.
    const after = lastEventId ?? 0;
    res.write('retry: 1000\n\n');
    for (const event of stream.recent) if (event.id > after) res.write(formatEvent(event));
    stream.subscribers.add(res);
    res.on('close', () => stream.subscribers.delete(res));
  }

  /** Ends every stream (pages reconnect elsewhere or later); further events are dropped. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.keepAlive);
    for (const stream of this.sessions.values()) for (const res of stream.subscribers) res.end();
    this.sessions.clear();
  }

  private streamOf(sessionKey: string): SessionStream {
    let stream = this.sessions.get(sessionKey);
    if (stream) this.sessions.delete(sessionKey);
    else stream = { subscribers: new Set(), recent: [], touchedAt: 0 };
    stream.touchedAt = Date.now();
    // Re-inserted last: the Map's order is least recently active first.
    this.sessions.set(sessionKey, stream);
    if (this.sessions.size > this.maxSessions) this.evictOldest();
    return stream;
  }

  private evictOldest(): void {
    for (const [key, stream] of this.sessions) {
      if (stream.subscribers.size > 0) continue;
      this.sessions.delete(key);
      return;
    }
  }

  private tick(): void {
    const now = Date.now();
    for (const [key, stream] of this.sessions) {
      if (stream.subscribers.size > 0) for (const res of stream.subscribers) res.write(': keep-alive\n\n');
      else if (now - stream.touchedAt > this.idleSessionMs) this.sessions.delete(key);
    }
  }
}

/** One SSE record; `data` is JSON on one line (JSON.stringify never writes a raw newline). */
export function formatEvent(event: WebEvent): string {
  return `id: ${event.id}\nevent: ${event.name}\ndata: ${JSON.stringify(event.data)}\n\n`;
}

/**
 * One voice for "Redis is unreachable". While Redis is down every client (the queue, the worker, its
 * duplicates) fails each reconnect attempt, and each failure used to print its own stack trace: about
 * 150 lines in 15 s. The reporter says it once, in one line naming the server, stays quiet (debug)
 * while ioredis retries with its backoff (50 ms more per attempt, at most 2 s), and says when Redis is
 * back. Errors that are not about reaching Redis are logged as before.
 */
import type { Logger } from '../config/logger.ts';

/** Socket errors that mean "cannot reach the server", not "the server refused this command". */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
]);

export function isConnectionError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && CONNECTION_CODES.has(code)) return true;
  const message = err instanceof Error ? err.message : '';
  return /Connection is closed|connect ETIMEDOUT|Stream isn't writeable/.test(message);
}

export class RedisOutageReporter {
  private down = false;

  /** `where` names the server in the message, without credentials (e.g. "redis://host:6379"). */
  constructor(
    private readonly logger: Logger,
    private readonly where: string,
  ) {}

  /** For every client's and BullMQ object's 'error' event; `what` says whose error it is. */
  report(err: unknown, what: string): void {
    if (!isConnectionError(err)) {
      this.logger.error({ err }, `${what} error`);
      return;
    }
    const code = (err as { code?: string }).code;
    if (this.down) {
      this.logger.debug({ code, source: what }, 'Redis still unreachable; retrying');
      return;
    }
    this.down = true;
    this.logger.error(
      { code, redis: this.where },
      `cannot reach Redis at ${this.where} (${code ?? (err as Error).message}); retrying with backoff`,
    );
  }

  /** For the clients' 'ready' event. */
  connected(): void {
    if (!this.down) return;
    this.down = false;
    this.logger.info({ redis: this.where }, 'Redis is reachable again');
  }
}

/** A Redis URL fit for a log line: the password (and user) removed. */
export function redactRedisUrl(url: string): string {
  const parsed = new URL(url);
  parsed.username = '';
  parsed.password = '';
  return parsed.toString().replace(/\/$/, '');
}

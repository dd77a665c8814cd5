/**
 * Reads a webhook request's body before anything has been authenticated, so it must cost little
 * whoever sends it: the platforms send small JSON or form bodies, so
 *
 * - a body declared (Content-Length) or found larger than `maxBodyBytes` gets 413 at once, without
 *   buffering the rest;
 * - at most `maxConcurrentBodies` bodies are read at a time; more get 503 (a flood of unsigned
 *   connections cannot buffer more than `maxConcurrentBodies * maxBodyBytes`);
 * - a body that has not fully arrived after `bodyTimeoutMs` (slowloris) gets 408 and its connection
 *   is closed.
 *
 * Every refusal closes the connection, so the unread rest of a body is never parsed.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface BodyGuardOptions {
  /** @defaultValue 262144 (256 KiB; interactions and Slack payloads are a few KiB) */
  maxBodyBytes?: number;
  /** @defaultValue 64 */
  maxConcurrentBodies?: number;
  /** @defaultValue 10000 */
  bodyTimeoutMs?: number;
}

export class BodyGuard {
  readonly maxBodyBytes: number;
  readonly maxConcurrentBodies: number;
  readonly bodyTimeoutMs: number;
  #reading = 0;

  constructor(options: BodyGuardOptions = {}) {
    this.maxBodyBytes = options.maxBodyBytes ?? 256 * 1024;
    this.maxConcurrentBodies = options.maxConcurrentBodies ?? 64;
    this.bodyTimeoutMs = options.bodyTimeoutMs ?? 10_000;
    if (!(this.maxBodyBytes > 0)) throw new RangeError('maxBodyBytes must be greater than 0');
    if (!(this.maxConcurrentBodies >= 1)) throw new RangeError('maxConcurrentBodies must be at least 1');
    if (!(this.bodyTimeoutMs > 0)) throw new RangeError('bodyTimeoutMs must be greater than 0');
  }

  /** Bodies being read now. */
  get reading(): number {
    return this.#reading;
  }

  /** The whole body, or undefined when it was refused (the answer has then been sent). */
  async read(req: IncomingMessage, res: ServerResponse): Promise<Buffer | undefined> {
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (declared > this.maxBodyBytes) return refuse(req, res, 413, 'body too large');
    if (this.#reading >= this.maxConcurrentBodies) return refuse(req, res, 503, 'too many requests at once');
    this.#reading++;
    try {
      return await this.#readCapped(req, res);
    } finally {
      this.#reading--;
    }
  }

  #readCapped(req: IncomingMessage, res: ServerResponse): Promise<Buffer | undefined> {
    return new Promise((resolve) => {
      const chunks: Buffer[] = [];
      let total = 0;
      const finish = (value: Buffer | undefined) => {
        clearTimeout(timer);
        req.off('data', onData).off('end', onEnd).off('error', onError).off('aborted', onError);
        resolve(value);
      };
      const onData = (chunk: Buffer) => {
        total += chunk.byteLength;
        if (total > this.maxBodyBytes) return finish(refuse(req, res, 413, 'body too large'));
        chunks.push(chunk);
      };
      const onEnd = () => finish(Buffer.concat(chunks));
      // The client went away: nothing to answer.
      const onError = () => finish(undefined);
      const timer = setTimeout(() => finish(refuse(req, res, 408, 'body too slow')), this.bodyTimeoutMs);
      req.on('data', onData).on('end', onEnd).on('error', onError).on('aborted', onError);
    });
  }
}

function refuse(req: IncomingMessage, res: ServerResponse, status: number, error: string): undefined {
  if (!res.headersSent) {
    const json = JSON.stringify({ error });
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(json),
      connection: 'close',
    });
    res.end(json);
  }
  // Stop reading: the rest of the body is never wanted, and the socket closes once the answer is out.
  req.pause();
  res.once('finish', () => req.socket.destroy());
  if (res.writableFinished) req.socket.destroy();
  return undefined;
}

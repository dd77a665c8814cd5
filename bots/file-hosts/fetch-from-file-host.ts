/**
 * Downloads a user's image from a chat platform's own file host, and from nowhere else. An attachment
 * URL is data from a request (and a Slack file URL comes with the bot token attached), so:
 *
 * - every hop must be on the policy's hosts and protocols (https only in production): no loopback,
 *   no metadata service, no attacker's server that would see the token;
 * - redirects are followed by hand, checking each hop; request headers (the token) go only to the
 *   first URL's origin, as browsers drop Authorization on a cross-origin redirect;
 * - one deadline covers the whole download, headers and body, so a source trickling a byte a second
 *   is cut at `timeoutMs`; the body is capped at `maxBytes` as it arrives.
 *
 * Failures are `FileDownloadError`s with a `reason`; each adapter turns them into its own user message.
 */
import type { FileHostPolicy } from './file-host-policy.ts';
import { isAllowedUrl } from './file-host-policy.ts';

export type FileDownloadFailure =
  /** The URL, or a redirect, leaves the policy's hosts or protocols. */
  | 'host_not_allowed'
  | 'timeout'
  /** Not a 2xx (after redirects), too many redirects, or the connection failed. */
  | 'failed'
  /** `accept` refused the response's content type. */
  | 'wrong_type'
  | 'too_large';

export class FileDownloadError extends Error {
  constructor(
    readonly reason: FileDownloadFailure,
    detail: string,
    /** For 'too_large': the size declared or counted so far. */
    readonly bytes?: number,
    options: { cause?: unknown } = {},
  ) {
    super(`${reason}: ${detail}`, options);
    this.name = 'FileDownloadError';
  }
}

export interface FetchFromFileHostOptions {
  policy: FileHostPolicy;
  maxBytes: number;
  /** The whole download, redirects and body included. */
  timeoutMs: number;
  /** Sent only to the first URL's origin (the bot token). @defaultValue none */
  headers?: Record<string, string>;
  /** Checked before the body is read; false cancels it with 'wrong_type'. @defaultValue any type */
  accept?: (contentType: string) => boolean;
  /** @defaultValue 5 */
  maxRedirects?: number;
}

export async function fetchFromFileHost(url: string, options: FetchFromFileHostOptions): Promise<Uint8Array> {
  const signal = AbortSignal.timeout(options.timeoutMs);
  const timedOut = (err: unknown) =>
    new FileDownloadError('timeout', `no complete answer within ${options.timeoutMs} ms`, undefined, {
      cause: err,
    });
  const response = await followRedirects(url, options, signal).catch((err: unknown) => {
    if (err instanceof FileDownloadError) throw err;
    throw signal.aborted
      ? timedOut(err)
      : new FileDownloadError('failed', 'request failed', undefined, { cause: err });
  });
  const body = response.body;
  if (!response.ok || !body) {
    await body?.cancel();
    throw new FileDownloadError('failed', `HTTP ${response.status}`);
  }
  const type = (response.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (options.accept && !options.accept(type)) {
    await body.cancel();
    throw new FileDownloadError('wrong_type', `content type '${type}'`);
  }
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (declared > options.maxBytes) {
    await body.cancel();
    throw new FileDownloadError('too_large', 'declared length', declared);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for await (const chunk of body as AsyncIterable<Uint8Array>) {
      total += chunk.byteLength;
      // The declared length can be absent or wrong: count what arrives (leaving the loop cancels).
      if (total > options.maxBytes) throw new FileDownloadError('too_large', 'received', total);
      chunks.push(chunk);
    }
  } catch (err) {
    if (err instanceof FileDownloadError) throw err;
    throw signal.aborted
      ? timedOut(err)
      : new FileDownloadError('failed', 'body failed', undefined, { cause: err });
  }
  return Buffer.concat(chunks);
}

async function followRedirects(
  url: string,
  options: FetchFromFileHostOptions,
  signal: AbortSignal,
): Promise<Response> {
  const maxRedirects = options.maxRedirects ?? 5;
  const firstOrigin = originOf(url);
  let current = url;
  for (let hop = 0; ; hop++) {
    if (!isAllowedUrl(current, options.policy))
      throw new FileDownloadError('host_not_allowed', hop === 0 ? 'source URL' : `redirect hop ${hop}`);
    const sameOrigin = originOf(current) === firstOrigin;
    const response = await fetch(current, {
      redirect: 'manual',
      signal,
      ...(sameOrigin && options.headers ? { headers: options.headers } : {}),
    });
    const location = response.headers.get('location');
    if (response.status < 300 || response.status >= 400 || location === null) return response;
    await response.body?.cancel();
    if (hop >= maxRedirects) throw new FileDownloadError('failed', `more than ${maxRedirects} redirects`);
    current = new URL(location, current).href;
  }
}

function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

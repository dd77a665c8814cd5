/**
 * A tiny HTTP server for operations: `GET /metrics` (Prometheus text) and `GET /healthz`
 * (200 when every check passes, 503 otherwise, with a JSON body naming each check).
 * Started on KK_METRICS_PORT; port 0 means "disabled" for config, so callers skip it then.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/** A named check: resolves true when healthy; a throw or a timeout counts as unhealthy. */
export type HealthCheck = () => Promise<boolean> | boolean;

export interface HealthServerOptions {
  /** TCP port; 0 picks a free one (tests). */
  port: number;
  /** @defaultValue '0.0.0.0' */
  host?: string;
  registry: Registry;
  /** e.g. `{ redis: () => redis.ping().then(() => true), worker: () => worker.isRunning() }` */
  checks: Record<string, HealthCheck>;
  /** Time one check may take before it counts as failed. @defaultValue 2000 */
  checkTimeoutMs?: number;
}

export interface HealthServer {
  readonly port: number;
  close(): Promise<void>;
}

export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const { registry, checks } = options;
  const timeoutMs = options.checkTimeoutMs ?? 2000;
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') {
      res.writeHead(405).end();
    } else if (path === '/metrics') {
      registry.metrics().then(
        (body) => res.writeHead(200, { 'content-type': registry.contentType }).end(body),
        (err: unknown) => res.writeHead(500).end(String(err)),
      );
    } else if (path === '/healthz') {
      runChecks(checks, timeoutMs).then((results) => {
        const ok = Object.values(results).every(Boolean);
        res
          .writeHead(ok ? 200 : 503, { 'content-type': 'application/json' })
          .end(JSON.stringify({ ok, checks: results }));
      });
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => resolve());
  });
  let closing: Promise<void> | undefined;
  return {
    port: (server.address() as AddressInfo).port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

async function runChecks(
  checks: Record<string, HealthCheck>,
  timeoutMs: number,
): Promise<Record<string, boolean>> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]): Promise<[string, boolean]> => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      });
      try {
        return [name, await Promise.race([Promise.resolve(check()), timeout])];
      } catch {
        return [name, false];
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return Object.fromEntries(entries);
}

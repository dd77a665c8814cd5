/**
 * A throwaway `redis-server` on its own port, for fault tests (issue 13): killed, stalled, restarted empty
 * (as a server without persistence comes back after a crash) or configured a given way, without touching the
 * Redis other tests share. Started as a child of the test (no persistence unless `args` say otherwise, in a
 * scratch folder), so the test ends exactly the process it started.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { Redis } from 'ioredis';
import { waitFor } from './helpers.ts';

export const hasRedisServer = spawnSync('redis-server', ['--version']).status === 0;

export class SideRedis {
  private server: ChildProcess | undefined;

  private readonly dir = mkdtempSync(join(tmpdir(), 'kk-side-redis-'));

  /** A free-looking port in 20000..29999 unless given; `args` go after the defaults (later ones win). */
  constructor(
    readonly port = 20000 + Math.floor(Math.random() * 10_000),
    private readonly args: readonly string[] = [],
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.server = spawn(
      'redis-server',
      [
        ...['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
        ...['--dir', this.dir, ...this.args],
      ],
      { stdio: 'ignore' },
    );
    await untilPing(this.port);
  }

  /** SIGKILL: the server vanishes mid-conversation, as in a crash. */
  async kill(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server || server.exitCode !== null || server.signalCode !== null) return;
    server.kill('SIGKILL');
    await once(server, 'exit');
  }

  /** Kills the server and starts an empty one on the same port. */
  async restart(): Promise<void> {
    await this.kill();
    await this.start();
  }

  /** Ends the server for good (the same as `kill`, named for cleanup). */
  stop(): Promise<void> {
    return this.kill();
  }

  /** Stops answering for `ms` while keeping connections open (SIGSTOP then SIGCONT): a stalled server. */
  stall(ms: number): Promise<void> {
    const server = this.server;
    if (!server) throw new Error('not running');
    server.kill('SIGSTOP');
    return new Promise((resolve) =>
      setTimeout(() => {
        server.kill('SIGCONT');
        resolve();
      }, ms),
    );
  }
}

/** A started SideRedis with `args` on top of the defaults. */
export async function startSideRedis(args: string[] = []): Promise<SideRedis> {
  const side = new SideRedis(undefined, args);
  await side.start();
  return side;
}

/** Resolves once a Redis on 127.0.0.1:`port` answers PING (5 s at most). */
export async function untilPing(port: number): Promise<void> {
  const probe = new Redis({ port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await waitFor(
      async () =>
        (await probe
          .connect()
          .then(() => probe.ping())
          .catch(() => 'down')) === 'PONG',
      5000,
      `redis-server on port ${port}`,
    );
  } finally {
    probe.disconnect();
  }
}

/**
 * A Redis server of a test's own, on a free port of its own, for fault cases (a restart that forgets
 * everything, a flush, a server configured a given way) that must not touch the shared test Redis.
 * The server is this process's child; `stop()` kills it by its pid and `restart()` starts a fresh,
 * empty one on the same port, as a server without persistence comes back after a crash.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { waitFor } from './helpers.ts';

export interface SideRedis {
  port: number;
  url: string;
  /** Kills the server (SIGKILL: no shutdown save) and starts an empty one on the same port. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts `redis-server` with `--save '' --appendonly no` and `args` on top (later ones win). */
export async function startSideRedis(args: string[] = []): Promise<SideRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'kk-side-redis-'));
  const port = 18_000 + Math.floor(Math.random() * 1900);
  let child: ChildProcess | undefined;
  const start = async () => {
    const server = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
        ...args,
      ],
      { stdio: 'ignore' },
    );
    child = server;
    await untilPing(port);
  };
  const kill = async () => {
    const server = child;
    child = undefined;
    if (!server || server.exitCode !== null) return;
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGKILL');
    await exited;
  };
  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    async restart() {
      await kill();
      await start();
    },
    async stop() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function untilPing(port: number): Promise<void> {
  await waitFor(
    async () => {
      const probe = new Redis({
        port,
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      probe.on('error', () => undefined); // refused until the server listens: that is the question
      try {
        await probe.connect();
        return (await probe.ping()) === 'PONG';
      } catch {
        return false;
      } finally {
        probe.disconnect();
      }
    },
    5000,
    `redis-server on port ${port}`,
  );
}

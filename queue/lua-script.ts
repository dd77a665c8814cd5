/**
 * A Lua script run by EVALSHA, falling back to EVAL the first time a server has not seen it
 * (works the same on a single server, Sentinel and Cluster, where each node caches it separately).
 */
import { createHash } from 'node:crypto';
import type { RedisClient } from './redis-connection.ts';

type LuaArg = string | number | Buffer;

export class LuaScript {
  readonly source: string;
  readonly sha: string;

  constructor(source: string) {
    this.source = source;
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(redis: RedisClient, keys: readonly string[], args: readonly LuaArg[]): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return redis.eval(this.source, keys.length, ...keys, ...args);
    }
  }
}

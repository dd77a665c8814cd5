/**
 * Whether Redis keeps the queue across a restart and under memory pressure. Jobs, blobs and delivery
 * marks live only in Redis: a server without AOF persistence forgets every waiting user when it
 * restarts, and any `maxmemory-policy` but `noeviction` may evict a job's keys (BullMQ then fails with
 * "Missing key" after the edit ran). Checked once when a worker starts; the answer is one log line.
 * Managed services often disable CONFIG, which is reported as unknown rather than as a problem.
 */
import type { Logger } from '../config/logger.ts';
import type { RedisClient } from './redis-connection.ts';

export type RedisDurability =
  { status: 'ok' } | { status: 'not_durable'; problems: string[] } | { status: 'unknown'; reason: string };

/** What the queue needs, as `CONFIG GET` parameter -> expected value. */
export const REQUIRED_REDIS_CONFIG = { appendonly: 'yes', 'maxmemory-policy': 'noeviction' } as const;

export async function checkRedisDurability(redis: RedisClient): Promise<RedisDurability> {
  const problems: string[] = [];
  for (const [parameter, expected] of Object.entries(REQUIRED_REDIS_CONFIG)) {
    let reply: unknown;
    try {
      reply = await redis.config('GET', parameter);
    } catch (err) {
      return { status: 'unknown', reason: err instanceof Error ? err.message : String(err) };
    }
    // CONFIG GET answers [name, value, ...]; an unknown parameter answers [].
    const value = Array.isArray(reply) ? reply[1] : undefined;
    if (typeof value !== 'string')
      return { status: 'unknown', reason: `CONFIG GET ${parameter} gave no value` };
    if (value !== expected) problems.push(`${parameter} is "${value}" (needs "${expected}")`);
  }
  return problems.length === 0 ? { status: 'ok' } : { status: 'not_durable', problems };
}

/** Checks and logs one line: a warning when Redis is not durable, info when it cannot tell. Never throws. */
export async function warnIfRedisNotDurable(redis: RedisClient, logger: Logger): Promise<RedisDurability> {
  const result = await checkRedisDurability(redis).catch((err: unknown): RedisDurability => ({
    status: 'unknown',
    reason: String(err),
  }));
  const fix = 'run Redis with appendonly yes and maxmemory-policy noeviction (see queue/README.md)';
  if (result.status === 'not_durable')
    logger.warn(
      { problems: result.problems },
      `Redis may lose queued edits on restart or under memory pressure: ${result.problems.join('; ')} - ${fix}`,
    );
  else if (result.status === 'unknown')
    logger.info(
      { reason: result.reason },
      `could not read the Redis configuration (CONFIG disabled?): make sure to ${fix}`,
    );
  return result;
}

/**
 * A job's place in line, read atomically from BullMQ's keys. BullMQ serves its plain `wait` list
 * before the `prioritized` set (lowest score first), so a prioritized job's position is
 * len(wait) + its rank + 1. Every edit job is prioritized (see fairness.ts).
 */
import { LuaScript } from './lua-script.ts';
import type { QueueKeys } from './keys.ts';
import type { RedisClient } from './redis-connection.ts';

export type QueuePosition =
  | { state: 'queued'; position: number }
  | { state: 'running' }
  | { state: 'retrying' }
  | { state: 'finished' }
  | { state: 'unknown' };

const POSITION = new LuaScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return {'unknown', 0} end
if redis.call('HEXISTS', KEYS[1], 'finishedOn') == 1 then return {'finished', 0} end
local waiting = redis.call('LLEN', KEYS[2])
local rank = redis.call('ZRANK', KEYS[3], ARGV[1])
if rank then return {'queued', waiting + rank + 1} end
local index = redis.call('LPOS', KEYS[2], ARGV[1])
if index then return {'queued', waiting - index} end
if redis.call('LPOS', KEYS[4], ARGV[1]) then return {'running', 0} end
if redis.call('ZSCORE', KEYS[5], ARGV[1]) then return {'retrying', 0} end
return {'unknown', 0}
`);

export async function readQueuePosition(
  redis: RedisClient,
  keys: QueueKeys,
  jobId: string,
): Promise<QueuePosition> {
  const base = keys.queueBase;
  const [state, position] = (await POSITION.run(
    redis,
    [keys.job(jobId), `${base}:wait`, `${base}:prioritized`, `${base}:active`, `${base}:delayed`],
    [jobId],
  )) as [string, number];
  switch (state) {
    case 'queued':
      return { state, position };
    case 'running':
    case 'retrying':
    case 'finished':
      return { state };
    default:
      return { state: 'unknown' };
  }
}

/** "#3 in queue", "running"... for a status line. */
export function formatQueuePosition(position: QueuePosition): string {
  switch (position.state) {
    case 'queued':
      return position.position === 1 ? 'next in queue' : `#${position.position} in queue`;
    case 'running':
      return 'running';
    case 'retrying':
      return 'retrying shortly';
    case 'finished':
      return 'finished';
    case 'unknown':
      return 'not in the queue';
  }
}

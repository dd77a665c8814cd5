/**
 * Admission at enqueue, in one atomic Lua script: duplicate check, per-user and per-team in-flight caps,
 * the fairness tag (fairness.ts, same arithmetic) and the pending-delivery index.
 *
 * Caps count members of a ZSET per user (and per team) that are still in flight. Nothing has to
 * release them: each admission re-checks every member against BullMQ's job hash and drops those that
 * finished (`finishedOn` set) or vanished (removed/cancelled). A member whose job does not exist yet
 * is a reservation between this script and `queue.add`; it counts for `graceMs`, so a crashed enqueue
 * frees its slot by itself. So a worker or bot crash never leaks a slot.
 *
 * The sets themselves expire `inflightTtlSeconds` after the last admission that touched them (refused
 * ones included): a user who never returns would otherwise leave a key behind forever. The TTL matches
 * the blob TTL, past which a job still waiting cannot run anyway (its source image is gone).
 */
import { LuaScript } from './lua-script.ts';
import { PRIORITY_LIMIT } from './fairness.ts';
import type { QueueKeys } from './keys.ts';
import type { RedisClient } from './redis-connection.ts';
import type { Platform } from './edit-job.ts';

const ADMIT = new LuaScript(`
local jobId = ARGV[1]
local now = tonumber(ARGV[5])
local grace = tonumber(ARGV[6])
local base = ARGV[9]
local ttl = tonumber(ARGV[11])
if redis.call('EXISTS', KEYS[8]) == 1 or redis.call('ZSCORE', KEYS[1], jobId) then
  return {0, 0}
end
local function inflight(setKey)
  local members = redis.call('ZRANGE', setKey, 0, -1, 'WITHSCORES')
  local count = 0
  for i = 1, #members, 2 do
    local id = members[i]
    local jobKey = base .. id
    local live
    if redis.call('EXISTS', jobKey) == 1 then
      live = redis.call('HEXISTS', jobKey, 'finishedOn') == 0
    else
      live = now - tonumber(members[i + 1]) < grace
    end
    if live then count = count + 1 else redis.call('ZREM', setKey, id) end
  end
  redis.call('EXPIRE', setKey, ttl)
  return count
end
if inflight(KEYS[1]) >= tonumber(ARGV[2]) then return {-1, tonumber(ARGV[2])} end
local hasTeam = ARGV[4] == '1'
if hasTeam and inflight(KEYS[2]) >= tonumber(ARGV[3]) then return {-2, tonumber(ARGV[3])} end
-- Tags restart from 0 whenever nothing is waiting or running, which keeps them far below BullMQ's limit.
if redis.call('LLEN', KEYS[5]) == 0 and redis.call('ZCARD', KEYS[6]) == 0 and redis.call('LLEN', KEYS[9]) == 0 then
  redis.call('DEL', KEYS[4])
  redis.call('SET', KEYS[3], 0)
end
local clock = tonumber(redis.call('GET', KEYS[3]) or '0')
local finish = tonumber(redis.call('HGET', KEYS[4], ARGV[8]) or '0')
local start = math.max(clock, finish)
redis.call('HSET', KEYS[4], ARGV[8], start + tonumber(ARGV[7]))
redis.call('ZADD', KEYS[1], now, jobId)
redis.call('EXPIRE', KEYS[1], ttl)
if hasTeam then
  redis.call('ZADD', KEYS[2], now, jobId)
  redis.call('EXPIRE', KEYS[2], ttl)
end
redis.call('ZADD', KEYS[7], now, jobId)
return {1, math.min(start + 1, tonumber(ARGV[10]))}
`);

const ADVANCE_CLOCK = new LuaScript(`
local tag = tonumber(ARGV[1]) - 1
local clock = tonumber(redis.call('GET', KEYS[1]) or '0')
if tag > clock then redis.call('SET', KEYS[1], tag) return tag end
return clock
`);

export interface AdmissionRequest {
  jobId: string;
  platform: Platform;
  userId: string;
  teamId?: string;
  cost: number;
  userCap: number;
  teamCap: number;
  /** How long a reservation counts before its job exists. @defaultValue 60000 */
  graceMs?: number;
  /** How long an in-flight set outlives its last admission. @defaultValue 86400 */
  inflightTtlSeconds?: number;
  now?: number;
}

export type AdmissionOutcome =
  | { status: 'admitted'; priority: number }
  | { status: 'duplicate' }
  | { status: 'user_cap'; cap: number }
  | { status: 'team_cap'; cap: number };

export async function admit(
  redis: RedisClient,
  keys: QueueKeys,
  request: AdmissionRequest,
): Promise<AdmissionOutcome> {
  const { jobId, platform, userId, teamId } = request;
  const keyList = [
    keys.userInflight(platform, userId),
    keys.teamInflight(platform, teamId ?? '-'),
    keys.fairClock,
    keys.fairFinish,
    `${keys.queueBase}:wait`,
    `${keys.queueBase}:prioritized`,
    keys.pendingDelivery(platform),
    keys.job(jobId),
    `${keys.queueBase}:active`,
  ];
  const args = [
    jobId,
    request.userCap,
    request.teamCap,
    teamId === undefined ? '0' : '1',
    request.now ?? Date.now(),
    request.graceMs ?? 60_000,
    request.cost,
    `${platform}:${userId}`,
    `${keys.queueBase}:`,
    PRIORITY_LIMIT,
    request.inflightTtlSeconds ?? 24 * 3600,
  ];
  const reply = (await ADMIT.run(redis, keyList, args)) as [number, number];
  const [status, value] = reply;
  if (status === 1) return { status: 'admitted', priority: value };
  if (status === 0) return { status: 'duplicate' };
  return status === -1 ? { status: 'user_cap', cap: value } : { status: 'team_cap', cap: value };
}

/** Called by a worker when a job starts: moves the fairness clock up to the job's tag. */
export async function advanceFairClock(
  redis: RedisClient,
  keys: QueueKeys,
  priority: number,
): Promise<number> {
  return Number(await ADVANCE_CLOCK.run(redis, [keys.fairClock], [priority]));
}

/** Drops a job's cap reservations at once (used when an enqueue fails after admission). */
export async function releaseReservation(
  redis: RedisClient,
  keys: QueueKeys,
  request: Pick<AdmissionRequest, 'jobId' | 'platform' | 'userId' | 'teamId'>,
): Promise<void> {
  const { jobId, platform, userId, teamId } = request;
  await redis.zrem(keys.userInflight(platform, userId), jobId);
  if (teamId !== undefined) await redis.zrem(keys.teamInflight(platform, teamId), jobId);
  await redis.zrem(keys.pendingDelivery(platform), jobId);
}

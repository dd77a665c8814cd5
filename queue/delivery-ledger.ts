/**
 * Who delivers a finished job, and whether it has been delivered, kept in Redis so any number of bot
 * replicas (and a restarted bot) agree:
 * - `done` marks a delivered job; it is checked before every claim, so a job is handed to an adapter
 *   at most once after a successful call;
 * - a claim is a lease (SET NX PX) held while the adapter runs, so two replicas never deliver at once;
 *   if the claimant dies mid-call the lease expires and a recovery scan delivers again.
 * The one window for a repeat is a crash after the adapter returned and before `done` was written.
 */
import { LuaScript } from './lua-script.ts';
import type { QueueKeys } from './keys.ts';
import type { RedisClient } from './redis-connection.ts';

const CLAIM = new LuaScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
return -1
`);

const RELEASE = new LuaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`);

const FINISH = new LuaScript(`
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
if redis.call('GET', KEYS[2]) == ARGV[1] then redis.call('DEL', KEYS[2]) end
return 1
`);

const PROGRESS_OWNER = new LuaScript(`
local owner = redis.call('GET', KEYS[1])
if not owner then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
if owner == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
return 0
`);

export type ClaimResult = 'claimed' | 'already_delivered' | 'claimed_elsewhere';

export class DeliveryLedger {
  private readonly redis: RedisClient;
  private readonly keys: QueueKeys;
  readonly replicaId: string;
  readonly leaseMs: number;
  readonly doneTtlSeconds: number;

  constructor(
    redis: RedisClient,
    keys: QueueKeys,
    options: { replicaId: string; leaseMs: number; doneTtlSeconds: number },
  ) {
    this.redis = redis;
    this.keys = keys;
    this.replicaId = options.replicaId;
    this.leaseMs = options.leaseMs;
    this.doneTtlSeconds = options.doneTtlSeconds;
  }

  async claim(jobId: string): Promise<ClaimResult> {
    const reply = Number(
      await CLAIM.run(
        this.redis,
        [this.keys.delivered(jobId), this.keys.deliveryClaim(jobId)],
        [this.replicaId, this.leaseMs],
      ),
    );
    return reply === 1 ? 'claimed' : reply === 0 ? 'already_delivered' : 'claimed_elsewhere';
  }

  /** Gives a claim back (the adapter failed) so a later scan can try again. */
  async release(jobId: string): Promise<void> {
    await RELEASE.run(this.redis, [this.keys.deliveryClaim(jobId)], [this.replicaId]);
  }

  /** Marks the job delivered (`outcome` is kept for inspection: "ok" or "abandoned"). */
  async markDelivered(jobId: string, outcome: 'ok' | 'abandoned'): Promise<void> {
    await FINISH.run(
      this.redis,
      [this.keys.delivered(jobId), this.keys.deliveryClaim(jobId)],
      [this.replicaId, outcome, this.doneTtlSeconds],
    );
  }

  async isDelivered(jobId: string): Promise<boolean> {
    return (await this.redis.exists(this.keys.delivered(jobId))) === 1;
  }

  /** Counts failed adapter calls for a job; returns the new count. */
  async countFailedAttempt(jobId: string): Promise<number> {
    const key = `${this.keys.delivered(jobId)}:attempts`;
    const count = await this.redis.incr(key);
    await this.redis.expire(key, this.doneTtlSeconds);
    return count;
  }

  /** True when this replica relays the job's progress (the first to see it, while it keeps seeing it). */
  async ownsProgress(jobId: string, leaseMs: number): Promise<boolean> {
    return (
      Number(
        await PROGRESS_OWNER.run(this.redis, [this.keys.progressOwner(jobId)], [this.replicaId, leaseMs]),
      ) === 1
    );
  }
}

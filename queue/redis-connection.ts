/**
 * Builds ioredis clients from config for the three Redis topologies: one server (REDIS_URL, `rediss://`
 * for TLS), Sentinel (REDIS_SENTINELS + REDIS_SENTINEL_NAME; credentials, db and TLS still come from
 * REDIS_URL) and Cluster (REDIS_CLUSTER_NODES; credentials and TLS from REDIS_URL).
 * `redisTopology()` is the pure part (tested); `createRedis()` only instantiates it.
 */
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { Config } from '../config/config.ts';

export type RedisConfig = Pick<
  Config,
  'REDIS_URL' | 'REDIS_SENTINELS' | 'REDIS_SENTINEL_NAME' | 'REDIS_CLUSTER_NODES' | 'KK_QUEUE_PREFIX'
>;

/**
 * 'blocking': workers and QueueEvents. BullMQ requires `maxRetriesPerRequest: null` there, because a
 * blocking command must survive a reconnect instead of failing the worker loop.
 * 'command': producers and bots. A bounded retry count makes an enqueue fail fast (and the user see
 * an error) while Redis is down, instead of hanging the interaction.
 */
export type RedisRole = 'blocking' | 'command';

export interface HostPort {
  host: string;
  port: number;
}

export type RedisTopology =
  | { kind: 'standalone'; options: RedisOptions }
  | { kind: 'sentinel'; options: RedisOptions }
  | { kind: 'cluster'; nodes: HostPort[]; options: ClusterOptions };

/** Retries a command gets on a 'command' connection before it fails. @defaultValue 3 */
export const COMMAND_MAX_RETRIES = 3;

/** The ioredis construction for `config`, without connecting. */
export function redisTopology(config: RedisConfig, role: RedisRole): RedisTopology {
  const url = new URL(config.REDIS_URL);
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:')
    throw new RangeError(`REDIS_URL must start with redis:// or rediss://, got ${url.protocol}//`);
  const tls = url.protocol === 'rediss:';
  const credentials: RedisOptions = {
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    ...(tls ? { tls: { servername: url.hostname } } : {}),
  };
  const retries: RedisOptions = { maxRetriesPerRequest: role === 'blocking' ? null : COMMAND_MAX_RETRIES };
  const db = url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0;
  if (!Number.isInteger(db) || db < 0)
    throw new RangeError(`REDIS_URL database must be a number, got ${url.pathname}`);

  if (config.REDIS_CLUSTER_NODES && config.REDIS_CLUSTER_NODES.length > 0) {
    const { tls: nodeTls, ...auth } = credentials;
    return {
      kind: 'cluster',
      nodes: config.REDIS_CLUSTER_NODES.map((node) => parseHostPort(node, 6379)),
      options: {
        // Cluster nodes announce IPs; a TLS certificate names the host, so skip re-resolving.
        ...(nodeTls ? { dnsLookup: (address, callback) => callback(null, address) } : {}),
        redisOptions: { ...auth, ...(nodeTls ? { tls: {} } : {}), ...retries },
        // Cluster has its own command retry loop; keep it off for blocking use as BullMQ asks.
        ...(role === 'blocking' ? { maxRetriesPerRequest: null } : {}),
      },
    };
  }
  if (config.REDIS_SENTINELS && config.REDIS_SENTINELS.length > 0) {
    return {
      kind: 'sentinel',
      options: {
        sentinels: config.REDIS_SENTINELS.map((node) => parseHostPort(node, 26379)),
        name: config.REDIS_SENTINEL_NAME,
        db,
        ...credentials,
        // The same password usually guards the Sentinels; TLS to them follows REDIS_URL's scheme.
        ...(credentials.password ? { sentinelPassword: credentials.password } : {}),
        ...(tls ? { enableTLSForSentinelMode: true, sentinelTLS: {} } : {}),
        ...retries,
      },
    };
  }
  return {
    kind: 'standalone',
    options: {
      host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: url.port ? Number(url.port) : 6379,
      db,
      ...credentials,
      ...retries,
    },
  };
}

export type RedisClient = Redis | Cluster;

/** A connected (lazily, by ioredis) client for `config`. Close it with `quit()` when done. */
export function createRedis(
  config: RedisConfig,
  role: RedisRole,
  options: { connectionName?: string } = {},
): RedisClient {
  const topology = redisTopology(config, role);
  const name = options.connectionName ? { connectionName: options.connectionName } : {};
  if (topology.kind === 'cluster')
    return new Cluster(topology.nodes, {
      ...topology.options,
      redisOptions: { ...topology.options.redisOptions, ...name },
    });
  return new Redis({ ...topology.options, ...name });
}

/**
 * The BullMQ key prefix. In Cluster mode every key of a queue must live in one hash slot, so the
 * prefix becomes a hash tag (`kk` -> `{kk}`) unless it already contains one.
 */
export function queuePrefix(config: Pick<RedisConfig, 'KK_QUEUE_PREFIX' | 'REDIS_CLUSTER_NODES'>): string {
  const prefix = config.KK_QUEUE_PREFIX;
  const cluster = (config.REDIS_CLUSTER_NODES?.length ?? 0) > 0;
  return cluster && !/\{[^}]+\}/.test(prefix) ? `{${prefix}}` : prefix;
}

/**
 * The prefix of keys that need no slot affinity (blobs, cached results, delivery markers): the queue
 * prefix without braces, so that in Cluster mode the bulky blobs spread over every shard.
 */
export function plainPrefix(prefix: string): string {
  return prefix.replace(/[{}]/g, '');
}

export function parseHostPort(text: string, defaultPort: number): HostPort {
  const match = /^(?:\[([^\]]+)\]|([^:]+))(?::(\d+))?$/.exec(text.trim());
  if (!match) throw new RangeError(`expected host:port, got "${text}"`);
  const host = match[1] ?? match[2] ?? '';
  const port = match[3] === undefined ? defaultPort : Number(match[3]);
  if (port < 1 || port > 65535) throw new RangeError(`port out of range in "${text}"`);
  return { host, port };
}

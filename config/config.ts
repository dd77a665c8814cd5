/**
 * The one place environment variables are read. Every variable is listed in the README's
 * configuration table; keep them in step. `loadConfig()` reads `process.env` (after an optional
 * `.env` file) and fails at startup with a message naming each missing or malformed variable.
 */
import { z } from 'zod';
import {
  ExecutionProviderSyntaxError,
  parseExecutionProvider,
  type ExecutionProvider,
} from './execution-provider.ts';

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const bool = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off'])
  .transform((v) => ['1', 'true', 'yes', 'on'].includes(v));
const list = z.string().transform((v) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0),
);

export {
  EXECUTION_PROVIDERS,
  type ExecutionProvider,
  type ExecutionProviderChoice,
  type ExecutionProviderName,
} from './execution-provider.ts';

/** "cuda:1,cpu" -> [{ name: 'cuda', deviceId: 1 }, { name: 'cpu' }], each entry checked. */
const executionProviders = list.transform((entries, ctx) => {
  const parsed: ExecutionProvider[] = [];
  for (const entry of entries) {
    try {
      parsed.push(parseExecutionProvider(entry));
    } catch (error) {
      if (!(error instanceof ExecutionProviderSyntaxError)) throw error;
      ctx.addIssue({ code: 'custom', message: error.message });
    }
  }
  if (entries.length === 0) ctx.addIssue({ code: 'custom', message: 'name at least one provider, e.g. cpu' });
  return parsed;
});

export const configSchema = z.object({
  /** Unset: `info`, except `warn` for the `npm start` demo (its results should stand out). */
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
  /** "pretty" for people at a terminal, "json" for log collectors; default: pretty on a TTY. */
  LOG_FORMAT: z.enum(['pretty', 'json']).optional(),

  // --- Redis / queue -------------------------------------------------------------------------
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
  /** Comma-separated host:port list of Sentinels; when set, REDIS_URL's host is ignored. */
  REDIS_SENTINELS: list.optional(),
  REDIS_SENTINEL_NAME: z.string().default('mymaster'),
  /** Comma-separated host:port list of Redis Cluster seed nodes; when set, BullMQ runs in cluster mode. */
  REDIS_CLUSTER_NODES: list.optional(),
  KK_QUEUE_PREFIX: z.string().min(1).default('kk'),

  // --- Model / pipeline ----------------------------------------------------------------------
  /** Bundle directory; default: the embedded model shipped in the repository. */
  KK_MODEL_DIR: z.string().min(1).optional(),
  /** Providers to try in order: cpu, webgpu, cuda or cuda:N (the GPU this worker uses). */
  KK_EXECUTION_PROVIDERS: executionProviders.default([{ name: 'cpu' }]),
  /** Largest transformer batch; sweeps with more strengths are split. */
  KK_MAX_BATCH: int(1, 64).default(4),
  /** onnxruntime intra-op threads per session; 0 = onnxruntime's default (all cores). */
  KK_INTRA_OP_THREADS: int(0, 256).default(0),
  KK_TEXT_CACHE_MB: int(0, 65536).default(64),
  KK_LATENT_CACHE_MB: int(0, 65536).default(256),
  /** Strength-0 frames and photos at the output size, so a re-edit of a single edit runs one strength. */
  KK_TRANSFER_CACHE_MB: int(0, 65536).default(128),

  // --- Worker --------------------------------------------------------------------------------
  /** Run a worker inside `npm start` (the all-in-one default). Set 0 for bot-only replicas. */
  KK_WORKER: bool.default(true),
  KK_WORKER_CONCURRENCY: int(1, 64).default(1),
  /** After a cancel, how long a running edit may take to stop before its pipeline process is killed. */
  KK_CANCEL_GRACE_MS: int(0, 600_000).default(5000),
  /** Wall-clock limit of one edit in the worker; past it its pipeline process is killed (0: none). */
  KK_JOB_TIMEOUT_MS: int(0, 24 * 3600_000).default(300_000),
  KK_BLOB_TTL_SECONDS: int(60, 30 * 24 * 3600).default(24 * 3600),
  KK_BLOB_MAX_BYTES: int(1024, 512 * 1024 * 1024).default(25 * 1024 * 1024),
  /** Largest source image accepted, in pixels (width * height), before resizing. */
  KK_MAX_INPUT_PIXELS: int(1, 1 << 30).default(40_000_000),
  /** Byte budget for each reply file (Discord's default upload limit is 10 MiB). */
  KK_OUTPUT_MAX_BYTES: int(64 * 1024, 512 * 1024 * 1024).default(8 * 1024 * 1024),
  KK_USER_INFLIGHT_CAP: int(1, 1000).default(2),
  KK_TEAM_INFLIGHT_CAP: int(1, 100000).default(10),

  // --- Observability -------------------------------------------------------------------------
  /** Port for /metrics (Prometheus) and /healthz; 0 disables the server. */
  KK_METRICS_PORT: int(0, 65535).default(9464),

  // --- Platforms -----------------------------------------------------------------------------
  DISCORD_TOKEN: z.string().min(1).optional(),
  DISCORD_APPLICATION_ID: z.string().min(1).optional(),
  /** The app's Ed25519 public key (64 hex digits); every interaction POST is verified against it. */
  DISCORD_PUBLIC_KEY: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, 'expected 64 hex digits')
    .optional(),
  /** Port of the interactions endpoint (POST /discord/interactions); 0 picks a free one. */
  DISCORD_PORT: int(0, 65535).default(8787),
  /** Discord's REST base URL (without /v10); tests point it at a stand-in. */
  DISCORD_API_URL: z.string().url().default('https://discord.com/api'),
  SLACK_BOT_TOKEN: z.string().min(1).optional(),
  SLACK_APP_TOKEN: z.string().min(1).optional(),
  SLACK_SIGNING_SECRET: z.string().min(1).optional(),
  /** Port of the Slack HTTP receiver (`POST /slack/events`); 0 picks a free port. Unused in Socket Mode. */
  SLACK_PORT: int(0, 65535).default(3000),
  /** Slack Web API base URL (tests point it at a stand-in). */
  SLACK_API_URL: z.string().url().default('https://slack.com/api/'),
  /** Serve the web playground (bots/web) with the bots; `npm start -- --web` turns it on for one run. */
  KK_WEB: bool.default(false),
  /** Port of the web playground; 0 picks a free port. */
  KK_WEB_PORT: int(0, 65535).default(8080),
  /** Interface the playground listens on: loopback unless a deployment opens it on purpose. */
  KK_WEB_HOST: z.string().min(1).default('127.0.0.1'),
});

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  readonly issues: string[];
  constructor(issues: string[]) {
    super(`Invalid configuration:\n  ${issues.join('\n  ')}`);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

/** Validates `env` (by default `process.env`); empty strings count as unset. */
export function parseConfig(env: Record<string, string | undefined>): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = configSchema.safeParse(cleaned);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? '?');
      return `${name}: ${issue.message} (got ${JSON.stringify(cleaned[name] ?? null)})`;
    }),
  );
}

/** Reads `.env` (if present, without overriding the real environment) and then the environment. */
export async function loadConfig(): Promise<Config> {
  const { config: loadDotenv } = await import('dotenv');
  loadDotenv({ quiet: true });
  return parseConfig(process.env);
}

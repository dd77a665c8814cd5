/**
 * The Discord bot in one call: a REST client, the delivery adapter and the interactions endpoint.
 *
 * Delivery and the endpoint share one `DiscordDelivery` so a status edit never lands after the result.
 * Queue services take their adapters when they start, so create the adapter first:
 *
 *   const discord = createDiscordDelivery({ config, logger });
 *   const services = await startQueueServices({ config, modelId, adapters: { discord } });
 *   const bot = await startDiscordBot({ config, services, logger, adapter: discord });
 *
 * (Without `adapter`, one is created and returned; it then has to be handed to a delivery elsewhere.)
 */
import { ConfigError, type Config } from '../../config/config.ts';
import type { Logger } from '../../config/logger.ts';
import { silentLogger } from '../../config/logger.ts';
import type { HelpCapabilities } from '../../commands/index.ts';
import type { FileHostPolicy } from '../file-hosts/file-host-policy.ts';
import type { BodyGuardOptions } from '../http-guard/body-guard.ts';
import { DiscordDelivery } from './discord-delivery.ts';
import { createDiscordRest } from './discord-rest.ts';
import { handleInteraction, type BotQueue } from './interaction-handler.ts';
import { startInteractionServer } from './interaction-server.ts';
import { discordPublicKey } from './verify-signature.ts';

export type DiscordConfig = Pick<
  Config,
  'DISCORD_TOKEN' | 'DISCORD_PUBLIC_KEY' | 'DISCORD_PORT' | 'DISCORD_API_URL' | 'KK_BLOB_MAX_BYTES'
>;

export interface DiscordDeliveryFromConfig {
  config: DiscordConfig;
  /** @defaultValue silentLogger */
  logger?: Logger;
  /** @defaultValue 2000 */
  progressIntervalMs?: number;
}

/** The Discord `DeliveryAdapter` with its own REST client (closed by the bot's `close()`). */
export function createDiscordDelivery(options: DiscordDeliveryFromConfig): DiscordDelivery {
  const { config } = options;
  const rest = createDiscordRest({
    apiUrl: config.DISCORD_API_URL,
    ...(config.DISCORD_TOKEN ? { botToken: config.DISCORD_TOKEN } : {}),
  });
  return new DiscordDelivery({
    rest,
    canPostInChannel: config.DISCORD_TOKEN !== undefined,
    logger: (options.logger ?? silentLogger).child({ component: 'discord' }),
    ...(options.progressIntervalMs === undefined ? {} : { progressIntervalMs: options.progressIntervalMs }),
  });
}

export interface DiscordBotOptions {
  config: DiscordConfig;
  /** Queue services (only `queue` is used: enqueue, cancel, parent jobs and their blobs). */
  services: { readonly queue: BotQueue };
  /** The adapter given to the queue's delivery. @defaultValue a new one from `config` */
  adapter?: DiscordDelivery;
  /** @defaultValue silentLogger */
  logger?: Logger;
  /** Interface to listen on. @defaultValue every interface */
  host?: string;
  /** Attachment download timeout. @defaultValue 20000 */
  downloadTimeoutMs?: number;
  /** Listed in the help text. @defaultValue none */
  helpCapabilities?: HelpCapabilities;
  /**
   * Where attachments may be downloaded from. Only test harnesses set this, to reach a local stand-in;
   * there is no environment variable for it on purpose.
   * @defaultValue DISCORD_FILE_HOSTS (https://cdn.discordapp.com, https://media.discordapp.net)
   */
  fileHosts?: FileHostPolicy;
  /** Bounds on unauthenticated request bodies. @defaultValue BodyGuard's (256 KiB, 64 at once, 10 s) */
  bodyGuard?: BodyGuardOptions;
}

export interface DiscordBot {
  readonly adapter: DiscordDelivery;
  /** The port the interactions endpoint listens on (DISCORD_PORT, or the free one picked for 0). */
  readonly port: number;
  /** Stops the endpoint, waits for follow-ups and edits under way, stops REST timers. Idempotent. */
  close(): Promise<void>;
}

/** Missing Discord settings, named (a deployment mistake caught at startup). */
/** A ConfigError, so every entry point reports it like any other bad setting: one line, no stack. */
export class DiscordConfigError extends ConfigError {
  constructor(variable: string, why: string) {
    super([`${variable} is required for the Discord bot: ${why}`]);
    this.name = 'DiscordConfigError';
  }
}

export async function startDiscordBot(options: DiscordBotOptions): Promise<DiscordBot> {
  const { config } = options;
  const logger = (options.logger ?? silentLogger).child({ component: 'discord' });
  if (!config.DISCORD_PUBLIC_KEY)
    throw new DiscordConfigError('DISCORD_PUBLIC_KEY', 'every interaction is verified against it');
  const adapter = options.adapter ?? createDiscordDelivery({ config, logger });
  const server = await startInteractionServer({
    port: config.DISCORD_PORT,
    ...(options.host === undefined ? {} : { host: options.host }),
    publicKey: discordPublicKey(config.DISCORD_PUBLIC_KEY),
    ...options.bodyGuard,
    logger,
    handle: (interaction) =>
      handleInteraction(interaction, {
        queue: options.services.queue,
        delivery: adapter,
        blobMaxBytes: config.KK_BLOB_MAX_BYTES,
        logger,
        ...(options.downloadTimeoutMs === undefined ? {} : { downloadTimeoutMs: options.downloadTimeoutMs }),
        ...(options.helpCapabilities ? { helpCapabilities: options.helpCapabilities } : {}),
        ...(options.fileHosts ? { fileHosts: options.fileHosts } : {}),
      }),
  });
  let closing: Promise<void> | undefined;
  return {
    adapter,
    port: server.port,
    close() {
      closing ??= (async () => {
        await server.close();
        await adapter.close();
      })();
      return closing;
    },
  };
}

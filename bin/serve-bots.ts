/**
 * The bot service: the Discord, Slack and web playground adapters (whichever are configured), the queue's
 * delivery for them, and - unless KK_WORKER=0 - a worker in the same process. Any number of these processes (and of
 * `npm run worker` hosts) can share one Redis. Runs until SIGTERM/SIGINT.
 */
import type { Config } from '../config/config.ts';
import type { Logger } from '../config/logger.ts';
import { createDiscordDelivery, startDiscordBot } from '../bots/discord/index.ts';
import { createSlackBot } from '../bots/slack/index.ts';
import { createWebDelivery, startWebPlayground } from '../bots/web/index.ts';
import { defaultModelDir } from '../models/default-model-dir.ts';
import { readManifest } from '../models/load-bundle.ts';
import { PipelineHost, pipelineHostOptionsFromConfig } from '../pipeline/host/pipeline-host.ts';
import type { DeliveryAdapter } from '../queue/delivery.ts';
import type { Platform } from '../queue/edit-job.ts';
import { closeOnSignals, startQueueServices } from '../queue/queue-services.ts';

/** Which platforms this configuration serves: the chat bots, and the web playground with KK_WEB. */
export function configuredPlatforms(config: Config): Platform[] {
  const platforms: Platform[] = [];
  if (config.DISCORD_PUBLIC_KEY) platforms.push('discord');
  if (config.SLACK_BOT_TOKEN) platforms.push('slack');
  if (config.KK_WEB) platforms.push('web');
  return platforms;
}

export interface ServingBots {
  /** The playground's address, when it is served. */
  webUrl: string | undefined;
}

export async function serveBots(config: Config, logger: Logger): Promise<ServingBots> {
  const platforms = configuredPlatforms(config);
  // The adapters first: a missing setting (a Slack token without its signing secret) is reported at
  // once, as a configuration message, before the model loads.
  const discordDelivery = platforms.includes('discord')
    ? createDiscordDelivery({ config, logger })
    : undefined;
  const slack = platforms.includes('slack') ? createSlackBot({ config, logger }) : undefined;
  const webDelivery = platforms.includes('web') ? createWebDelivery({ logger }) : undefined;
  const modelDir = config.KK_MODEL_DIR ?? defaultModelDir();
  // The worker's model runs in a child process (pipeline/host/): inference and rendering would otherwise
  // block this event loop, and with it Discord's 3-second deadline and Slack's acks. Bot-only replicas
  // (KK_WORKER=0) start none: they only need the model id jobs ask for.
  const pipeline = config.KK_WORKER
    ? await PipelineHost.start(pipelineHostOptionsFromConfig(config, logger))
    : undefined;
  const manifest = await readManifest(modelDir);
  const modelId = pipeline?.modelId ?? `${manifest.id}@${manifest.version}`;
  // `/edit help` lists what this model can do (kk-tiny knows 16 edits and a fixed vocabulary).
  const helpCapabilities = manifest.capabilities;

  const adapters: Partial<Record<Platform, DeliveryAdapter>> = {};
  if (discordDelivery) adapters.discord = discordDelivery;
  if (slack) adapters.slack = slack.adapter;
  if (webDelivery) adapters.web = webDelivery;

  const services = await startQueueServices({
    config,
    modelId,
    sweepFrames: manifest.defaults.sweepFrames,
    ...(pipeline ? { runner: pipeline } : {}),
    adapters,
    logger,
  });
  const discord = discordDelivery
    ? await startDiscordBot({
        config,
        services,
        logger,
        adapter: discordDelivery,
        ...(helpCapabilities ? { helpCapabilities } : {}),
      })
    : undefined;
  await slack?.start(services);
  const web = webDelivery
    ? await startWebPlayground({
        config,
        services,
        delivery: webDelivery,
        model: {
          id: modelId,
          sweepFrames: manifest.defaults.sweepFrames,
          ...(helpCapabilities ? { capabilities: helpCapabilities } : {}),
        },
        logger,
      })
    : undefined;
  closeOnSignals(
    {
      close: async () => {
        // Stop taking Slack events, let the worker finish and delivery hand over, then close Discord (its
        // close() also ends the REST client that delivery used) and the playground (its pages' event
        // streams carry what delivery handed over until then).
        await slack?.close();
        await services.close();
        await discord?.close();
        await web?.close();
        await pipeline?.dispose();
      },
    },
    logger,
  );
  logger.info({ platforms, model: modelId, worker: pipeline !== undefined, webUrl: web?.url }, 'bot ready');
  return { webUrl: web?.url };
}

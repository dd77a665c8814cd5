/**
 * The web playground in one call, the third platform adapter beside Discord and Slack. Queue services take
 * their adapters when they start, so create the delivery first:
 *
 *   const web = createWebDelivery({ logger });
 *   const services = await startQueueServices({ config, modelId, sweepFrames, adapters: { web } });
 *   const playground = await startWebPlayground({ config, services, delivery: web, model, logger });
 *
 * Every edit goes through `services.queue` (caps, fairness, the worker, delivery) as a chat command does.
 */
import type { Config } from '../../config/config.ts';
import type { Logger } from '../../config/logger.ts';
import { silentLogger } from '../../config/logger.ts';
import { INSTRUCTION_MAX_LENGTH, type HelpCapabilities } from '../../commands/index.ts';
import { DEFAULT_EXAMPLES_DIR, ExampleImages } from './example-images.ts';
import { StaticFiles } from './static-files.ts';
import type { WebQueue } from './web-api.ts';
import { WebDelivery, type WebDeliveryOptions } from './web-delivery.ts';
import { startWebServer, type WebServer } from './web-server.ts';

export type WebConfig = Pick<Config, 'KK_WEB_PORT' | 'KK_WEB_HOST' | 'KK_BLOB_MAX_BYTES'>;

/** What the page lists about the model (model.json). */
export interface WebModelInfo {
  /** `id@version`, as jobs name it. */
  id: string;
  sweepFrames: number;
  capabilities?: HelpCapabilities;
}

/** The web `DeliveryAdapter`, to hand to `startQueueServices` as `adapters.web`. */
export function createWebDelivery(options: WebDeliveryOptions = {}): WebDelivery {
  return new WebDelivery({
    ...options,
    logger: (options.logger ?? silentLogger).child({ component: 'web' }),
  });
}

export interface WebPlaygroundOptions {
  config: WebConfig;
  services: { readonly queue: WebQueue };
  delivery: WebDelivery;
  model: WebModelInfo;
  /** Folder of example photos. @defaultValue the embedded model's eval-images/ */
  examplesDir?: string;
  /** @defaultValue silentLogger */
  logger?: Logger;
}

export interface WebPlayground {
  readonly port: number;
  readonly url: string;
  /** Stops the server and ends the event streams. Idempotent. */
  close(): Promise<void>;
}

export async function startWebPlayground(options: WebPlaygroundOptions): Promise<WebPlayground> {
  const { config, model, delivery } = options;
  const logger = (options.logger ?? silentLogger).child({ component: 'web' });
  const examples = await ExampleImages.load(options.examplesDir ?? DEFAULT_EXAMPLES_DIR);
  const server: WebServer = await startWebServer({
    api: {
      queue: options.services.queue,
      delivery,
      examples,
      sweepFrames: model.sweepFrames,
      blobMaxBytes: config.KK_BLOB_MAX_BYTES,
      logger,
    },
    info: {
      model: { id: model.id, sweepFrames: model.sweepFrames, capabilities: model.capabilities ?? null },
      limits: { maxImageBytes: config.KK_BLOB_MAX_BYTES, instructionMaxLength: INSTRUCTION_MAX_LENGTH },
      examples: examples.names.map((name) => ({ name, url: `/api/examples/${encodeURIComponent(name)}` })),
    },
    files: await StaticFiles.load(),
    port: config.KK_WEB_PORT,
    host: config.KK_WEB_HOST,
    logger,
  });
  let closing: Promise<void> | undefined;
  return {
    port: server.port,
    url: server.url,
    close() {
      closing ??= (async () => {
        delivery.close();
        await server.close();
      })();
      return closing;
    },
  };
}

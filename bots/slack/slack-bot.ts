/**
 * The Slack bot: a Bolt `App` that serves `/edit`, the result buttons, the status line's Cancel
 * button and the "Edit this image" message shortcut with its modal, and the 'slack' delivery adapter
 * that answers with Bolt's WebClient. HTTP mode (Bolt's HTTPReceiver on SLACK_PORT, requests
 * verified with SLACK_SIGNING_SECRET at /slack/events) by default; Socket Mode when SLACK_APP_TOKEN is
 * set. The Web API base URL is SLACK_API_URL (tests point it at a stand-in).
 *
 * Delivery needs the adapter before the queue services start, and the listeners need the queue, so
 * there are two steps:
 *
 *   const slack = createSlackBot({ config, logger });
 *   const services = await startQueueServices({ ..., adapters: { slack: slack.adapter } });
 *   await slack.start(services);
 *
 * `startSlackBot({ config, services, logger })` does both when the services exist already (their
 * delivery then has to get `bot.adapter` some other way, e.g. a replica without delivery).
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { App, type BlockButtonAction, type MessageShortcut, type ViewSubmitAction } from '@slack/bolt';
import { ConfigError, type Config } from '../../config/config.ts';
import type { Logger } from '../../config/logger.ts';
import { silentLogger } from '../../config/logger.ts';
import { EDIT_COMMAND_NAME } from '../../commands/index.ts';
import type { QueueServices } from '../../queue/queue-services.ts';
import { boltLogger } from './bolt-logger.ts';
import { handleCancelButton } from './cancel-button.ts';
import type { HelpCapabilities } from '../../commands/index.ts';
import type { FileHostPolicy } from '../file-hosts/file-host-policy.ts';
import type { BodyGuardOptions } from '../http-guard/body-guard.ts';
import { createGuardedReceiver } from './guarded-receiver.ts';
import { handleEditButton, handleEditCommand, type EditHandlerContext } from './edit-handlers.ts';
import { EDIT_MODAL_CALLBACK_ID, EDIT_SHORTCUT_CALLBACK_ID } from './edit-modal.ts';
import { handleEditModal, handleEditShortcut } from './edit-shortcut.ts';
import { SlackDeliveryAdapter } from './slack-delivery.ts';
import { ACTION_ID_PATTERN, CANCEL_ACTION_ID } from './slack-messages.ts';

export interface SlackBotOptions {
  /** Reads SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET / SLACK_APP_TOKEN, SLACK_PORT, SLACK_API_URL, KK_BLOB_MAX_BYTES. */
  config: Config;
  /** @defaultValue silentLogger */
  logger?: Logger;
  /** Least time between two progress edits of a status message. @defaultValue 2000 */
  progressIntervalMs?: number;
  /** `/edit` ignores images shared longer ago than this. @defaultValue 86400 */
  imageMaxAgeSeconds?: number;
  /** WebClient retries per call (Bolt's default is 10, with backoff). @defaultValue 10 */
  apiRetries?: number;
  /** The model's `capabilities` (model.json), listed in `/edit help`. @defaultValue none */
  helpCapabilities?: HelpCapabilities;
  /** Source image download limit, redirects and body included. @defaultValue 20000 */
  downloadTimeoutMs?: number;
  /**
   * Where source images may be downloaded from (with the bot token). Only test harnesses set this, to
   * reach a local stand-in; there is no environment variable for it on purpose.
   * @defaultValue SLACK_FILE_HOSTS (https://files.slack.com)
   */
  fileHosts?: FileHostPolicy;
  /** HTTP mode: bounds on unauthenticated request bodies. @defaultValue BodyGuard's (256 KiB, 64, 10 s) */
  bodyGuard?: BodyGuardOptions;
}

export interface SlackBot {
  /** Give this to `startQueueServices({ adapters: { slack } })`. */
  readonly adapter: SlackDeliveryAdapter;
  readonly app: App;
  readonly mode: 'http' | 'socket';
  /** Connects (auth.test), registers nothing new, starts the receiver. Resolves when it listens. */
  start(services: Pick<QueueServices, 'queue'>): Promise<void>;
  /** The HTTP receiver's port once started (SLACK_PORT=0 picks a free one); undefined in Socket Mode. */
  readonly port: number | undefined;
  /** Stops the receiver. Idempotent; does not close the queue services. */
  close(): Promise<void>;
}

/** A ConfigError, so every entry point reports it like any other bad setting: one line, no stack. */
export class SlackConfigError extends ConfigError {
  constructor(missing: string) {
    super([`The Slack bot needs ${missing}`]);
    this.name = 'SlackConfigError';
  }
}

export function createSlackBot(options: SlackBotOptions): SlackBot {
  const { config } = options;
  const logger = (options.logger ?? silentLogger).child({ component: 'slack' });
  const token = config.SLACK_BOT_TOKEN;
  if (!token) throw new SlackConfigError('SLACK_BOT_TOKEN (xoxb-...)');
  const socketMode = config.SLACK_APP_TOKEN !== undefined;
  if (!socketMode && !config.SLACK_SIGNING_SECRET)
    throw new SlackConfigError('SLACK_SIGNING_SECRET for HTTP mode (or SLACK_APP_TOKEN for Socket Mode)');

  const clientOptions = {
    slackApiUrl: config.SLACK_API_URL,
    retryConfig: { retries: options.apiRetries ?? 10, factor: 1.96, randomize: true },
  };
  const app = socketMode
    ? new App({
        token,
        appToken: config.SLACK_APP_TOKEN,
        socketMode: true,
        clientOptions,
        // The Socket Mode client opens its connection (apps.connections.open) through these options.
        installerOptions: { clientOptions: { slackApiUrl: config.SLACK_API_URL } },
        logger: boltLogger(logger),
        deferInitialization: true,
      })
    : new App({
        token,
        receiver: createGuardedReceiver({
          signingSecret: config.SLACK_SIGNING_SECRET ?? '',
          endpoint: '/slack/events',
          boltLogger: boltLogger(logger),
          logger,
          ...options.bodyGuard,
        }),
        clientOptions,
        logger: boltLogger(logger),
        deferInitialization: true,
      });
  const adapter = new SlackDeliveryAdapter({
    client: app.client,
    logger,
    ...(options.progressIntervalMs === undefined ? {} : { progressIntervalMs: options.progressIntervalMs }),
  });

  let ctx: EditHandlerContext | undefined;
  const ready = (): EditHandlerContext => {
    if (!ctx) throw new Error('the Slack bot got an event before start()');
    return ctx;
  };
  app.command(`/${EDIT_COMMAND_NAME}`, (args) => handleEditCommand(ready(), args));
  app.action<BlockButtonAction>({ type: 'block_actions', action_id: ACTION_ID_PATTERN }, (args) =>
    handleEditButton(ready(), args),
  );
  app.action<BlockButtonAction>({ type: 'block_actions', action_id: CANCEL_ACTION_ID }, (args) =>
    handleCancelButton(ready(), args),
  );
  app.shortcut<MessageShortcut>({ type: 'message_action', callback_id: EDIT_SHORTCUT_CALLBACK_ID }, (args) =>
    handleEditShortcut(ready(), args),
  );
  app.view<ViewSubmitAction>({ type: 'view_submission', callback_id: EDIT_MODAL_CALLBACK_ID }, (args) =>
    handleEditModal(ready(), args),
  );
  app.error(async (err) => {
    logger.error({ err, code: err.code }, 'slack listener failed');
  });

  let server: Server | undefined;
  const port = () => (server ? (server.address() as AddressInfo).port : undefined);
  let starting: Promise<void> | undefined;
  let listening = false;
  let closing: Promise<void> | undefined;
  return {
    adapter,
    app,
    mode: socketMode ? 'socket' : 'http',
    get port() {
      return port();
    },
    start(services) {
      starting ??= (async () => {
        ctx = {
          queue: services.queue,
          botToken: token,
          maxImageBytes: config.KK_BLOB_MAX_BYTES,
          imageMaxAgeSeconds: options.imageMaxAgeSeconds ?? 86_400,
          statusLines: adapter,
          logger,
          ...(options.helpCapabilities ? { helpCapabilities: options.helpCapabilities } : {}),
          ...(options.downloadTimeoutMs === undefined
            ? {}
            : { downloadTimeoutMs: options.downloadTimeoutMs }),
          ...(options.fileHosts ? { fileHosts: options.fileHosts } : {}),
        };
        await app.init();
        // The bot's name, for the "/invite @name" hint (auth.test's `user` is the bot user's name).
        const botName = (await app.client.auth.test()).user;
        if (botName) ctx.botName = botName;
        const started: unknown = socketMode ? await app.start() : await app.start(config.SLACK_PORT);
        if (!socketMode) server = started as Server;
        listening = true;
        logger.info({ mode: socketMode ? 'socket' : 'http', port: port() }, 'slack bot started');
      })();
      return starting;
    },
    close() {
      closing ??= (async () => {
        await starting?.catch(() => undefined);
        // A start that failed (auth.test refused the token) left nothing to stop.
        if (listening) await app.stop();
      })();
      return closing;
    },
  };
}

/** `createSlackBot(options)` then `start(services)`; returns the started bot. */
export async function startSlackBot(
  options: SlackBotOptions & { services: Pick<QueueServices, 'queue'> },
): Promise<SlackBot> {
  const bot = createSlackBot(options);
  await bot.start(options.services);
  return bot;
}

/**
 * What the Slack end-to-end tests share: the stand-in Slack started, the bot on real Bolt, the queue
 * services (queue, worker with the given runner, delivery) on the test Redis under the file's own prefix,
 * and one teardown that stops them and deletes the prefix's keys.
 */
import { TINT_SWEEP_FRAMES } from '../../queue/tint-runner.ts';
import { parseConfig, type Config } from '../../../config/config.ts';
import { createQueueMetrics } from '../../../queue/metrics.ts';
import { startQueueServices, type QueueServices } from '../../../queue/queue-services.ts';
import type { EditRunner } from '../../../pipeline/types.ts';
import { createSlackBot, type SlackBot, type SlackBotOptions } from '../../../bots/slack/index.ts';
import { standInFileHosts } from '../../../bots/file-hosts/file-host-policy.ts';
import { REDIS_URL, commandClient, deleteKeys } from '../../queue/helpers.ts';
import type { StandInSlack } from './stand-in-slack.ts';

export interface SlackHarness {
  config: Config;
  bot: SlackBot;
  services: QueueServices;
  /** Where the stand-in sends signed requests (HTTP mode; undefined in Socket Mode). */
  botUrl: string | undefined;
  /** Stops the bot, the services and the stand-in, and deletes the prefix's keys. */
  close(): Promise<void>;
}

export async function startSlackHarness(options: {
  slack: StandInSlack;
  prefix: string;
  runner: EditRunner;
  /** Environment on top of Redis, the prefix, a free metrics port and the stand-in's API URL. */
  env: Record<string, string>;
  bot?: Omit<SlackBotOptions, 'config'>;
}): Promise<SlackHarness> {
  const { slack, prefix, runner } = options;
  await slack.start();
  const config = parseConfig({
    REDIS_URL,
    KK_QUEUE_PREFIX: prefix,
    KK_METRICS_PORT: '0',
    SLACK_API_URL: slack.apiUrl,
    ...options.env,
  });
  // The stand-in serves files over plain http on loopback; production allows only https://files.slack.com.
  const bot = createSlackBot({
    apiRetries: 0,
    fileHosts: standInFileHosts(slack.apiUrl),
    ...options.bot,
    config,
  });
  const services = await startQueueServices({
    config,
    modelId: runner.modelId,
    sweepFrames: TINT_SWEEP_FRAMES,
    runner,
    adapters: { slack: bot.adapter },
    metrics: createQueueMetrics(),
  });
  await bot.start(services);
  return {
    config,
    bot,
    services,
    botUrl: bot.port === undefined ? undefined : `http://127.0.0.1:${bot.port}/slack/events`,
    async close() {
      await bot.close();
      await services.close();
      await slack.close();
      const redis = commandClient();
      await deleteKeys(redis, prefix);
      await redis.quit();
    },
  };
}

/**
 * `npm run bots`: the bot service alone, the entry point of deployments (compose.yaml's `bot` service).
 * `npm start` falls back to the local demo when no chat platform is configured; a container must not, or a
 * missing `.env` turns into a demo edit in a restart loop. So this refuses to start without Discord, Slack
 * or the web playground (KK_WEB), with one line naming what to set. KK_WORKER still decides whether a worker runs in this process.
 */
import { ConfigError, loadConfig } from '../config/config.ts';
import { createLogger } from '../config/logger.ts';
import { configuredPlatforms, serveBots } from './serve-bots.ts';

async function main(): Promise<void> {
  const config = await loadConfig();
  if (configuredPlatforms(config).length === 0) {
    throw new ConfigError([
      'no chat platform configured: set DISCORD_PUBLIC_KEY (Discord) and/or SLACK_BOT_TOKEN (Slack), ' +
        'with the variables each one needs, or KK_WEB=1 for the web playground (README, Configuration; .env.example)',
    ]);
  }
  const logger = createLogger({ level: config.LOG_LEVEL, format: config.LOG_FORMAT, name: 'kk' });
  await serveBots(config, logger);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) console.error(error.message);
  else console.error(error);
  process.exit(1);
});

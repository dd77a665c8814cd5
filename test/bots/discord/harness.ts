/**
 * The Discord bot on real parts for a test file: the stand-in Discord, queue services on the real Redis
 * (a unique prefix, deleted afterwards) with an in-process worker running `runner`, and the bot's
 * interactions endpoint on a free loopback port.
 */
import { TINT_SWEEP_FRAMES } from '../../queue/tint-runner.ts';
import { parseConfig, type Config } from '../../../config/config.ts';
import type { EditRunner } from '../../../pipeline/types.ts';
import { startQueueServices, type QueueServices } from '../../../queue/queue-services.ts';
import { createDiscordDelivery, startDiscordBot, type DiscordBot } from '../../../bots/discord/index.ts';
import { standInFileHosts } from '../../../bots/file-hosts/file-host-policy.ts';
import { commandClient, deleteKeys, uniquePrefix, waitFor } from '../../queue/helpers.ts';
import { startStandInDiscord, type RecordedCall, type StandInDiscord } from './stand-in-discord.ts';
import type { SentInteraction } from './interactions.ts';

export interface BotHarness {
  standIn: StandInDiscord;
  config: Config;
  services: QueueServices;
  bot: DiscordBot;
  botUrl: string;
  send(
    interaction: SentInteraction,
    options?: { tamper?: boolean; ageSeconds?: number },
  ): Promise<{ status: number; body: unknown }>;
  /** Recorded webhook edits of one interaction's original response, in order. */
  editsOf(token: string): RecordedCall[];
  /** Waits for an accepted edit of `token`'s original response that matches `match`. */
  waitForEdit(token: string, match: (call: RecordedCall) => boolean, what: string): Promise<RecordedCall>;
  /** Waits for the edit that carries the result's files. */
  waitForResult(token: string): Promise<RecordedCall>;
  close(): Promise<void>;
}

export async function startBotHarness(
  name: string,
  runner: EditRunner,
  env: Record<string, string> = {},
): Promise<BotHarness> {
  const prefix = uniquePrefix(name);
  const standIn = await startStandInDiscord();
  const config = parseConfig({
    KK_QUEUE_PREFIX: prefix,
    KK_METRICS_PORT: '0',
    DISCORD_PUBLIC_KEY: standIn.publicKeyHex,
    DISCORD_PORT: '0',
    DISCORD_API_URL: standIn.apiUrl,
    DISCORD_TOKEN: standIn.botToken,
    ...env,
  });
  const adapter = createDiscordDelivery({ config });
  const services = await startQueueServices({
    config,
    modelId: runner.modelId,
    sweepFrames: TINT_SWEEP_FRAMES,
    runner,
    adapters: { discord: adapter },
  });
  const bot = await startDiscordBot({
    config,
    services,
    adapter,
    host: '127.0.0.1',
    // The stand-in's CDN is plain http on loopback; production allows only Discord's own https hosts.
    fileHosts: standInFileHosts(standIn.apiUrl),
  });
  const botUrl = `http://127.0.0.1:${bot.port}/discord/interactions`;
  const editsOf = (token: string) =>
    standIn.calls.filter(
      (c) => c.method === 'PATCH' && c.route.startsWith('/webhooks/') && c.route.includes(token),
    );
  async function waitForEdit(token: string, match: (call: RecordedCall) => boolean, what: string) {
    let found: RecordedCall | undefined;
    await waitFor(
      () => {
        found = editsOf(token).find((c) => c.status === 200 && match(c));
        return found !== undefined;
      },
      15_000,
      `${what} (interaction ${token})`,
    );
    return found as RecordedCall;
  }
  return {
    standIn,
    config,
    services,
    bot,
    botUrl,
    send: (interaction, options) => standIn.sendInteraction(botUrl, interaction.payload, options),
    editsOf,
    waitForEdit,
    waitForResult: (token) => waitForEdit(token, (c) => c.files.length > 0, 'the result'),
    async close() {
      await bot.close();
      await services.close();
      await standIn.close();
      const redis = commandClient();
      await deleteKeys(redis, prefix);
      await redis.quit();
    },
  };
}

/** The buttons of a message body: [custom_id, label, disabled]. */
export function buttonsOf(call: RecordedCall): { customId: string; label: string; disabled: boolean }[] {
  const rows = (call.json?.components ?? []) as { components: Record<string, unknown>[] }[];
  return rows.flatMap((row) =>
    row.components.map((b) => ({
      customId: String(b.custom_id),
      label: String(b.label),
      disabled: b.disabled === true,
    })),
  );
}

/**
 * The few Discord REST calls the adapter makes, each one `rest.*` call (the discord.js project's @discordjs/rest
 * handles rate limits and multipart uploads). Interaction webhooks authenticate with the interaction
 * token in the URL; only the channel-message fallback and command registration need the bot token.
 */
import { DiscordAPIError, REST } from '@discordjs/rest';
import { Routes } from 'discord-api-types/v10';
import type { DiscordMessage } from './payloads.ts';

export interface DiscordRestOptions {
  /** REST base URL without the version. @defaultValue 'https://discord.com/api' (DISCORD_API_URL) */
  apiUrl?: string;
  /** Bot token; needed for channel messages and command registration only. @defaultValue none */
  botToken?: string;
  /** Per-request timeout. @defaultValue 15000 */
  timeoutMs?: number;
}

export function createDiscordRest(options: DiscordRestOptions = {}): REST {
  const rest = new REST({
    api: options.apiUrl ?? 'https://discord.com/api',
    version: '10',
    timeout: options.timeoutMs ?? 15_000,
  });
  if (options.botToken) rest.setToken(options.botToken);
  return rest;
}

/** Stops @discordjs/rest's sweep timers so the process can exit. */
export function closeDiscordRest(rest: REST): void {
  rest.clearHashSweeper();
  rest.clearHandlerSweeper();
}

/** PATCH the original response of an interaction (its token lasts 15 minutes). */
export async function editOriginalResponse(
  rest: REST,
  applicationId: string,
  token: string,
  message: DiscordMessage,
): Promise<void> {
  await rest.patch(Routes.webhookMessage(applicationId, token, '@original'), {
    ...requestOf(message),
    auth: false,
  });
}

/** POST a follow-up message to an interaction (ephemeral when `message.flags` says so). */
export async function createFollowupMessage(
  rest: REST,
  applicationId: string,
  token: string,
  message: DiscordMessage,
): Promise<void> {
  await rest.post(Routes.webhook(applicationId, token), { ...requestOf(message), auth: false });
}

/** POST a message in a channel as the bot (needs the bot token, View Channel, Send Messages, Attach Files). */
export async function createChannelMessage(
  rest: REST,
  channelId: string,
  message: DiscordMessage,
): Promise<void> {
  await rest.post(Routes.channelMessages(channelId), requestOf(message));
}

/** True for the errors an expired or unknown interaction token gives (401, 404). */
export function isExpiredTokenError(err: unknown): boolean {
  return err instanceof DiscordAPIError && (err.status === 401 || err.status === 404);
}

function requestOf(message: DiscordMessage) {
  const { files, ...body } = message;
  return {
    body,
    ...(files && files.length > 0
      ? { files: files.map((f) => ({ name: f.name, contentType: f.contentType, data: Buffer.from(f.data) })) }
      : {}),
  };
}

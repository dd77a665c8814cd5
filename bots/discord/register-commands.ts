/**
 * Registers `/edit`, `/kk-help` and the message command "Edit image" globally for the application (a bulk overwrite: PUT
 * /applications/{id}/commands), from the definitions in commands/definitions.ts. Run once per change:
 *
 *   DISCORD_TOKEN=... DISCORD_APPLICATION_ID=... npx tsx bots/discord/register-commands.ts
 */
import { pathToFileURL } from 'node:url';
import type { REST } from '@discordjs/rest';
import { Routes } from 'discord-api-types/v10';
import { buildDiscordEditCommand, buildDiscordEditImageCommand } from '../../commands/index.ts';
import { ConfigError, loadConfig } from '../../config/config.ts';
import { closeDiscordRest, createDiscordRest } from './discord-rest.ts';
import { buildDiscordHelpCommand } from './help-command.ts';

/** Every command the bot answers, as Discord's bulk-overwrite body. */
export function discordCommands() {
  return [buildDiscordEditCommand(), buildDiscordHelpCommand(), buildDiscordEditImageCommand()];
}

/** PUTs the commands; returns the names Discord answered with. */
export async function registerCommands(rest: REST, applicationId: string): Promise<string[]> {
  const registered = (await rest.put(Routes.applicationCommands(applicationId), {
    body: discordCommands(),
  })) as { name: string }[];
  return registered.map((command) => command.name);
}

async function main(): Promise<void> {
  const config = await loadConfig();
  const missing = (['DISCORD_TOKEN', 'DISCORD_APPLICATION_ID'] as const).filter((name) => !config[name]);
  if (missing.length > 0)
    throw new ConfigError(missing.map((name) => `${name}: required to register commands`));
  const rest = createDiscordRest({
    apiUrl: config.DISCORD_API_URL,
    botToken: config.DISCORD_TOKEN as string,
  });
  try {
    const names = await registerCommands(rest, config.DISCORD_APPLICATION_ID as string);
    console.log(`registered: ${names.join(', ')}`);
  } finally {
    closeDiscordRest(rest);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}

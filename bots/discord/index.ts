/** The Discord adapter: HTTP interactions in, queue jobs out, results back as message edits. */
export {
  createDiscordDelivery,
  startDiscordBot,
  DiscordConfigError,
  type DiscordBot,
  type DiscordBotOptions,
  type DiscordConfig,
} from './start-discord-bot.ts';
export { DiscordDelivery, discordReplyToSchema, type DiscordReplyTo } from './discord-delivery.ts';
export { INTERACTIONS_PATH } from './interaction-server.ts';
export { discordCommands, registerCommands } from './register-commands.ts';
export { HELP_COMMAND_NAME, buildDiscordHelpCommand } from './help-command.ts';
export * from './payloads.ts';

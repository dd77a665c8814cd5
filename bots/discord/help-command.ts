/**
 * `/kk-help`: the help text without having to attach an image (`/edit` requires one). Registered next to
 * `/edit` by register-commands.ts; `/edit instruction:help` shows the same text.
 */
import { DISCORD_CHAT_INPUT_COMMAND, discordCommandReach } from '../../commands/index.ts';

export const HELP_COMMAND_NAME = 'kk-help';

export function buildDiscordHelpCommand() {
  return {
    type: DISCORD_CHAT_INPUT_COMMAND,
    ...discordCommandReach(),
    name: HELP_COMMAND_NAME,
    description: 'How to use /edit: strength, sweeps, seeds and the buttons',
  };
}

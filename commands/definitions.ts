/**
 * The `/edit` command as each platform registers it: Discord's application commands (`/edit` and the
 * "Edit image" message command) and the Slack app manifest. Both are built from the grammar's constants (`limits.ts`), so a limit
 * changed there changes here; tests hold them equal. Plain data: no platform SDK is imported.
 */
import {
  DEFAULT_STRENGTH,
  EDIT_COMMAND_NAME,
  INSTRUCTION_MAX_LENGTH,
  MAX_SEED,
  MAX_STEPS,
  MAX_SWEEP_FRAMES,
  MIN_SEED,
  MIN_STEPS,
  STRENGTH_MAX_LENGTH,
} from './limits.ts';

/** Discord's application command option types (only the ones used here). */
export const DiscordOptionType = { String: 3, Integer: 4, Attachment: 11 } as const;
/** Discord's application command type for slash commands. */
export const DISCORD_CHAT_INPUT_COMMAND = 1;
/** Discord's application command type for a message's context menu ("Apps" -> "Edit image"). */
export const DISCORD_MESSAGE_COMMAND = 3;

/**
 * Where the commands work (Discord's `contexts`): 0 = in servers, 1 = in the bot's DM. Not 2 (group
 * DMs and DMs between users): that needs a user install, and the bot could not post results there.
 */
export const DISCORD_COMMAND_CONTEXTS = [0, 1] as const;
/** How the app is installed (Discord's `integration_types`): 0 = to a server (guild install). */
export const DISCORD_INTEGRATION_TYPES = [0] as const;

/** Where every command is available; Discord's default without these is wider than the bot serves. */
interface DiscordCommandReach {
  contexts: (typeof DISCORD_COMMAND_CONTEXTS)[number][];
  integration_types: (typeof DISCORD_INTEGRATION_TYPES)[number][];
}

export function discordCommandReach(): DiscordCommandReach {
  return { contexts: [...DISCORD_COMMAND_CONTEXTS], integration_types: [...DISCORD_INTEGRATION_TYPES] };
}

/** The message context-menu command's name (Discord shows it as written, spaces and capitals included). */
export const DISCORD_EDIT_IMAGE_COMMAND_NAME = 'Edit image';

/** The slash command's option names; strength, seed and steps match the text grammar's. */
export const DISCORD_OPTION_NAMES = {
  instruction: 'instruction',
  image: 'image',
  strength: 'strength',
  seed: 'seed',
  steps: 'steps',
} as const;

interface DiscordOptionBase {
  name: string;
  /** 1-100 characters. */
  description: string;
  required?: boolean;
}
export interface DiscordStringOption extends DiscordOptionBase {
  type: typeof DiscordOptionType.String;
  min_length?: number;
  max_length?: number;
}
export interface DiscordIntegerOption extends DiscordOptionBase {
  type: typeof DiscordOptionType.Integer;
  min_value?: number;
  max_value?: number;
}
export interface DiscordAttachmentOption extends DiscordOptionBase {
  type: typeof DiscordOptionType.Attachment;
}
export type DiscordOption = DiscordStringOption | DiscordIntegerOption | DiscordAttachmentOption;

export interface DiscordSlashCommand extends DiscordCommandReach {
  type: typeof DISCORD_CHAT_INPUT_COMMAND;
  name: string;
  description: string;
  /** Discord requires the required options first. */
  options: DiscordOption[];
}

/** Body for PUT /applications/{id}/commands (bulk overwrite takes an array of these). */
export function buildDiscordEditCommand(): DiscordSlashCommand {
  return {
    type: DISCORD_CHAT_INPUT_COMMAND,
    ...discordCommandReach(),
    name: EDIT_COMMAND_NAME,
    description: 'Edit an image with an instruction, as gently or strongly as you like',
    options: [
      {
        type: DiscordOptionType.String,
        name: DISCORD_OPTION_NAMES.instruction,
        description: 'What to change, e.g. "make it snowy"',
        required: true,
        min_length: 1,
        max_length: INSTRUCTION_MAX_LENGTH,
      },
      {
        type: DiscordOptionType.Attachment,
        name: DISCORD_OPTION_NAMES.image,
        description: 'The image to edit',
        required: true,
      },
      {
        type: DiscordOptionType.String,
        name: DISCORD_OPTION_NAMES.strength,
        description: `0 to 1 (e.g. 0.4 or 40%), or sweep / sweep:${MAX_SWEEP_FRAMES} for an animation; default ${DEFAULT_STRENGTH}`,
        required: false,
        max_length: STRENGTH_MAX_LENGTH,
      },
      {
        type: DiscordOptionType.Integer,
        name: DISCORD_OPTION_NAMES.seed,
        description: 'Noise seed, to repeat a result exactly',
        required: false,
        min_value: MIN_SEED,
        max_value: MAX_SEED,
      },
      {
        type: DiscordOptionType.Integer,
        name: DISCORD_OPTION_NAMES.steps,
        description: "Denoising steps: more is slower and finer (default: the model's)",
        required: false,
        min_value: MIN_STEPS,
        max_value: MAX_STEPS,
      },
    ],
  };
}

export interface DiscordMessageCommand extends DiscordCommandReach {
  type: typeof DISCORD_MESSAGE_COMMAND;
  name: string;
}

/**
 * "Edit image" in a message's Apps menu: Discord's counterpart of Slack's "Edit this image" shortcut.
 * It edits the message's first image; a modal asks for the instruction and the strength. Message
 * commands have no description and no options.
 */
export function buildDiscordEditImageCommand(): DiscordMessageCommand {
  return { type: DISCORD_MESSAGE_COMMAND, ...discordCommandReach(), name: DISCORD_EDIT_IMAGE_COMMAND_NAME };
}

/**
 * Bot scopes the Slack app needs: the slash command, replies, uploading results, reading the source
 * image, and `conversations.info` in each kind of conversation (checking the bot is in it before
 * looking for the image, so the user gets the invite hint).
 */
export const SLACK_BOT_SCOPES = [
  'commands',
  'chat:write',
  'files:write',
  'files:read',
  'channels:read',
  'groups:read',
  'im:read',
  'mpim:read',
] as const;

export interface SlackManifestOptions {
  /** App name shown in Slack (35 characters at most). @defaultValue 'Kontinuous Kontext' */
  appName?: string;
  /** Bot user display name (a-z, 0-9, -, _ and .). @defaultValue 'kontext' */
  botName?: string;
}

/** callback_id of the Slack message shortcut "Edit this image" (bots/slack listens for it). */
export const SLACK_EDIT_SHORTCUT_CALLBACK_ID = 'kk_edit_image';

/**
 * The Slack app manifest (JSON form): socket mode, interactivity for the buttons, the slash command and
 * the "Edit this image" message shortcut.
 */
export function buildSlackManifest(options: SlackManifestOptions = {}) {
  const appName = options.appName ?? 'Kontinuous Kontext';
  return {
    _metadata: { major_version: 1, minor_version: 1 },
    display_information: {
      name: appName,
      description: 'Edit images with an instruction, at a strength from 0 to 1 or as an animated sweep.',
    },
    features: {
      bot_user: { display_name: options.botName ?? 'kontext', always_online: true },
      // The README suggests /edit in the bot's DM; without the Messages tab Slack offers no DM with it.
      app_home: { messages_tab_enabled: true, messages_tab_read_only_enabled: false },
      slash_commands: [
        {
          command: `/${EDIT_COMMAND_NAME}`,
          description: 'Edit an image with an instruction; strength 0-1, or sweep for an animation',
          usage_hint: slackUsageHint(),
          should_escape: false,
        },
      ],
      shortcuts: [
        {
          name: 'Edit this image',
          type: 'message' as const,
          callback_id: SLACK_EDIT_SHORTCUT_CALLBACK_ID,
          description: 'Edit the image in this message with an instruction and a strength',
        },
      ],
    },
    oauth_config: { scopes: { bot: [...SLACK_BOT_SCOPES] } },
    settings: {
      interactivity: { is_enabled: true },
      socket_mode_enabled: true,
      org_deploy_enabled: false,
      token_rotation_enabled: false,
    },
  };
}

export type SlackManifest = ReturnType<typeof buildSlackManifest>;

function slackUsageHint(): string {
  return `<instruction> [strength:0-1|sweep|sweep:N] [seed:${MIN_SEED}-${MAX_SEED}] [steps:${MIN_STEPS}-${MAX_STEPS}]`;
}

import { test } from 'node:test';
import assert from 'node:assert/strict';
// Type-only imports: `npm run typecheck` checks our plain-data definitions against each SDK's own
// types for the payload, without loading either SDK here.
import type {
  RESTPostAPIChatInputApplicationCommandsJSONBody,
  RESTPostAPIContextMenuApplicationCommandsJSONBody,
} from 'discord-api-types/v10';
import type { webApi } from '@slack/bolt';
import {
  DISCORD_OPTION_NAMES,
  DiscordOptionType,
  SLACK_BOT_SCOPES,
  buildDiscordEditCommand,
  buildDiscordEditImageCommand,
  buildSlackManifest,
  SLACK_EDIT_SHORTCUT_CALLBACK_ID,
  type DiscordOption,
} from '../../commands/definitions.ts';
import {
  EDIT_COMMAND_NAME,
  INSTRUCTION_MAX_LENGTH,
  MAX_SEED,
  MAX_STEPS,
  MIN_SEED,
  MIN_STEPS,
  OPTION_NAMES,
  STRENGTH_MAX_LENGTH,
} from '../../commands/limits.ts';

const discord: RESTPostAPIChatInputApplicationCommandsJSONBody = buildDiscordEditCommand();
const editImage: RESTPostAPIContextMenuApplicationCommandsJSONBody = buildDiscordEditImageCommand();
const slack: webApi.AppsManifestCreateArguments['manifest'] = buildSlackManifest();

function option(name: string): DiscordOption {
  const found = buildDiscordEditCommand().options.find((o) => o.name === name);
  assert.ok(found, `option ${name}`);
  return found;
}

test('Discord: a chat-input command named after the grammar, with the documented option types', () => {
  assert.equal(discord.type, 1);
  assert.equal(discord.name, EDIT_COMMAND_NAME);
  assert.equal(DiscordOptionType.String, 3);
  assert.equal(DiscordOptionType.Integer, 4);
  assert.equal(DiscordOptionType.Attachment, 11);
  assert.deepEqual(
    buildDiscordEditCommand().options.map((o) => [o.name, o.type, o.required ?? false]),
    [
      ['instruction', 3, true],
      ['image', 11, true],
      ['strength', 3, false],
      ['seed', 4, false],
      ['steps', 4, false],
    ],
  );
});

test("Discord: commands declare where they work: servers and the bot's DM, on a server install", () => {
  for (const command of [discord, editImage]) {
    assert.deepEqual(command.contexts, [0, 1], command.name);
    assert.deepEqual(command.integration_types, [0], command.name);
  }
});

test('Discord: "Edit image" is a message command with no description or options', () => {
  assert.deepEqual(buildDiscordEditImageCommand(), {
    type: 3,
    name: 'Edit image',
    contexts: [0, 1],
    integration_types: [0],
  });
  assert.ok(editImage.name.length >= 1 && editImage.name.length <= 32);
});

test("Discord: option limits are the parser's constants", () => {
  assert.deepEqual(option('instruction'), {
    ...option('instruction'),
    min_length: 1,
    max_length: INSTRUCTION_MAX_LENGTH,
  });
  assert.equal((option('strength') as { max_length?: number }).max_length, STRENGTH_MAX_LENGTH);
  assert.deepEqual(option('seed'), { ...option('seed'), min_value: MIN_SEED, max_value: MAX_SEED });
  assert.deepEqual(option('steps'), { ...option('steps'), min_value: MIN_STEPS, max_value: MAX_STEPS });
  const grammarOptions = [
    DISCORD_OPTION_NAMES.strength,
    DISCORD_OPTION_NAMES.seed,
    DISCORD_OPTION_NAMES.steps,
  ];
  assert.deepEqual(grammarOptions, [...OPTION_NAMES]);
});

test("Discord: names and descriptions fit Discord's documented limits", () => {
  const command = buildDiscordEditCommand();
  const names = [command.name, ...command.options.map((o) => o.name)];
  for (const name of names) assert.match(name, /^[-_\p{Ll}\p{N}]{1,32}$/u, name);
  for (const description of [command.description, ...command.options.map((o) => o.description)]) {
    assert.ok(description.length >= 1 && description.length <= 100, description);
  }
  const firstOptional = command.options.findIndex((o) => !o.required);
  assert.ok(
    command.options.slice(firstOptional).every((o) => !o.required),
    'required options come first',
  );
  assert.ok(INSTRUCTION_MAX_LENGTH <= 6000 && MAX_SEED <= Number.MAX_SAFE_INTEGER);
});

test('Slack: one /edit slash command, socket mode, interactivity, and the needed bot scopes', () => {
  const manifest = buildSlackManifest();
  assert.equal(slack.settings?.socket_mode_enabled, true);
  assert.equal(manifest.settings.interactivity.is_enabled, true);
  assert.deepEqual(manifest.oauth_config.scopes.bot, [
    'commands',
    'chat:write',
    'files:write',
    'files:read',
    'channels:read',
    'groups:read',
    'im:read',
    'mpim:read',
  ]);
  // The bot's DM (suggested in the README) exists only with the Messages tab on.
  assert.equal(slack.features?.app_home?.messages_tab_enabled, true);
  assert.equal(slack.features?.app_home?.messages_tab_read_only_enabled, false);
  assert.deepEqual([...SLACK_BOT_SCOPES], manifest.oauth_config.scopes.bot);
  assert.equal(manifest.features.slash_commands.length, 1);
  const [command] = manifest.features.slash_commands;
  assert.ok(command);
  assert.equal(command.command, `/${EDIT_COMMAND_NAME}`);
  assert.equal(command.should_escape, false, 'the grammar wants the raw text');
  assert.ok(
    command.usage_hint.includes(`${MIN_SEED}-${MAX_SEED}`) &&
      command.usage_hint.includes(`${MIN_STEPS}-${MAX_STEPS}`),
  );
  assert.deepEqual(
    manifest.features.shortcuts.map((s) => [s.type, s.callback_id]),
    [['message', SLACK_EDIT_SHORTCUT_CALLBACK_ID]],
    'the "Edit this image" message shortcut the Slack bot listens for',
  );
});

test("Slack: fields fit the manifest's documented limits", () => {
  const manifest = buildSlackManifest({ appName: 'KK dev', botName: 'kk-dev' });
  assert.equal(manifest.display_information.name, 'KK dev');
  assert.equal(manifest.features.bot_user.display_name, 'kk-dev');
  const defaults = buildSlackManifest();
  assert.ok(defaults.display_information.name.length <= 35);
  assert.ok(defaults.display_information.description.length <= 140);
  assert.match(defaults.features.bot_user.display_name, /^[a-z0-9._-]{1,80}$/);
  const [command] = defaults.features.slash_commands;
  assert.ok(command && command.command.length <= 32);
  assert.ok(command.description.length <= 2000 && command.usage_hint.length <= 1000);
});

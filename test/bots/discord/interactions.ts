/** Interaction payloads as Discord sends them to an Interactions Endpoint (only the fields the bot reads). */
import { interactionToken, snowflake, type StandInAttachment } from './stand-in-discord.ts';

export const APP_ID = '111111111111111111';
export const GUILD_ID = '222222222222222222';
export const CHANNEL_ID = '333333333333333333';

export interface SentInteraction {
  id: string;
  token: string;
  payload: Record<string, unknown>;
}

/** Where an interaction happens: a guild's text channel (the default), or a DM (`guildId: null`). */
export interface InteractionPlace {
  /** @defaultValue GUILD_ID; null: a DM, which Discord sends with `user` instead of `member`. */
  guildId?: string | null;
  /** @defaultValue CHANNEL_ID */
  channelId?: string;
}

function base(type: number, userId: string, place: InteractionPlace = {}): SentInteraction {
  const id = snowflake();
  const token = interactionToken();
  const guildId = place.guildId === undefined ? GUILD_ID : place.guildId;
  const channelId = place.channelId ?? CHANNEL_ID;
  const user = { id: userId, username: `user-${userId}` };
  return {
    id,
    token,
    payload: {
      id,
      application_id: APP_ID,
      type,
      token,
      version: 1,
      ...(guildId === null ? { user } : { guild_id: guildId, member: { user, roles: [] } }),
      channel_id: channelId,
      channel: { id: channelId, type: guildId === null ? 1 : 0 },
      app_permissions: '0',
      locale: 'en-US',
    },
  };
}

export function pingInteraction(): SentInteraction {
  const ping = base(1, 'nobody');
  return {
    ...ping,
    payload: { id: ping.id, application_id: APP_ID, type: 1, token: ping.token, version: 1 },
  };
}

export interface EditOptions {
  instruction: string;
  strength?: string;
  seed?: number;
  steps?: number;
  userId?: string;
}

/** `/edit` with its options and the attachment in `resolved`. */
export function editInteraction(
  attachment: StandInAttachment | undefined,
  options: EditOptions,
): SentInteraction {
  const sent = base(2, options.userId ?? 'user-1');
  const values: { name: string; type: number; value: string | number }[] = [
    { name: 'instruction', type: 3, value: options.instruction },
  ];
  if (attachment) values.push({ name: 'image', type: 11, value: attachment.id });
  if (options.strength !== undefined) values.push({ name: 'strength', type: 3, value: options.strength });
  if (options.seed !== undefined) values.push({ name: 'seed', type: 4, value: options.seed });
  if (options.steps !== undefined) values.push({ name: 'steps', type: 4, value: options.steps });
  sent.payload.data = {
    id: 'command-id',
    name: 'edit',
    type: 1,
    options: values,
    ...(attachment ? { resolved: { attachments: { [attachment.id]: attachment } } } : {}),
  };
  return sent;
}

export function commandInteraction(name: string, userId = 'user-1'): SentInteraction {
  const sent = base(2, userId);
  sent.payload.data = { id: 'command-id', name, type: 1 };
  return sent;
}

/** A press of a button (custom_id) under a message the bot posted, in `place` (default: the test guild). */
export function buttonInteraction(
  customId: string,
  userId = 'user-1',
  place: InteractionPlace = {},
): SentInteraction {
  const sent = base(3, userId, place);
  sent.payload.data = { custom_id: customId, component_type: 2 };
  sent.payload.message = {
    id: snowflake(),
    channel_id: place.channelId ?? CHANNEL_ID,
    content: '',
    components: [],
  };
  return sent;
}

/** "Edit image" used on a message (a MESSAGE command), with the message in `resolved.messages`. */
export function editImageInteraction(
  attachments: StandInAttachment[],
  options: { userId?: string } = {},
): SentInteraction {
  const sent = base(2, options.userId ?? 'user-1');
  const messageId = snowflake();
  sent.payload.data = {
    id: 'edit-image-command-id',
    name: 'Edit image',
    type: 3,
    target_id: messageId,
    resolved: {
      messages: {
        [messageId]: {
          id: messageId,
          channel_id: CHANNEL_ID,
          type: 0,
          content: 'look at this',
          author: { id: 'someone', username: 'someone', discriminator: '0', global_name: null, avatar: null },
          attachments,
          embeds: [],
          mentions: [],
          mention_roles: [],
          pinned: false,
          mention_everyone: false,
          tts: false,
          timestamp: new Date().toISOString(),
          edited_timestamp: null,
          flags: 0,
          components: [],
        },
      },
    },
  };
  return sent;
}

/**
 * The submit of a modal the bot opened (MODAL_SUBMIT), with each Label's text input filled in as
 * Discord sends them: `{ type: 18, id, component: { type: 4, id, custom_id, value } }`.
 */
export function modalSubmitInteraction(
  customId: string,
  values: Record<string, string>,
  userId = 'user-1',
): SentInteraction {
  const sent = base(5, userId);
  sent.payload.data = {
    custom_id: customId,
    components: Object.entries(values).map(([inputId, value], i) => ({
      type: 18,
      id: 2 * i + 1,
      component: { type: 4, id: 2 * i + 2, custom_id: inputId, value },
    })),
  };
  return sent;
}

/**
 * Whether the bot is in the conversation an edit comes from, asked before anything else touches it:
 * `files.list` in a private channel the bot is not in fails (Slack hides the channel), and in a public
 * one it finds nothing, so without this check the user got "Something went wrong" or "I couldn't find
 * an image" instead of the fix. `conversations.info` answers `is_member` for channels and
 * `channel_not_found` for a conversation the bot cannot see (a private channel it is not in, someone
 * else's DM); the bot's own DM has no `is_member` and needs none.
 */
import type { webApi } from '@slack/bolt';
import { NotInChannelError } from './errors.ts';

/** Throws `NotInChannelError` (with the invite hint) unless the bot is in `channelId`. */
export async function checkMembership(
  client: webApi.WebClient,
  channelId: string,
  botName: string | undefined,
): Promise<void> {
  let member: boolean | undefined;
  try {
    const info = await client.conversations.info({ channel: channelId });
    member = info.channel?.is_member;
  } catch (err) {
    const code = (err as { data?: { error?: string } }).data?.error;
    if (code === 'channel_not_found') throw new NotInChannelError({ channelId, botName, cause: err });
    throw err;
  }
  if (member === false) throw new NotInChannelError({ channelId, botName });
}

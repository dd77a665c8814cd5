/**
 * What can go wrong on the Slack side before an edit is queued: no image to edit, a file that is not
 * an image, or a channel the bot cannot post in. Each is a `UserFacingError`, shown to the user
 * ephemerally with its hint.
 */
import { UserFacingError } from '../../commands/errors.ts';

export type SlackSourceErrorCode =
  | 'no_recent_image'
  | 'not_an_image'
  | 'image_download_failed'
  /** The download did not finish within its time limit (a slow or stalled file host). */
  | 'image_download_timeout'
  /** The file's URL, or a redirect, is not Slack's file host. */
  | 'image_host_refused';

/** The source image could not be found or read. */
export class SlackSourceError extends UserFacingError {
  declare readonly code: SlackSourceErrorCode;
  constructor(
    code: SlackSourceErrorCode,
    userMessage: string,
    options: { hint?: string; cause?: unknown } = {},
  ) {
    super(code, userMessage, options);
  }
}

/**
 * The bot is not a member of the conversation, so it can neither see the user's image nor post the
 * result. In a channel the fix is an invite; a DM between other people the bot can never join.
 */
export class NotInChannelError extends UserFacingError {
  constructor(options: { channelId: string; botName?: string | undefined; cause?: unknown }) {
    const dm = options.channelId.startsWith('D');
    super(
      'not_in_channel',
      dm
        ? "I can't see this conversation."
        : "I'm not in this channel, so I can't see your image or post here.",
      {
        hint: dm
          ? 'use /edit in a channel I am in, or in a DM with me'
          : `invite me with /invite @${options.botName ?? 'kontext'}, then run /edit again`,
        cause: options.cause,
      },
    );
  }
}

/** The parent of a button's edit is gone (finished jobs and blobs expire after KK_BLOB_TTL_SECONDS). */
export class ParentExpiredError extends UserFacingError {
  constructor() {
    super('parent_expired', 'That edit has expired, so its buttons no longer work.', {
      hint: 'run /edit again',
    });
  }
}

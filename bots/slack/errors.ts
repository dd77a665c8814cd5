/**
 * What can go wrong on the Slack side before an edit is queued: no image to edit, a file that is not
 * an image, or a channel the bot cannot post in. Each is a `UserFacingError`, shown to the user
 * ephemerally with its hint.
 */
import { UserFacingError } from '../../commands/errors.ts';

export type SlackSourceErrorCode = 'no_recent_image' | 'not_an_image' | 'image_download_failed';

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

/** The bot is not a member of the channel, so it could not post the status message or the result. */
export class NotInChannelError extends UserFacingError {
  constructor(cause?: unknown) {
    super('not_in_channel', "I can't post in this channel yet.", {
      hint: 'invite me first: /invite @kontext',
      cause,
    });
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

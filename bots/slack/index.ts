/** The Slack adapter: `createSlackBot` / `startSlackBot`, its delivery adapter and its pure message builders. */
export {
  createSlackBot,
  startSlackBot,
  SlackConfigError,
  type SlackBot,
  type SlackBotOptions,
} from './slack-bot.ts';
export { SlackDeliveryAdapter, slackReplyToSchema, type SlackReplyTo } from './slack-delivery.ts';
export * from './slack-messages.ts';
export { NotInChannelError, ParentExpiredError, SlackSourceError } from './errors.ts';
export { SLACK_IMAGE_TYPES, downloadSlackFile, findRecentImage } from './source-image.ts';
export {
  EDIT_MODAL_CALLBACK_ID,
  EDIT_SHORTCUT_CALLBACK_ID,
  buildEditModal,
  readEditModal,
  type EditModalMetadata,
} from './edit-modal.ts';

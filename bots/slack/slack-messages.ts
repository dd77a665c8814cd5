/**
 * Every Slack message this adapter sends, as pure functions of the job: the status line (queued,
 * progress, cancelling, cancelled) with its Cancel button, the failure message, the result's comment
 * and its buttons, and error texts. No I/O here.
 */
import type { types } from '@slack/bolt';
import type { EditRequest } from '../../commands/edit-request.ts';
import {
  EDIT_ACTIONS,
  EDIT_COMMAND_NAME,
  canApplyAction,
  formatEditCommand,
  type EditAction,
} from '../../commands/index.ts';
import type { EditJobProgress, EditJobResult } from '../../queue/edit-job.ts';
import { EDIT_STAGE_LABELS } from '../../pipeline/types.ts';
import { formatQueuePosition, type QueuePosition } from '../../queue/queue-position.ts';

/** Button action ids are this prefix plus the `EditAction` (`kk_edit_stronger`); the value is the job id. */
export const ACTION_ID_PREFIX = 'kk_edit_';
export const ACTION_ID_PATTERN = /^kk_edit_(weaker|stronger|sweep|new-seed)$/;

/** The status line's Cancel button (value: the job id); kept apart from the `kk_edit_` result buttons. */
export const CANCEL_ACTION_ID = 'kk_cancel';

/** Ephemeral answers to a Cancel click. */
export const CANCEL_FORBIDDEN_TEXT = ':no_entry: Only the person who asked for this edit can cancel it.';
export const CANCEL_TOO_LATE_TEXT = 'This edit has already finished.';

export function actionIdFor(action: EditAction): string {
  return `${ACTION_ID_PREFIX}${action}`;
}

/** The EditAction of a button's action id, or undefined for ids this adapter did not make. */
export function actionOf(actionId: string): EditAction | undefined {
  const match = ACTION_ID_PATTERN.exec(actionId);
  return match ? (match[1] as EditAction) : undefined;
}

/**
 * Escapes the three characters Slack's mrkdwn treats as control (`&`, `<`, `>`), so an echoed
 * instruction cannot ping `<!channel>` or render a link.
 */
export function escapeSlackText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** "<@U1> /edit make it warmer strength:0.7 seed:42": who asked for what, in canonical form. */
export function describeEdit(userId: string, request: EditRequest): string {
  return `<@${userId}> /${EDIT_COMMAND_NAME} ${escapeSlackText(formatEditCommand(request))}`;
}

export function progressLabel(progress: EditJobProgress): string {
  const label = EDIT_STAGE_LABELS[progress.stage] ?? progress.stage;
  return progress.total > 1 ? `${label} ${progress.step}/${progress.total}` : label;
}

export type StatusState =
  | { kind: 'queued'; position: QueuePosition }
  | { kind: 'progress'; progress: EditJobProgress }
  | { kind: 'failed'; userMessage: string; hint?: string | undefined }
  /** Cancel pressed on a running edit: it stops at the next step, then fails with code 'cancelled'. */
  | { kind: 'cancelling' }
  /** Cancel pressed on a queued edit: it was removed and nothing more will be posted for it. */
  | { kind: 'cancelled' };

/** The status line an edit keeps updating ("#2 in queue", "editing 3/20"), and the failure message. */
export function statusText(userId: string, request: EditRequest, state: StatusState): string {
  const who = describeEdit(userId, request);
  switch (state.kind) {
    case 'queued':
      return `:hourglass_flowing_sand: ${who} - ${formatQueuePosition(state.position)}`;
    case 'progress':
      return `:art: ${who} - ${progressLabel(state.progress)}`;
    case 'failed':
      return `:x: ${who} - ${userErrorText(state)}`;
    case 'cancelling':
      return `:hourglass: ${who} - Cancelling...`;
    case 'cancelled':
      return `:no_entry_sign: ${who} - Cancelled.`;
  }
}

/** Only a queued or running edit can still be cancelled; every other state has no button. */
function isCancellable(state: StatusState): boolean {
  return state.kind === 'queued' || state.kind === 'progress';
}

/** The Cancel button of a job's status line (style danger, value = the job id). */
export function cancelButton(jobId: string): types.Button {
  return {
    type: 'button',
    action_id: CANCEL_ACTION_ID,
    text: { type: 'plain_text', text: 'Cancel' },
    style: 'danger',
    value: jobId,
  };
}

/**
 * The status line as blocks: its text, plus the Cancel button while the edit is queued or running.
 * `blocks` is always sent (never left out) because chat.update keeps a message's old blocks when the
 * field is missing, which would leave a Cancel button on a "Cancelled." line.
 */
export function statusMessage(
  jobId: string,
  userId: string,
  request: EditRequest,
  state: StatusState,
): { text: string; blocks: types.KnownBlock[] } {
  const text = statusText(userId, request, state);
  // A section's text is capped at 3000 characters; the fallback `text` keeps the whole line.
  const blocks: types.KnownBlock[] = [
    { type: 'section', text: { type: 'mrkdwn', text: text.slice(0, 3000) } },
  ];
  if (isCancellable(state))
    blocks.push({
      type: 'actions',
      block_id: `kk_status:${jobId}`.slice(0, 255),
      elements: [cancelButton(jobId)],
    });
  return { text, blocks };
}

/** "message (hint)" for a user-facing error, escaped. */
export function userErrorText(error: { userMessage: string; hint?: string | undefined }): string {
  const text = error.hint ? `${error.userMessage} (${error.hint})` : error.userMessage;
  return escapeSlackText(text);
}

/** The comment posted with the uploaded result files. */
export function resultComment(userId: string, request: EditRequest, result: EditJobResult): string {
  const strengths = result.strengths.map((s) => Number(s.toFixed(3)));
  const shown = strengths.length === 1 ? `strength ${strengths[0]}` : `${strengths.length} strengths, 0 to 1`;
  const time =
    result.cached || result.timings.total === undefined
      ? 'from the result cache'
      : `${(result.timings.total / 1000).toFixed(1)} s`;
  const note = result.note ? `\n${escapeSlackText(result.note)}` : '';
  return `${describeEdit(userId, request)}\n${result.width}x${result.height}, ${shown}, seed ${result.seed}, ${time}${note}`;
}

/**
 * The buttons a result offers: weaker/stronger only for a single edit that can still move that way
 * (Slack buttons cannot be disabled, so they are left out), sweep only for a single edit, new seed always.
 */
export function availableActions(request: EditRequest): EditAction[] {
  return EDIT_ACTIONS.map((a) => a.action).filter((action) => canApplyAction(action, request));
}

/** The message under a result: Weaker / Stronger / Sweep / New seed, each carrying the parent job id. */
export function resultButtons(
  jobId: string,
  request: EditRequest,
): { text: string; blocks: types.KnownBlock[] } {
  const buttons: types.Button[] = availableActions(request).map((action) => ({
    type: 'button',
    action_id: actionIdFor(action),
    text: { type: 'plain_text', text: EDIT_ACTIONS.find((a) => a.action === action)?.label ?? action },
    value: jobId,
  }));
  const text = 'Adjust this edit:';
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text } },
      { type: 'actions', block_id: `kk_edit:${jobId}`.slice(0, 255), elements: buttons },
    ],
  };
}

/**
 * Where a button may act: a result's or status line's button names its job by id, and an id is easy to
 * copy into another guild, channel or platform (a custom_id or a Slack action value is just text). A
 * button acts only on a job of its own platform and conversation: the same Discord guild and channel (or
 * the same DM channel), the same Slack team and channel. Anyone there may press a result's buttons;
 * Cancel also needs the requester (edit-queue.ts).
 */
import { UserFacingError } from '../commands/errors.ts';
import { platformOfJobId, type EditJobData, type Platform } from './edit-job.ts';

/** The conversation a button was pressed in. `teamId`: the guild or Slack team; absent in a Discord DM. */
export interface Conversation {
  platform: Platform;
  teamId?: string | undefined;
  channelId: string;
}

/** A button pressed outside the conversation (or platform) of the edit it names. */
export class ForeignJobError extends UserFacingError {
  readonly jobId: string;
  constructor(jobId: string) {
    super('foreign_job', 'That button belongs to an edit in another conversation.', {
      hint: 'use the buttons under your own edits',
    });
    this.jobId = jobId;
  }
}

/** True when the job was asked for in `where`; its id and its data must both name the platform. */
export function inConversation(
  jobId: string,
  job: Pick<EditJobData, 'requester'>,
  where: Conversation,
): boolean {
  const { requester } = job;
  return (
    platformOfJobId(jobId) === where.platform &&
    requester.platform === where.platform &&
    requester.teamId === where.teamId &&
    requester.channelId === where.channelId
  );
}

/** Throws `ForeignJobError` unless the job was asked for in `where`. */
export function assertInConversation(
  jobId: string,
  job: Pick<EditJobData, 'requester'>,
  where: Conversation,
): void {
  if (!inConversation(jobId, job, where)) throw new ForeignJobError(jobId);
}

/**
 * Fair ordering between users, as plain arithmetic (start-time fair queuing on BullMQ priorities).
 *
 * Every job gets a virtual start tag: the later of the global virtual clock and the finish tag of the
 * same user's previous job. Its finish tag is start + cost (cost = frames). The BullMQ priority is the
 * start tag (+1, since 0 means "no priority" and would jump every queue), so lower tags run first and
 * equal tags run in arrival order. When a worker starts a job it moves the clock up to that job's tag.
 *
 * Effect: one user's backlog gets tags 0, 1, 2, ... while another user arriving later gets the current
 * clock, i.e. the tag of the job running now, and so runs next. Users are served round-robin,
 * weighted by frames. The admission script (admission.ts) does exactly this arithmetic in Lua, atomically;
 * a test checks the two agree.
 */

/** BullMQ's largest priority (2^21 - 1); tags beyond it are clamped, degrading to arrival order. */
export const PRIORITY_LIMIT = 2 ** 21 - 1;

export interface FairUsage {
  /** The virtual clock: start tag of the most recently started job. */
  clock: number;
  /** The finish tag of this user's previous admitted job (0 if none since the queue was last idle). */
  userFinish: number;
  /** The new job's cost in frames (a single edit is 1, a sweep its frame count). */
  cost: number;
}

export interface FairTag {
  /** The BullMQ priority for the job: start tag + 1, at most PRIORITY_LIMIT. */
  priority: number;
  start: number;
  /** The user's new finish tag, to store for their next job. */
  userFinish: number;
}

/** The priority of a new job given the user's usage; pure, mirrored by the admission Lua script. */
export function priorityFor(usage: FairUsage): FairTag {
  const { clock, userFinish, cost } = usage;
  if (!Number.isInteger(cost) || cost < 1)
    throw new RangeError(`cost must be a positive integer, got ${cost}`);
  if (!(clock >= 0) || !(userFinish >= 0)) throw new RangeError('clock and userFinish must be >= 0');
  const start = Math.max(clock, userFinish);
  return { priority: Math.min(start + 1, PRIORITY_LIMIT), start, userFinish: start + cost };
}

/** The clock after a job with `priority` starts: it never moves backwards. */
export function advanceClock(clock: number, priority: number): number {
  return Math.max(clock, priority - 1);
}

/** A job's cost in frames: what it occupies a GPU for, roughly. */
export function jobCost(strengthCount: number): number {
  return Math.max(1, Math.trunc(strengthCount));
}

/**
 * Which runner progress events are worth a Redis write (and a chat message edit downstream).
 * Always: the first event, a new stage, and the last step of a stage. Otherwise at most one per
 * `intervalMs`. Pure, so it is tested with numbers.
 */
import type { EditProgress } from '../pipeline/types.ts';

export interface ReportedProgress {
  progress: EditProgress;
  at: number;
}

export function shouldReportProgress(
  last: ReportedProgress | undefined,
  next: EditProgress,
  now: number,
  intervalMs: number,
): boolean {
  if (last === undefined) return true;
  if (next.stage !== last.progress.stage) return true;
  if (next.step >= next.total) return true;
  return now - last.at >= intervalMs;
}

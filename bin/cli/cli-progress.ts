/**
 * The `kk` progress line. The pipeline counts denoising progress over the whole run (a 16-frame sweep
 * in 4 batches of 4 steps is 16 "steps"); a person wants the denoising step and, for a sweep run in
 * several batches, which batch, plus how long is left.
 */
import { EDIT_STAGE_LABELS, type EditProgress } from '../../pipeline/types.ts';

export interface ProgressContext {
  /** Denoising steps per batch (the request's, or the bundle's default). */
  steps: number;
  /** When the denoising stage started (ms), for the ETA. */
  startedAt: number;
  now: number;
}

const BAR_WIDTH = 24;

/** One line: stage, bar, "step 2/4, batch 3/5", and the time left once it can be estimated. */
export function formatProgress(progress: EditProgress, context: ProgressContext): string {
  const filled = Math.round((progress.step / progress.total) * BAR_WIDTH);
  const bar = `${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}`;
  const label = EDIT_STAGE_LABELS[progress.stage].padEnd(20);
  if (progress.stage !== 'denoise') return `${label} [${bar}]`;
  const steps = Math.max(1, context.steps);
  const batches = Math.max(1, Math.ceil(progress.total / steps));
  const step = ((progress.step - 1) % steps) + 1;
  const batch = Math.ceil(progress.step / steps);
  const where = batches > 1 ? `step ${step}/${steps}, batch ${batch}/${batches}` : `step ${step}/${steps}`;
  const elapsed = context.now - context.startedAt;
  const left = (elapsed / progress.step) * (progress.total - progress.step);
  const eta = progress.step < progress.total && elapsed > 0 ? `, ${formatSeconds(left)} left` : '';
  return `${label} [${bar}] ${where}${eta}`;
}

function formatSeconds(ms: number): string {
  const seconds = Math.ceil(ms / 1000);
  return seconds < 60 ? `${seconds} s` : `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

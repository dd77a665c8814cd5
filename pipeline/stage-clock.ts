/**
 * Timings and progress for one edit: `time(stage, fn)` runs a stage, adds its wall time to `timings[stage]`
 * (a stage can run several times, e.g. once per batch) and reports it done through `onProgress`.
 */
import type { EditProgress, EditStage } from './types.ts';
import { throwIfAborted } from './errors.ts';

export class StageClock {
  readonly timings: Record<string, number> = {};
  private readonly started = performance.now();

  constructor(
    private readonly onProgress: ((progress: EditProgress) => void) | undefined,
    private readonly signal: AbortSignal | undefined,
  ) {}

  /** Runs `fn` as `stage` (checking the signal first) and reports the stage complete. */
  async time<T>(stage: EditStage, fn: () => Promise<T> | T, report = true): Promise<T> {
    throwIfAborted(this.signal);
    const start = performance.now();
    try {
      const result = await fn();
      if (report) this.progress({ stage, step: 1, total: 1 });
      return result;
    } finally {
      this.timings[stage] = (this.timings[stage] ?? 0) + (performance.now() - start);
    }
  }

  progress(progress: EditProgress): void {
    this.onProgress?.(progress);
  }

  /** The timings with "total" added, rounded to 0.1 ms. */
  finish(): Record<string, number> {
    const result: Record<string, number> = {};
    for (const [stage, ms] of Object.entries(this.timings)) result[stage] = Math.round(ms * 10) / 10;
    result.total = Math.round((performance.now() - this.started) * 10) / 10;
    return result;
  }
}

/**
 * An `EditRunner` that can hold the worker busy: while held, each run waits (as "running" in the queue)
 * before it reaches the real runner, so a second edit stays queued long enough to be seen and cancelled.
 */
import type { EditInput, EditResult, EditRunner } from '../../../pipeline/types.ts';

export class GatedRunner implements EditRunner {
  private gate: Promise<void> | undefined;
  private open: (() => void) | undefined;

  constructor(private readonly inner: EditRunner) {}

  get modelId(): string {
    return this.inner.modelId;
  }

  hold(): void {
    this.gate ??= new Promise((resolve) => (this.open = resolve));
  }

  release(): void {
    this.open?.();
    this.gate = undefined;
    this.open = undefined;
  }

  async run(input: EditInput): Promise<EditResult> {
    if (this.gate) await this.gate;
    return this.inner.run(input);
  }

  dispose(): Promise<void> {
    this.release();
    return this.inner.dispose();
  }
}

/**
 * A small real `EditRunner` for queue tests: decodes the source with sharp, "edits" it by tinting it
 * red in proportion to each strength (green and blue scaled by 1 - s), and returns PNGs (a single edit)
 * or an animated GIF plus a contact sheet (a sweep). It reports progress over `steps` denoise steps,
 * sleeping `stepMs` per step, and stops between steps when its signal aborts - like the real pipeline.
 */
import sharp from 'sharp';
import { UserFacingError } from '../../commands/errors.ts';
import type { EditFile, EditInput, EditResult, EditRunner } from '../../pipeline/types.ts';

export interface TintRunnerOptions {
  /** @defaultValue 'tint-test' */
  modelId?: string;
  /** Sleep per denoise step. @defaultValue 5 */
  stepMs?: number;
  /** Steps when the job names none. @defaultValue 4 */
  defaultSteps?: number;
  /** The first this-many runs throw a transient (non user-facing) error. @defaultValue 0 */
  failFirst?: number;
  /** Side of the square the image is reduced to before tinting, to keep tests fast. @defaultValue 32 */
  side?: number;
}

/** What the tint runner's "model" would say in model.json's defaults.sweepFrames (tests' queues use it). */
export const TINT_SWEEP_FRAMES = 6;

export class TintRunner implements EditRunner {
  readonly modelId: string;
  /** Every `run()` call, in order (the cache test counts them). */
  readonly calls: EditInput[] = [];
  /** Resolves the next time a run reports its first denoise step. */
  started: Promise<void>;
  private markStarted!: () => void;
  private readonly opts: Required<Omit<TintRunnerOptions, 'modelId'>>;
  disposed = false;

  constructor(options: TintRunnerOptions = {}) {
    this.modelId = options.modelId ?? 'tint-test';
    this.opts = { stepMs: 5, defaultSteps: 4, failFirst: 0, side: 32, ...options };
    this.started = this.resetStarted();
  }

  private resetStarted(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.markStarted = resolve;
    });
  }

  async run(input: EditInput): Promise<EditResult> {
    this.calls.push(input);
    const t0 = Date.now();
    if (this.calls.length <= this.opts.failFirst) throw new Error(`transient failure #${this.calls.length}`);
    const steps = input.steps ?? this.opts.defaultSteps;
    input.onProgress?.({ stage: 'preprocess', step: 1, total: 1 });
    let base: Buffer;
    try {
      base = await sharp(input.image)
        .resize(this.opts.side, this.opts.side, { fit: 'inside' })
        .removeAlpha()
        .png()
        .toBuffer();
    } catch (err) {
      throw new UserFacingError('input_image', 'That file is not an image I can read.', { cause: err });
    }
    for (let step = 1; step <= steps; step++) {
      input.signal?.throwIfAborted();
      await sleep(this.opts.stepMs);
      input.onProgress?.({ stage: 'denoise', step, total: steps });
      if (step === 1) {
        this.markStarted();
        this.started = this.resetStarted();
      }
    }
    input.signal?.throwIfAborted();
    const frames = await Promise.all(
      input.strengths.map((s) =>
        sharp(base)
          .linear([1, 1 - s, 1 - s], [0, 0, 0])
          .png()
          .toBuffer(),
      ),
    );
    input.onProgress?.({ stage: 'render', step: 1, total: 1 });
    const { width = 0, height = 0 } = await sharp(frames[0]).metadata();
    const files: EditFile[] =
      frames.length === 1
        ? [{ name: 'edit.png', mime: 'image/png', data: frames[0] as Buffer }]
        : [
            {
              name: 'sweep.gif',
              mime: 'image/gif',
              data: await sharp(frames, { join: { animated: true } })
                .gif()
                .toBuffer(),
            },
            {
              name: 'sweep-sheet.png',
              mime: 'image/png',
              data: await sharp(frames, { join: { across: frames.length } })
                .png()
                .toBuffer(),
            },
          ];
    return {
      kind: frames.length === 1 ? 'single' : 'sweep',
      files,
      width,
      height,
      strengths: input.strengths,
      seed: input.seed,
      steps,
      modelId: this.modelId,
      timings: { total: Date.now() - t0 },
    };
  }

  async dispose(): Promise<void> {
    this.disposed = true;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

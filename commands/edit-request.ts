/**
 * The typed request every layer consumes. The grammar (`parse-edit-command.ts`) produces it,
 * the formatter renders it back, the queue carries it, and the pipeline runs it.
 */

/**
 * A single edit at one strength in [0, 1], or an animated sweep of `frames` strengths. A sweep without
 * `frames` (plain `strength:sweep`) has the model's default, `defaults.sweepFrames` in its model.json:
 * the one source of that number. The queue fills it in when the job is created (EditQueue's
 * `sweepFrames`), so jobs always carry a count.
 */
export type StrengthSpec = { kind: 'single'; value: number } | { kind: 'sweep'; frames?: number };

export interface EditRequest {
  /** Trimmed, whitespace-folded instruction text, e.g. "make it snowy". */
  instruction: string;
  strength: StrengthSpec;
  /** Initial-noise seed; undefined means "let the bot choose one" (it is then fixed in the job). */
  seed?: number;
  /** Denoising steps; undefined means the model bundle's default. */
  steps?: number;
}

/**
 * The strengths a sweep of `frames` frames runs, weak to strong: i/(frames-1) for i = 0..frames-1,
 * so a sweep starts at the unedited image (s = 0, still run through the model) and ends at the full edit.
 */
export function sweepStrengths(frames: number): number[] {
  if (!Number.isInteger(frames) || frames < 2)
    throw new RangeError(`sweep needs at least 2 frames, got ${frames}`);
  return Array.from({ length: frames }, (_, i) => i / (frames - 1));
}

/** The strengths a request runs, in order; `defaultSweepFrames` is the model's `defaults.sweepFrames`. */
export function strengthsOf(request: EditRequest, defaultSweepFrames: number): number[] {
  return request.strength.kind === 'single'
    ? [request.strength.value]
    : sweepStrengths(request.strength.frames ?? defaultSweepFrames);
}

/** The request with a sweep's frame count filled in from the model's default. */
export function withSweepFrames(request: EditRequest, defaultSweepFrames: number): EditRequest {
  if (request.strength.kind !== 'sweep' || request.strength.frames !== undefined) return request;
  return { ...request, strength: { kind: 'sweep', frames: defaultSweepFrames } };
}

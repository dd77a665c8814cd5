/**
 * The typed request every layer consumes. The grammar (`parse-edit-command.ts`) produces it,
 * the formatter renders it back, the queue carries it, and the pipeline runs it.
 */

/** A single edit at one strength in [0, 1], or an animated sweep of `frames` strengths. */
export type StrengthSpec = { kind: 'single'; value: number } | { kind: 'sweep'; frames: number };

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

/** The strengths a request runs, in order. */
export function strengthsOf(request: EditRequest): number[] {
  return request.strength.kind === 'single'
    ? [request.strength.value]
    : sweepStrengths(request.strength.frames);
}

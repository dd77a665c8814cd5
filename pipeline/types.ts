/**
 * The pipeline's public contract: what a worker hands it and what it returns.
 * `EditPipeline` (pipeline/edit-pipeline.ts) implements `EditRunner`; the queue's worker
 * depends only on this interface, so a no-op runner can stand in for benchmarks.
 */

export type OutputFormat = 'png' | 'webp' | 'jpeg';

export interface EditInput {
  /** The source image, encoded (PNG, JPEG, WebP, GIF first frame...). */
  image: Uint8Array;
  instruction: string;
  /** One strength -> a single edit; several -> a sweep (weak to strong), run as a batch. Each in [0, 1]. */
  strengths: number[];
  seed: number;
  /** Denoising steps; default: the bundle's. */
  steps?: number;
  /** Guidance scale; default: the bundle's. */
  guidance?: number;
  /** Encoding of a single edit's image. @defaultValue 'png' */
  format?: OutputFormat;
  /** Byte budget for each returned file; the pipeline shrinks (size, then frames) rather than fail. */
  maxBytes?: number;
  signal?: AbortSignal;
  onProgress?: (progress: EditProgress) => void;
}

export type EditStage = 'preprocess' | 'encode-text' | 'encode-image' | 'denoise' | 'decode' | 'render';

/** How each stage reads in a progress line shown to a user. */
export const EDIT_STAGE_LABELS: Readonly<Record<EditStage, string>> = {
  preprocess: 'preparing the image',
  'encode-text': 'reading the instruction',
  'encode-image': 'encoding the image',
  denoise: 'editing',
  decode: 'decoding',
  render: 'rendering',
};

export interface EditProgress {
  stage: EditStage;
  /** 1-based step within the stage (denoising step for 'denoise'). */
  step: number;
  total: number;
}

export interface EditFile {
  /** e.g. "edit.png", "sweep.gif", "sweep-sheet.png". */
  name: string;
  mime: string;
  data: Uint8Array;
}

export interface EditResult {
  kind: 'single' | 'sweep';
  /** Single: [image]. Sweep: [animated GIF, contact sheet PNG]. */
  files: EditFile[];
  width: number;
  height: number;
  strengths: number[];
  seed: number;
  steps: number;
  modelId: string;
  /** Milliseconds per stage, plus "total". */
  timings: Record<string, number>;
  /** A remark for the user about this edit, e.g. words of the instruction the model does not know. */
  note?: string;
}

export interface EditRunner {
  readonly modelId: string;
  run(input: EditInput): Promise<EditResult>;
  dispose(): Promise<void>;
}

/** Options for `EditPipeline`, with their defaults and the checks the constructor runs. */
import type { Logger } from '../config/logger.ts';
import { silentLogger } from '../config/logger.ts';
import type { ModelBundle } from '../models/load-bundle.ts';

export interface EditPipelineOptions {
  bundle: ModelBundle;
  /** Largest transformer batch; a sweep with more strengths runs in several batches. @defaultValue 4 */
  maxBatch?: number;
  /** Text-encoding cache budget in bytes; 0 disables. @defaultValue 64 MiB */
  textCacheBytes?: number;
  /** Source-latent cache budget in bytes; 0 disables. @defaultValue 256 MiB */
  sourceCacheBytes?: number;
  /** Strength-0 frames and photos at the output size, for re-edits of transferred single edits; 0 disables. @defaultValue 128 MiB */
  transferCacheBytes?: number;
  /** Longest side of a single edit's output image (it is resized back to the source's size). @defaultValue 2048 */
  maxOutputSide?: number;
  /**
   * Longest side of a sweep's frames when the bundle carries its edits to the photo's size (guided transfer);
   * other bundles' sweeps stay at the working size. The GIF still shrinks to fit `maxBytes`. @defaultValue 512
   */
  maxSweepSide?: number;
  /** Largest source image accepted, in pixels. @defaultValue 40_000_000 */
  maxInputPixels?: number;
  /** Byte budget per output file when the input gives none. @defaultValue 8 MiB */
  maxBytes?: number;
  /** Whether `dispose()` also disposes the bundle. @defaultValue true */
  ownsBundle?: boolean;
  /** @defaultValue silentLogger */
  logger?: Logger;
}

export type ResolvedEditPipelineOptions = Required<EditPipelineOptions>;

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1)
    throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}

function nonNegative(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0)
    throw new RangeError(`${name} must be a finite number >= 0, got ${value}`);
  return value;
}

export function resolveEditPipelineOptions(options: EditPipelineOptions): ResolvedEditPipelineOptions {
  const resolved: ResolvedEditPipelineOptions = {
    maxBatch: 4,
    textCacheBytes: 64 * 2 ** 20,
    sourceCacheBytes: 256 * 2 ** 20,
    transferCacheBytes: 128 * 2 ** 20,
    maxOutputSide: 2048,
    maxSweepSide: 512,
    maxInputPixels: 40_000_000,
    maxBytes: 8 * 2 ** 20,
    ownsBundle: true,
    logger: silentLogger,
    // An explicit `undefined` (e.g. an unset config value passed through) means "the default".
    ...(Object.fromEntries(
      Object.entries(options).filter(([, v]) => v !== undefined),
    ) as EditPipelineOptions),
  };
  positiveInteger('maxBatch', resolved.maxBatch);
  nonNegative('textCacheBytes', resolved.textCacheBytes);
  nonNegative('sourceCacheBytes', resolved.sourceCacheBytes);
  nonNegative('transferCacheBytes', resolved.transferCacheBytes);
  positiveInteger('maxOutputSide', resolved.maxOutputSide);
  positiveInteger('maxSweepSide', resolved.maxSweepSide);
  positiveInteger('maxInputPixels', resolved.maxInputPixels);
  positiveInteger('maxBytes', resolved.maxBytes);
  return resolved;
}

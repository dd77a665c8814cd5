/**
 * Runs one eval case through the real TypeScript pipeline (`EditPipeline.generate`: the bundle's default
 * steps and guidance) and scores it against the procedural target computed by the port on the same
 * prepared source, at the working size.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { EditPipeline } from '../pipeline/edit-pipeline.ts';
import { prepareSource } from '../pipeline/image/preprocess.ts';
import type { RgbFrame } from '../pipeline/image/rgb-frame.ts';
import { editTarget } from './edit-families.ts';
import { CASE_STRENGTHS, FIDELITY_STRENGTHS, SWEEP_STRENGTHS, type EvalCase } from './eval-cases.ts';
import type { EditsSpec } from './edits-spec.ts';
import { psnr, sweepMetrics, type SweepMetrics } from './metrics.ts';
import { gridReport } from './block-grid.ts';
import { transferSweep } from '../pipeline/transfer-to-source-size.ts';

/** A held-out photo: the bytes the pipeline gets and the 8-bit frame it works on. */
export interface EvalSource {
  name: string;
  bytes: Uint8Array;
  frame: RgbFrame;
}

export interface CaseResult extends EvalCase {
  /** PSNR (dB) of the output at s = 0 against the source. */
  identity: number;
  /** PSNR (dB) of the output against the target, by strength (keys: `String(s)`). */
  fidelity: Record<string, number>;
  sweep: SweepMetrics;
  /** The same metrics of the targets' sweep: what a perfect model would score. */
  targetSweep: SweepMetrics;
  /**
   * Block-grid excess of the output at s = 1 over its target at the codec's 8-px block and 16-px token
   * periods (block-grid.ts: no grid within `GRID_MARGIN`). The working-size frame, as the model decodes it.
   */
  grid: { p8: number; p16: number };
  /**
   * The same excess of the result a user gets for a single edit at s = 1: for a bundle whose
   * `defaults.fullResolution` is "guided-transfer", the s = 1 frame carried onto the photo as
   * `EditPipeline.run` does (the eval photos are at their working size, so at that size); else the frame itself.
   */
  deliveredGrid: { p8: number; p16: number };
  /** Wall time of the pipeline call, ms. */
  ms: number;
}

/** The prepared source's `[1, 3, H, W]` tensor (`u / 127.5 - 1`) back to its exact 8-bit frame. */
export function tensorToFrame(pixels: Float32Array, width: number, height: number): RgbFrame {
  const plane = width * height;
  if (pixels.length !== 3 * plane)
    throw new RangeError(`tensor of ${pixels.length} values is not [1, 3, ${height}, ${width}]`);
  const data = new Uint8Array(3 * plane);
  for (let c = 0; c < 3; c++)
    for (let i = 0; i < plane; i++) data[i * 3 + c] = Math.round((pixels[c * plane + i]! + 1) * 127.5);
  return { data, width, height };
}

/** Reads `<dir>/<name>.jpg` and prepares it exactly as the pipeline will (the bundle's maxArea). */
export async function loadEvalSource(pipeline: EditPipeline, dir: string, name: string): Promise<EvalSource> {
  const bytes = new Uint8Array(await readFile(join(dir, `${name}.jpg`)));
  const { manifest } = pipeline.bundle;
  const prepared = await prepareSource(bytes, {
    maxArea: manifest.defaults.maxArea,
    multiple: manifest.vae.scaleFactor * 2,
  });
  return { name, bytes, frame: tensorToFrame(prepared.pixels, prepared.width, prepared.height) };
}

export interface EvaluateCaseOptions {
  /** Rewrites the strengths sent to the pipeline (the CI test breaks the pipeline with it). @defaultValue identity */
  mapStrength?: (s: number) => number;
  /** Denoising steps. @defaultValue the bundle's default */
  steps?: number;
}

/** One case: one pipeline batch of `CASE_STRENGTHS`, scored as FAMILIES.md defines. */
export async function evaluateCase(
  pipeline: EditPipeline,
  spec: EditsSpec,
  source: EvalSource,
  evalCase: EvalCase,
  options: EvaluateCaseOptions = {},
): Promise<CaseResult> {
  const mapStrength = options.mapStrength ?? ((s: number) => s);
  const started = performance.now();
  const generation = await pipeline.generate({
    image: source.bytes,
    instruction: evalCase.instruction,
    strengths: CASE_STRENGTHS.map(mapStrength),
    seed: evalCase.seed,
    steps: options.steps,
  });
  const ms = performance.now() - started;
  const { frames } = generation;
  if (generation.width !== source.frame.width || generation.height !== source.frame.height)
    throw new Error(
      `pipeline worked at ${generation.width}x${generation.height}, the prepared source is ` +
        `${source.frame.width}x${source.frame.height}`,
    );
  const frameAt = (s: number) => frames[CASE_STRENGTHS.indexOf(s)]!;
  const targetAt = (s: number) => editTarget(source.frame, spec, evalCase.family, s, evalCase.colour);

  const fidelity: Record<string, number> = {};
  for (const s of FIDELITY_STRENGTHS) fidelity[String(s)] = psnr(frameAt(s), targetAt(s));
  const [full, fullTarget] = [frameAt(1), targetAt(1)];
  const transfers = pipeline.bundle.manifest.defaults.fullResolution === 'guided-transfer';
  const delivered = transfers ? (await transferSweep(source.frame, [full], frameAt(0)))[0]! : full;
  return {
    ...evalCase,
    grid: { p8: gridReport(full, fullTarget, 8).excess, p16: gridReport(full, fullTarget, 16).excess },
    deliveredGrid: {
      p8: gridReport(delivered, fullTarget, 8).excess,
      p16: gridReport(delivered, fullTarget, 16).excess,
    },
    identity: psnr(frameAt(0), source.frame),
    fidelity,
    sweep: sweepMetrics(SWEEP_STRENGTHS.map(frameAt), source.frame, SWEEP_STRENGTHS),
    targetSweep: sweepMetrics(SWEEP_STRENGTHS.map(targetAt), source.frame, SWEEP_STRENGTHS),
    ms,
  };
}

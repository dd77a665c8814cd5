/**
 * Step "transfer" (photometric bundles only, `defaults.fullResolution` in model.json): the working-size
 * edit carried onto the source at its own size (capped at `maxSide`) by the guided transfer, so the
 * photo's own edges and texture survive and strength 0 gives the photo back.
 *
 * The transform is fitted from the model's own strength-0 output (`reference`), not from the source: the
 * edit is what changes between strength 0 and the asked strength. The model's codec error is in both
 * frames and cancels instead of being carried onto the photo, so strength 0 returns the photo exactly.
 * A per-pixel colour transform cannot blur, so where the edit lost detail that the colour transform does
 * not explain (a blur), the detail-loss term blends toward the model's upsampled result (detail-loss.ts).
 */
import type { RgbFrame } from './image/rgb-frame.ts';
import { checkSource, decodeSourceAt } from './image/preprocess.ts';
import {
  applyLocalAffine,
  fitLocalAffine,
  prepareGuide,
  type FitGuide,
  type GuidedTransferOptions,
} from './image/guided-transfer.ts';
import { withDetailLoss, type DetailLossOptions } from './image/detail-loss.ts';
import { resizeFrame } from './image/resize-frame.ts';
import { outputSize } from './render-files.ts';

export interface TransferOptions extends GuidedTransferOptions {
  /** The detail-loss term's settings, or `false` for the colour transform alone. @defaultValue {} */
  detailLoss?: DetailLossOptions | false;
}

export interface OutputSizeOptions {
  /** Longest side of the output. */
  maxSide: number;
  maxInputPixels: number;
}

/**
 * The photo decoded at the output size, after the same header checks as preprocessing, so it may start
 * before preprocessing has run: the pipeline starts it with the edit and libvips decodes on its own thread
 * while the model runs. The returned promise may be left unawaited when the edit fails first: its own
 * failure is then dropped rather than reported as an unhandled rejection.
 */
export function decodeAtOutputSize(image: Uint8Array, options: OutputSizeOptions): Promise<RgbFrame> {
  const decoded = (async () => {
    const header = await checkSource(image, { maxInputPixels: options.maxInputPixels });
    const size = outputSize(header.width, header.height, options.maxSide);
    return decodeSourceAt(image, size, options.maxInputPixels, header);
  })();
  decoded.catch(() => undefined);
  return decoded;
}

/** Decodes the photo at the output size and transfers the edit onto it (benchmarks and tests). */
export async function transferToSourceSize(
  image: Uint8Array,
  result: RgbFrame,
  reference: RgbFrame,
  options: OutputSizeOptions & TransferOptions,
): Promise<RgbFrame> {
  return transferFrames(await decodeAtOutputSize(image, options), result, reference, options);
}

/** The transfer onto `full`, the photo already decoded at the output size. */
export async function transferFrames(
  full: RgbFrame,
  result: RgbFrame,
  reference: RgbFrame,
  options: TransferOptions = {},
): Promise<RgbFrame> {
  const [frame] = await transferSweep(full, [result], reference, options);
  return frame!;
}

/**
 * Every frame of a sweep (each fitted against the same strength-0 `reference`) onto `full`. The photo is
 * brought to the working size once, and the reference's half of the fit is done once, for all of them.
 * The returned frames are read-only: `reference` itself comes back as `full`.
 */
export async function transferSweep(
  full: RgbFrame,
  results: readonly RgbFrame[],
  reference: RgbFrame,
  options: TransferOptions = {},
): Promise<RgbFrame[]> {
  const { detailLoss = {} } = options;
  // The photo at the working size is resized on a libvips thread while the first fit runs here.
  const working = detailLoss === false ? undefined : resizeFrame(full, reference.width, reference.height);
  working?.catch(() => undefined);
  let guide: FitGuide | undefined;
  const frames: RgbFrame[] = [];
  for (const result of results) {
    // The strength-0 frame itself (a sweep's first, a single edit at 0) transfers to the photo exactly.
    if (result === reference) {
      frames.push(full);
      continue;
    }
    guide ??= prepareGuide(reference, options);
    let affine = fitLocalAffine(reference, result, options, guide);
    if (working && detailLoss !== false)
      affine = withDetailLoss(affine, { reference, result, source: await working }, detailLoss).affine;
    frames.push(applyLocalAffine(affine, full));
  }
  return frames;
}

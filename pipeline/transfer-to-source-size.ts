/**
 * Step "transfer" (photometric bundles only, `defaults.fullResolution` in model.json): the working-size
 * edit carried onto the source at its own size (capped at `maxSide`) by the guided transfer, so the
 * photo's own edges and texture survive and strength 0 gives the photo back.
 *
 * The transform is fitted from the model's own strength-0 output (`reference`), not from the source: the
 * edit is what changes between strength 0 and the asked strength. The model's codec error is in both
 * frames and cancels instead of being carried onto the photo, so strength 0 returns the photo exactly.
 * A per-pixel colour transform cannot blur; see the model card for what that means for kk-tiny's blur.
 */
import type { RgbFrame } from './image/rgb-frame.ts';
import { decodeSourceAt } from './image/preprocess.ts';
import { applyLocalAffine, fitLocalAffine, type GuidedTransferOptions } from './image/guided-transfer.ts';
import { outputSize } from './render-files.ts';

export interface TransferToSourceSizeOptions extends GuidedTransferOptions {
  sourceWidth: number;
  sourceHeight: number;
  /** Longest side of the output. */
  maxSide: number;
  maxInputPixels: number;
}

export async function transferToSourceSize(
  image: Uint8Array,
  result: RgbFrame,
  reference: RgbFrame,
  options: TransferToSourceSizeOptions,
): Promise<RgbFrame> {
  const size = outputSize(options.sourceWidth, options.sourceHeight, options.maxSide);
  const full = await decodeSourceAt(image, size, options.maxInputPixels);
  return applyLocalAffine(fitLocalAffine(reference, result, options), full);
}

/** The guided transfer's fitted colour transform, shared by the fit, the apply step and the detail-loss term. */

/** Values per working pixel: the 3x3 matrix (row per output channel), then the offset. */
export const COEFFICIENTS = 12;

/** Per working-size pixel: the 3x3 matrix and the offset, in [0, 1] colour units. */
export interface LocalAffine {
  width: number;
  height: number;
  /**
   * 12 values per pixel, interleaved: `coefficients[i * 12 + k]`, k = 3 * outputChannel + inputChannel
   * for A, 9 + outputChannel for b.
   */
  coefficients: Float32Array;
}

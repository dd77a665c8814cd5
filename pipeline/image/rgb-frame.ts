/**
 * The one in-memory image type shared by preprocessing, postprocessing and rendering: 8-bit RGB,
 * row-major, no alpha, no padding between rows.
 */
export interface RgbFrame {
  /** RGB, row-major, 3 bytes per pixel: `data.length === width * height * 3`. */
  data: Uint8Array;
  width: number;
  height: number;
}

/** Throws a `RangeError` naming the problem when `frame` is not a consistent RGB frame. */
export function assertRgbFrame(frame: RgbFrame, label = 'frame'): void {
  const { width, height, data } = frame;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`${label}: width and height must be positive integers, got ${width}x${height}`);
  }
  if (data.length !== width * height * 3) {
    throw new RangeError(
      `${label}: expected ${width * height * 3} bytes for ${width}x${height} RGB, got ${data.length}`,
    );
  }
}

/**
 * Mean over a (2r+1)^2 window, clipped at the borders (each output divides by the pixels its window
 * really covers), in O(1) per pixel with running sums. Works on interleaved planes (`channels` values per
 * pixel) so the guided transfer filters all its 21 moment planes in one pass: one pair of hot loops
 * instead of 33 calls and their allocations, which were most of the fit's time.
 */
export function boxMean(plane: Float64Array, width: number, height: number, radius: number): Float64Array {
  return boxMeanInterleaved(plane, 1, width, height, radius, new Float64Array(plane.length));
}

/**
 * `data` holds `channels` interleaved values per pixel. `out` may be `data` itself (filtered in place);
 * `scratch` (one value per input value) can be passed to reuse a buffer.
 */
export function boxMeanInterleaved<T extends Float64Array | Float32Array>(
  data: Float64Array,
  channels: number,
  width: number,
  height: number,
  radius: number,
  out: T,
  scratch = new Float64Array(data.length),
): T {
  if (!Number.isInteger(channels) || channels < 1)
    throw new RangeError(`channels must be a positive integer, got ${channels}`);
  if (data.length !== width * height * channels) {
    throw new RangeError(`${data.length} values are not ${width}x${height}x${channels}`);
  }
  if (!Number.isInteger(radius) || radius < 0)
    throw new RangeError(`radius must be an integer >= 0, got ${radius}`);
  if (out.length !== data.length || scratch.length !== data.length)
    throw new RangeError(`out and scratch must hold ${data.length} values`);
  horizontalMeans(data, channels, width, height, radius, scratch);
  verticalMeans(scratch, channels * width, height, radius, out);
  return out;
}

/** 1 / (the number of pixels a clipped window covers) at each of `length` positions. */
function inverseCounts(length: number, radius: number): Float64Array {
  const inverse = new Float64Array(length);
  for (let i = 0; i < length; i++)
    inverse[i] = 1 / (Math.min(length - 1, i + radius) - Math.max(0, i - radius) + 1);
  return inverse;
}

/** Window means along each row, per channel. */
function horizontalMeans(
  data: Float64Array,
  channels: number,
  width: number,
  height: number,
  radius: number,
  rows: Float64Array,
): void {
  const inverse = inverseCounts(width, radius);
  const sums = new Float64Array(channels);
  const stride = width * channels;
  for (let y = 0; y < height; y++) {
    const row = y * stride;
    sums.fill(0);
    for (let x = 0; x <= Math.min(radius, width - 1); x++)
      for (let c = 0; c < channels; c++) sums[c] = sums[c]! + data[row + x * channels + c]!;
    for (let x = 0; x < width; x++) {
      const scale = inverse[x]!;
      const at = row + x * channels;
      const add = x + radius + 1 < width ? at + (radius + 1) * channels : -1;
      const drop = x - radius >= 0 ? at - radius * channels : -1;
      for (let c = 0; c < channels; c++) {
        let sum = sums[c]!;
        rows[at + c] = sum * scale;
        if (add >= 0) sum += data[add + c]!;
        if (drop >= 0) sum -= data[drop + c]!;
        sums[c] = sum;
      }
    }
  }
}

/**
 * Window means down each column of the row means (a mean of means with equal weights is the window
 * mean); a row is `stride` values, every channel of every pixel.
 */
function verticalMeans(
  rows: Float64Array,
  stride: number,
  height: number,
  radius: number,
  out: Float64Array | Float32Array,
): void {
  const inverse = inverseCounts(height, radius);
  const sums = new Float64Array(stride);
  for (let y = 0; y <= Math.min(radius, height - 1); y++) {
    for (let i = 0; i < stride; i++) sums[i] = sums[i]! + rows[y * stride + i]!;
  }
  for (let y = 0; y < height; y++) {
    const scale = inverse[y]!;
    const add = y + radius + 1 < height ? (y + radius + 1) * stride : -1;
    const drop = y - radius >= 0 ? (y - radius) * stride : -1;
    const row = y * stride;
    for (let i = 0; i < stride; i++) out[row + i] = sums[i]! * scale;
    if (add >= 0) for (let i = 0; i < stride; i++) sums[i] = sums[i]! + rows[add + i]!;
    if (drop >= 0) for (let i = 0; i < stride; i++) sums[i] = sums[i]! - rows[drop + i]!;
  }
}

/**
 * Mean over a (2r+1)^2 window, clipped at the borders (each output divides by the pixels its window
 * really covers), in O(1) per pixel with running sums: the guided transfer filters 33 planes with it.
 */
export function boxMean(plane: Float64Array, width: number, height: number, radius: number): Float64Array {
  if (plane.length !== width * height) {
    throw new RangeError(`plane of ${plane.length} values is not ${width}x${height}`);
  }
  if (!Number.isInteger(radius) || radius < 0)
    throw new RangeError(`radius must be an integer >= 0, got ${radius}`);
  const rows = new Float64Array(plane.length);
  // Horizontal pass: window sums along each row.
  for (let y = 0; y < height; y++) {
    const row = y * width;
    let sum = 0;
    for (let x = 0; x <= Math.min(radius, width - 1); x++) sum += plane[row + x]!;
    for (let x = 0; x < width; x++) {
      const lo = Math.max(0, x - radius);
      const hi = Math.min(width - 1, x + radius);
      rows[row + x] = sum / (hi - lo + 1);
      if (x + radius + 1 < width) sum += plane[row + x + radius + 1]!;
      if (x - radius >= 0) sum -= plane[row + x - radius]!;
    }
  }
  // Vertical pass over the row means: a mean of means with equal weights is the window mean.
  const out = new Float64Array(plane.length);
  const sums = new Float64Array(width);
  for (let y = 0; y <= Math.min(radius, height - 1); y++) {
    for (let x = 0; x < width; x++) sums[x] = sums[x]! + rows[y * width + x]!;
  }
  for (let y = 0; y < height; y++) {
    const count = Math.min(height - 1, y + radius) - Math.max(0, y - radius) + 1;
    const add = y + radius + 1 < height ? (y + radius + 1) * width : -1;
    const drop = y - radius >= 0 ? (y - radius) * width : -1;
    for (let x = 0; x < width; x++) {
      out[y * width + x] = sums[x]! / count;
      if (add >= 0) sums[x] = sums[x]! + rows[add + x]!;
      if (drop >= 0) sums[x] = sums[x]! - rows[drop + x]!;
    }
  }
  return out;
}

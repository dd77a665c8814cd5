/**
 * Rounds like Python's `round()` and NumPy's `ndarray.round()` (ties to the even neighbour), so sizes
 * and pixel values match the diffusers reference exactly; `Math.round` sends ties up instead.
 */
export function roundHalfEven(value: number): number {
  const floor = Math.floor(value);
  const diff = value - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

import type { RgbFrame } from '../image/rgb-frame.ts';
import { assertRgbFrame } from '../image/rgb-frame.ts';
import { boxResize } from './box-resize.ts';
import type { GifPalette } from './gifenc-api.ts';
import { gifenc } from './gifenc-api.ts';

export interface SweepGifOptions {
  /** Time each frame is shown, in ms (GIF stores centiseconds). @defaultValue 150 */
  delayMs?: number;
  /** Play weak -> strong -> weak (the end frames are not repeated) instead of jumping back. @defaultValue false */
  pingPong?: boolean;
  /** Extra time on the weakest and strongest frames, in ms, so the ends can be compared. @defaultValue 500 */
  holdEndsMs?: number;
  /**
   * Byte budget. Over it, frames are first downscaled (to `minSide`), then frames are dropped evenly
   * (the first and last always stay), then frames shrink further. Never throws for size alone: the
   * smallest encoding is returned when nothing fits.
   */
  maxBytes?: number;
  /** Longest side that downscaling goes to before frames are dropped. @defaultValue 160 */
  minSide?: number;
  /** Colours in the shared palette, 2..256. @defaultValue 256 */
  colours?: number;
}

export interface SweepGif {
  data: Uint8Array;
  width: number;
  height: number;
  /** Indices of the input frames in the GIF, in order (before ping-pong doubles them back). */
  keptFrames: number[];
  /** Frames in the file, ping-pong included. */
  frameCount: number;
}

/** Pixels sampled (across all frames together) to build the palette; enough for a stable one. */
const PALETTE_SAMPLE_PIXELS = 1 << 20;
const MAX_ATTEMPTS = 30;

/** An animated, forever-looping GIF of a strength sweep; frames in the order given (weak to strong). */
export function renderSweepGif(frames: RgbFrame[], opts: SweepGifOptions = {}): Uint8Array {
  return encodeSweepGif(frames, opts).data;
}

/** `renderSweepGif` plus what the byte budget changed (size, frames kept). */
export function encodeSweepGif(frames: RgbFrame[], opts: SweepGifOptions = {}): SweepGif {
  const settings = {
    delayMs: opts.delayMs ?? 150,
    pingPong: opts.pingPong ?? false,
    holdEndsMs: opts.holdEndsMs ?? 500,
    maxBytes: opts.maxBytes,
    minSide: opts.minSide ?? 160,
    colours: opts.colours ?? 256,
  };
  validate(frames, settings);
  const { width, height } = frames[0]!;
  const longSide = Math.max(width, height);

  // One palette for every frame: per-frame palettes make flat areas shimmer as the sweep plays.
  const palette = sharedPalette(frames, settings.colours);

  let scale = 1;
  let kept = frames.map((_, i) => i);
  let smallest: SweepGif | undefined;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const w = Math.max(1, Math.round(width * scale));
    const h = Math.max(1, Math.round(height * scale));
    const gif = encodeFrames(
      kept.map((i) => boxResize(frames[i]!, w, h)),
      palette,
      settings,
    );
    const result: SweepGif = {
      data: gif.data,
      width: w,
      height: h,
      keptFrames: kept,
      frameCount: gif.frameCount,
    };
    const { maxBytes } = settings;
    if (maxBytes === undefined || result.data.length <= maxBytes) return result;
    if (!smallest || result.data.length < smallest.data.length) smallest = result;

    // Bytes scale about linearly with area and with frame count; aim a little under the budget.
    const ratio = maxBytes / result.data.length;
    const side = Math.max(w, h);
    if (side > settings.minSide) {
      scale = Math.max(settings.minSide / longSide, scale * clamp(Math.sqrt(ratio) * 0.95, 0.5, 0.9));
    } else if (kept.length > 2) {
      kept = evenlySpaced(frames.length, clamp(Math.floor(kept.length * ratio * 0.95), 2, kept.length - 1));
    } else if (side > 1) {
      scale *= clamp(Math.sqrt(ratio) * 0.95, 0.25, 0.9);
    } else {
      break;
    }
  }
  return smallest!;
}

/** `count` indices spread evenly over `0..total-1`, always including both ends. */
export function evenlySpaced(total: number, count: number): number[] {
  if (count >= total) return Array.from({ length: total }, (_, i) => i);
  if (count <= 1) return [0];
  return Array.from({ length: count }, (_, i) => Math.round((i * (total - 1)) / (count - 1)));
}

/** Positions into the kept frames, in play order. */
export function playOrder(frameCount: number, pingPong: boolean): number[] {
  const forward = Array.from({ length: frameCount }, (_, i) => i);
  if (!pingPong || frameCount < 3) return forward;
  return [...forward, ...forward.slice(1, -1).reverse()];
}

function encodeFrames(
  frames: RgbFrame[],
  palette: GifPalette,
  settings: { delayMs: number; holdEndsMs: number; pingPong: boolean },
): { data: Uint8Array; frameCount: number } {
  const { width, height } = frames[0]!;
  const indexed = frames.map((frame) => gifenc.applyPalette(toRgba(frame), palette, 'rgb565'));
  const order = playOrder(frames.length, settings.pingPong);
  const last = frames.length - 1;
  const gif = gifenc.GIFEncoder();
  order.forEach((position, k) => {
    const isEnd = position === 0 || position === last;
    gif.writeFrame(indexed[position]!, width, height, {
      // Only the first frame carries the palette, which makes it the global colour table.
      ...(k === 0 ? { palette, repeat: 0 } : {}),
      delay: settings.delayMs + (isEnd ? settings.holdEndsMs : 0),
    });
  });
  gif.finish();
  return { data: gif.bytes(), frameCount: order.length };
}

function sharedPalette(frames: RgbFrame[], colours: number): GifPalette {
  const { width, height } = frames[0]!;
  const pixels = width * height;
  let stride = Math.max(1, Math.ceil((pixels * frames.length) / PALETTE_SAMPLE_PIXELS));
  // A stride sharing a factor with the width would sample the same columns on every row.
  while (stride > 1 && gcd(stride, width) > 1) stride++;
  const perFrame = Math.ceil(pixels / stride);
  const sample = new Uint8Array(perFrame * frames.length * 4);
  let o = 0;
  for (const { data } of frames) {
    for (let p = 0; p < pixels; p += stride, o += 4) {
      sample[o] = data[p * 3]!;
      sample[o + 1] = data[p * 3 + 1]!;
      sample[o + 2] = data[p * 3 + 2]!;
      sample[o + 3] = 255;
    }
  }
  // Quantizing from rgb444 bins (4096) rather than rgb565 (65536) keeps pnnquant fast on photos and
  // noise (seconds -> a few hundred ms at 1M samples); bins hold true colour means, and frames are
  // still mapped onto the palette with rgb565 precision.
  return gifenc.quantize(sample, colours, { format: 'rgb444' });
}

function toRgba({ data, width, height }: RgbFrame): Uint8Array {
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0, o = 0; i < data.length; i += 3, o += 4) {
    rgba[o] = data[i]!;
    rgba[o + 1] = data[i + 1]!;
    rgba[o + 2] = data[i + 2]!;
    rgba[o + 3] = 255;
  }
  return rgba;
}

function validate(
  frames: RgbFrame[],
  s: { delayMs: number; holdEndsMs: number; minSide: number; colours: number; maxBytes?: number },
): void {
  if (frames.length === 0) throw new RangeError('renderSweepGif needs at least one frame');
  frames.forEach((frame, i) => assertRgbFrame(frame, `frame ${i}`));
  const { width, height } = frames[0]!;
  if (frames.some((f) => f.width !== width || f.height !== height)) {
    throw new RangeError(`all frames must be ${width}x${height}`);
  }
  // Browsers show delays under 20 ms as 100 ms; GIF stores at most 65535 centiseconds.
  if (!(s.delayMs >= 20 && s.delayMs + s.holdEndsMs <= 655_350)) {
    throw new RangeError(`delayMs must be in [20, 655350], got ${s.delayMs}`);
  }
  if (!(s.holdEndsMs >= 0)) throw new RangeError(`holdEndsMs must be >= 0, got ${s.holdEndsMs}`);
  if (!(s.minSide >= 1)) throw new RangeError(`minSide must be >= 1, got ${s.minSide}`);
  if (!(Number.isInteger(s.colours) && s.colours >= 2 && s.colours <= 256)) {
    throw new RangeError(`colours must be an integer in [2, 256], got ${s.colours}`);
  }
  if (s.maxBytes !== undefined && !(s.maxBytes > 0))
    throw new RangeError(`maxBytes must be > 0, got ${s.maxBytes}`);
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

import sharp from 'sharp';
import type { OutputFormat } from '../types.ts';
import type { RgbFrame } from './rgb-frame.ts';
import { assertRgbFrame } from './rgb-frame.ts';

/**
 * One image of a decoded batch `[B, 3, H, W]` (values in [-1, 1]) -> 8-bit RGB, as diffusers'
 * `postprocess` + `numpy_to_pil`: `round(clamp(x / 2 + 0.5, 0, 1) * 255)` with NumPy's ties-to-even
 * rounding. NaN becomes 0.
 */
export function tensorToRgb(data: Float32Array, batchIndex: number, width: number, height: number): RgbFrame {
  const plane = width * height;
  if (!Number.isInteger(width) || !Number.isInteger(height) || plane < 1) {
    throw new RangeError(`width and height must be positive integers, got ${width}x${height}`);
  }
  if (data.length % (3 * plane) !== 0) {
    throw new RangeError(`tensor of ${data.length} values is not [B, 3, ${height}, ${width}]`);
  }
  const batch = data.length / (3 * plane);
  if (!Number.isInteger(batchIndex) || batchIndex < 0 || batchIndex >= batch) {
    throw new RangeError(`batchIndex ${batchIndex} out of range for a batch of ${batch}`);
  }
  const base = batchIndex * 3 * plane;
  const out = new Uint8Array(3 * plane);
  for (let c = 0; c < 3; c++) {
    const offset = base + c * plane;
    for (let i = 0; i < plane; i++) {
      const unit = data[offset + i]! / 2 + 0.5;
      // `>=`/`<=` are false for NaN, which therefore lands on 0. Rounding is roundHalfEven, inlined: this
      // loop runs 3 million times for a 1024^2 frame and the call was most of its cost.
      if (unit >= 1) out[i * 3 + c] = 255;
      else if (unit > 0) {
        const scaled = unit * 255;
        const rounded = Math.round(scaled); // ties go up; an exact tie onto an odd value goes back down
        out[i * 3 + c] = rounded - scaled === 0.5 && (rounded & 1) === 1 ? rounded - 1 : rounded;
      } else out[i * 3 + c] = 0;
    }
  }
  return { data: out, width, height };
}

export interface EncodeImageOptions {
  format: OutputFormat;
  /** Resize (Lanczos, exact size, aspect not preserved) before encoding, e.g. back to the source size. */
  resizeTo?: { width: number; height: number };
  /**
   * Byte budget. Over it, lossy formats first lower their quality (down to `minQuality`), then the
   * dimensions shrink until the file fits. Never throws for size alone: if even a 1x1 image is over
   * budget, the smallest encoding is returned.
   */
  maxBytes?: number;
  /** Starting quality for webp and jpeg. @defaultValue 90 */
  quality?: number;
  /** Lowest quality tried before shrinking dimensions. @defaultValue 50 */
  minQuality?: number;
}

/** How much quality drops per attempt, and how many attempts at most before giving up on the budget. */
const QUALITY_STEP = 10;
const MAX_ATTEMPTS = 40;

/**
 * PNG settings, tried in order while the file is over budget (before the dimensions shrink). First
 * zlib's fastest level without row filters: 2-3x faster than sharp's default (level 6, no filters) on
 * 2048 px photos, files 13-87% larger (30 KDE wallpapers at 2048 px: at most 7.0 MiB). A noisy photo
 * stays close to its raw size, which fits the default 8 MiB budget up to about 2048x1360 (16:10 and 16:9;
 * a nearly incompressible 3:2 photo is just over). Past the budget: the most compact, adaptive row
 * filters at level 6, 17-52% smaller than sharp's default and 2-4x slower.
 */
const PNG_SETTINGS = [
  { compressionLevel: 1, adaptiveFiltering: false },
  { compressionLevel: 6, adaptiveFiltering: true },
] as const;

/** Encodes an RGB frame as PNG, WebP or JPEG, shrinking it to fit `maxBytes` when given. */
export async function encodeImage(frame: RgbFrame, opts: EncodeImageOptions): Promise<Uint8Array> {
  assertRgbFrame(frame);
  const { format, resizeTo, maxBytes, quality: startQuality = 90, minQuality = 50 } = opts;
  if (resizeTo && !(Number.isInteger(resizeTo.width) && Number.isInteger(resizeTo.height))) {
    throw new RangeError(`resizeTo must be integers, got ${resizeTo.width}x${resizeTo.height}`);
  }
  if (resizeTo && (resizeTo.width < 1 || resizeTo.height < 1)) {
    throw new RangeError(`resizeTo must be positive, got ${resizeTo.width}x${resizeTo.height}`);
  }
  if (maxBytes !== undefined && !(maxBytes > 0))
    throw new RangeError(`maxBytes must be > 0, got ${maxBytes}`);
  if (!(minQuality >= 1 && startQuality <= 100 && minQuality <= startQuality)) {
    throw new RangeError(`need 1 <= minQuality <= quality <= 100, got ${minQuality} and ${startQuality}`);
  }

  const lossy = format !== 'png';
  let width = resizeTo?.width ?? frame.width;
  let height = resizeTo?.height ?? frame.height;
  let quality = startQuality;
  let png = 0;
  let smallest: Uint8Array | undefined;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const encoded = await encodeOnce(frame, { format, width, height, quality, png: PNG_SETTINGS[png]! });
    if (maxBytes === undefined || encoded.length <= maxBytes) return encoded;
    if (!smallest || encoded.length < smallest.length) smallest = encoded;
    if (lossy && quality > minQuality) {
      quality = Math.max(minQuality, quality - QUALITY_STEP);
      continue;
    }
    if (!lossy && png < PNG_SETTINGS.length - 1) {
      png++;
      continue;
    }
    if (width === 1 && height === 1) break;
    // Bytes scale roughly with area; aim a little under the budget so one more try usually fits.
    const scale = Math.min(0.9, Math.max(0.25, Math.sqrt(maxBytes / encoded.length) * 0.95));
    width = Math.max(1, Math.floor(width * scale));
    height = Math.max(1, Math.floor(height * scale));
  }
  return smallest!;
}

async function encodeOnce(
  frame: RgbFrame,
  opts: {
    format: OutputFormat;
    width: number;
    height: number;
    quality: number;
    png: (typeof PNG_SETTINGS)[number];
  },
): Promise<Uint8Array> {
  let image = sharp(frame.data, { raw: { width: frame.width, height: frame.height, channels: 3 } });
  if (opts.width !== frame.width || opts.height !== frame.height) {
    image = image.resize(opts.width, opts.height, { fit: 'fill', kernel: 'lanczos3' });
  }
  switch (opts.format) {
    case 'png':
      image = image.png(opts.png);
      break;
    case 'webp':
      image = image.webp({ quality: opts.quality });
      break;
    case 'jpeg':
      image = image.jpeg({ quality: opts.quality });
      break;
    default:
      throw new RangeError(`unsupported output format ${String(opts.format)}`);
  }
  const buffer = await image.toBuffer();
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.length);
}

import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { InputImageError } from './errors.ts';
import type { RgbFrame } from './rgb-frame.ts';
import { assertRgbFrame } from './rgb-frame.ts';
import { roundHalfEven } from './round-half-even.ts';

export interface PrepareSourceOptions {
  /** Target working area in pixels (width * height), e.g. `1024 * 1024`. */
  maxArea: number;
  /** Each working side is a multiple of this (VAE factor 8 x 2x2 latent packing = 16). */
  multiple: number;
  /**
   * Largest accepted source, in pixels, checked from the header before anything is decoded.
   * @defaultValue 40_000_000 (the default of `KK_MAX_INPUT_PIXELS`)
   */
  maxInputPixels?: number;
  /** Smallest accepted source side, in pixels (after EXIF orientation). @defaultValue 16 */
  minSide?: number;
  /**
   * Largest accepted ratio of the long side to the short one. Past it the working size's short side hits
   * its minimum (`multiple`) and the area overshoots `maxArea` without bound. @defaultValue 8
   */
  maxAspect?: number;
  /**
   * Wall-clock budget for decoding and resizing, in whole seconds (libvips stops and the call fails).
   * A job's own deadline (KK_JOB_TIMEOUT_MS) still bounds anything this misses. @defaultValue 20
   */
  decodeTimeoutSeconds?: number;
}

export interface PreparedSource {
  /** `[1, 3, height, width]`, planar RGB, values in [-1, 1] (`x / 127.5 - 1`). */
  pixels: Float32Array;
  /** Working size: what the VAE sees and what the edit comes out as. */
  width: number;
  height: number;
  /** The source's displayed size (EXIF orientation applied), before resizing. */
  sourceWidth: number;
  sourceHeight: number;
  /** sha256 hex of the input bytes (cache key for the encoded latents). */
  hash: string;
  /** Frames or pages in the source; only the first is used when this is more than 1. */
  pages: number;
}

export const DEFAULT_MAX_INPUT_PIXELS = 40_000_000;
export const DEFAULT_MIN_SIDE = 16;
/** Longest accepted long-side to short-side ratio of a source image. */
export const DEFAULT_MAX_ASPECT = 8;
export const DEFAULT_DECODE_TIMEOUT_SECONDS = 20;

/**
 * The formats the README promises, as sharp names them after sniffing the bytes. Everything else
 * libvips could open is refused: SVG (a 1.5 KB file of nested `<use>` and blurs renders for minutes),
 * PDF, TIFF, HEIF, raw formats... are a decoding attack surface nobody asked for.
 */
export const ACCEPTED_FORMATS: ReadonlySet<string> = new Set(['png', 'jpeg', 'webp', 'gif']);

/**
 * The working size for a source of `srcW` x `srcH`, mirroring diffusers' `FluxKontextPipeline.__call__`:
 *
 *     aspect = w / h
 *     width  = round(sqrt(max_area * aspect)) // multiple * multiple
 *     height = round(sqrt(max_area / aspect)) // multiple * multiple
 *
 * i.e. the source's aspect ratio at an area of about `maxArea`, each side rounded (Python's
 * ties-to-even `round`) and then floored to a multiple of `multiple`. Unlike diffusers, a side never
 * drops to 0: it is at least `multiple`, so extreme aspect ratios still give a valid latent grid.
 * (diffusers' optional snapping to PREFERRED_KONTEXT_RESOLUTIONS is not applied: we keep the aspect.)
 */
export function workingSize(
  srcW: number,
  srcH: number,
  maxArea: number,
  multiple: number,
): { width: number; height: number } {
  if (!(srcW > 0 && srcH > 0)) throw new RangeError(`source size must be positive, got ${srcW}x${srcH}`);
  checkSizeSettings(maxArea, multiple);
  const aspect = srcW / srcH;
  const width = roundHalfEven(Math.sqrt(maxArea * aspect));
  const height = roundHalfEven(Math.sqrt(maxArea / aspect));
  return {
    width: Math.max(multiple, Math.floor(width / multiple) * multiple),
    height: Math.max(multiple, Math.floor(height / multiple) * multiple),
  };
}

function checkSizeSettings(maxArea: number, multiple: number): void {
  if (!Number.isInteger(multiple) || multiple < 1) {
    throw new RangeError(`multiple must be a positive integer, got ${multiple}`);
  }
  if (!(maxArea >= multiple * multiple)) {
    throw new RangeError(`maxArea must be at least multiple^2 (${multiple * multiple}), got ${maxArea}`);
  }
}

/** 8-bit value -> model input, shared by every caller so the normalisation cannot drift. */
const TO_UNIT_RANGE = Float32Array.from({ length: 256 }, (_, v) => v / 127.5 - 1);

/** Interleaved 8-bit RGB -> `[1, 3, H, W]` planar float32 in [-1, 1] (`x / 127.5 - 1`). */
export function rgbToTensor(frame: RgbFrame): Float32Array {
  assertRgbFrame(frame);
  const { data, width, height } = frame;
  const plane = width * height;
  const out = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    out[i] = TO_UNIT_RANGE[data[i * 3]!]!;
    out[plane + i] = TO_UNIT_RANGE[data[i * 3 + 1]!]!;
    out[2 * plane + i] = TO_UNIT_RANGE[data[i * 3 + 2]!]!;
  }
  return out;
}

/**
 * Decodes a user's image into the model's working tensor: EXIF orientation applied, alpha flattened
 * onto white, converted to 8-bit sRGB (grayscale, CMYK and 16-bit inputs included), resized (Lanczos)
 * to `workingSize(...)` unless it already is that size. Animated or multi-page inputs use frame 1.
 * Throws `InputImageError` for undecodable, too large or too small inputs; `RangeError` for bad options.
 */
export async function prepareSource(image: Uint8Array, opts: PrepareSourceOptions): Promise<PreparedSource> {
  const {
    maxArea,
    multiple,
    maxInputPixels = DEFAULT_MAX_INPUT_PIXELS,
    decodeTimeoutSeconds = DEFAULT_DECODE_TIMEOUT_SECONDS,
  } = opts;
  if (!(Number.isInteger(decodeTimeoutSeconds) && decodeTimeoutSeconds >= 1))
    throw new RangeError(`decodeTimeoutSeconds must be a whole number >= 1, got ${decodeTimeoutSeconds}`);
  checkSizeSettings(maxArea, multiple);

  // 1. Read the header only: format and size limits are enforced before a single pixel is decoded.
  const header = await checkSource(image, opts);
  const { width: sourceWidth, height: sourceHeight } = header;

  // 2. Decode, normalise and resize in one sharp pipeline.
  const target = workingSize(sourceWidth, sourceHeight, maxArea, multiple);
  const frame = await decodeRgb(image, target, {
    resize: target.width !== sourceWidth || target.height !== sourceHeight,
    // A second guard in libvips itself, in case the header lied about the size.
    limitInputPixels: maxInputPixels,
    timeoutSeconds: decodeTimeoutSeconds,
  });

  return {
    pixels: rgbToTensor(frame),
    width: frame.width,
    height: frame.height,
    sourceWidth,
    sourceHeight,
    hash: createHash('sha256').update(image).digest('hex'),
    pages: header.pages,
  };
}

/** The limits `prepareSource` enforces from the header (see its options). */
export type SourceLimits = Pick<PrepareSourceOptions, 'maxInputPixels' | 'minSide' | 'maxAspect'>;

/**
 * Reads the header only and enforces the format allowlist and the size limits, before a single pixel is
 * decoded. The format comes from the bytes (libvips sniffs them); a declared MIME type is never trusted.
 * Throws `InputImageError` as `prepareSource` does.
 */
export async function checkSource(image: Uint8Array, limits: SourceLimits = {}): Promise<ImageHeader> {
  const {
    maxInputPixels = DEFAULT_MAX_INPUT_PIXELS,
    minSide = DEFAULT_MIN_SIDE,
    maxAspect = DEFAULT_MAX_ASPECT,
  } = limits;
  if (!(maxInputPixels >= 1)) throw new RangeError(`maxInputPixels must be >= 1, got ${maxInputPixels}`);
  if (!(minSide >= 1)) throw new RangeError(`minSide must be >= 1, got ${minSide}`);
  if (!(maxAspect >= 1)) throw new RangeError(`maxAspect must be >= 1, got ${maxAspect}`);
  const header = await readHeader(image);
  if (!ACCEPTED_FORMATS.has(header.format)) throw InputImageError.unsupportedFormat(header.format);
  const { width, height } = header;
  if (width * height > maxInputPixels) throw InputImageError.tooLarge(width, height, maxInputPixels);
  if (Math.min(width, height) < minSide) throw InputImageError.tooSmall(width, height, minSide);
  if (Math.max(width, height) > maxAspect * Math.min(width, height))
    throw InputImageError.badAspect(width, height, maxAspect);
  return header;
}

/**
 * Decodes `image` exactly as `prepareSource` does (EXIF orientation, alpha on white, sRGB, Lanczos) but to
 * any `size`: the full-resolution transfer needs the source at the output size and, as its guide, at the
 * working size the model saw. The caller has already checked the image (`checkSource`, which also gives
 * the `header` this reads otherwise).
 */
export async function decodeSourceAt(
  image: Uint8Array,
  size: { width: number; height: number },
  maxInputPixels = DEFAULT_MAX_INPUT_PIXELS,
  header?: ImageHeader,
): Promise<RgbFrame> {
  header ??= await readHeader(image);
  return decodeRgb(image, size, {
    resize: size.width !== header.width || size.height !== header.height,
    limitInputPixels: maxInputPixels,
    timeoutSeconds: DEFAULT_DECODE_TIMEOUT_SECONDS,
  });
}

export interface ImageHeader {
  /** Displayed size: EXIF orientation applied, first page only. */
  width: number;
  height: number;
  pages: number;
  /** What sharp sniffed from the bytes: 'png', 'jpeg', 'svg', ... */
  format: string;
}

async function readHeader(image: Uint8Array): Promise<ImageHeader> {
  try {
    // `pages: 1` makes the reported height one frame's, not the whole animation strip's.
    const meta = await sharp(image, { pages: 1, limitInputPixels: false }).metadata();
    const { width, height } = meta.autoOrient ?? meta;
    if (!(width > 0 && height > 0)) throw new Error(`header reports ${width}x${height}`);
    return { width, height, pages: meta.pages ?? 1, format: meta.format };
  } catch (cause) {
    throw InputImageError.undecodable(cause);
  }
}

async function decodeRgb(
  image: Uint8Array,
  target: { width: number; height: number },
  opts: { resize: boolean; limitInputPixels: number; timeoutSeconds: number },
): Promise<RgbFrame> {
  try {
    let pipeline = sharp(image, {
      pages: 1,
      page: 0,
      limitInputPixels: opts.limitInputPixels,
      // Decoder warnings (e.g. a few trailing garbage bytes) are common in user uploads; real errors still throw.
      failOn: 'error',
    })
      .rotate()
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb');
    if (opts.resize)
      pipeline = pipeline.resize(target.width, target.height, { fit: 'fill', kernel: 'lanczos3' });
    const { data, info } = await pipeline
      .timeout({ seconds: opts.timeoutSeconds })
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3 || info.width !== target.width || info.height !== target.height) {
      throw new Error(
        `decoded ${info.width}x${info.height}x${info.channels}, expected ${target.width}x${target.height}x3`,
      );
    }
    return {
      data: new Uint8Array(data.buffer, data.byteOffset, data.length),
      width: info.width,
      height: info.height,
    };
  } catch (cause) {
    throw InputImageError.undecodable(cause);
  }
}

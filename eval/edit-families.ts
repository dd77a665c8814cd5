/**
 * The 16 kk-tiny edit families, ported exactly from `models/train/FAMILIES.md` (reference:
 * `models/train/edits.py`): gamma-encoded sRGB in [0, 1], float64, one final `clamp01`, 8-bit targets
 * rounded ties-to-even. The eval compares the model's output with `editTarget(...)` of the same source.
 */
import type { RgbFrame } from '../pipeline/image/rgb-frame.ts';
import { assertRgbFrame } from '../pipeline/image/rgb-frame.ts';
import { roundHalfEven } from '../pipeline/image/round-half-even.ts';
import {
  CALIBRATION_ENTRIES,
  calibrationTable,
  type ColourName,
  type EditsSpec,
  type FamilyId,
} from './edits-spec.ts';

/** Interleaved RGB, row-major, values in [0, 1] (gamma-encoded sRGB). */
export interface FloatRgb {
  data: Float64Array;
  width: number;
  height: number;
}
export type Rgb = readonly [number, number, number];
/** A 3x3 colour matrix, row-major (rows give R', G', B'). */
export type Matrix3 = readonly [number, number, number, number, number, number, number, number, number];

// Constants of FAMILIES.md (edits.json carries only the tunable numbers: tables, colours).
export const LUMA: Rgb = [0.299, 0.587, 0.114];
const SEPIA: Matrix3 = [0.393, 0.769, 0.189, 0.349, 0.686, 0.168, 0.272, 0.534, 0.131];
const NIGHT_GAIN: Rgb = [0.3, 0.42, 0.8];
const FOG_COLOUR: Rgb = [0.82, 0.84, 0.86];
export const TINT_K = 0.5;
export const BLUR_RADIUS = 9;
/** Below this sigma the blur kernel is the identity (as the reference's `s < 1e-6`). */
const MIN_SIGMA = 1e-6;

const clamp01 = (v: number) => (v < 0 ? 0 : v > 1 ? 1 : v);
const luma = (r: number, g: number, b: number) => LUMA[0] * r + LUMA[1] * g + LUMA[2] * b;

/**
 * Strength -> operation parameter through a 33-entry calibration table (`s_i = i / 32`), piecewise
 * linear; `s` is clamped to [0, 1] as the trainer's `StrengthMap`.
 */
export function paramForStrength(table: readonly number[], s: number): number {
  if (table.length !== CALIBRATION_ENTRIES)
    throw new RangeError(`calibration table has ${table.length} entries, expected ${CALIBRATION_ENTRIES}`);
  if (!Number.isFinite(s)) throw new RangeError(`strength must be finite, got ${s}`);
  const intervals = CALIBRATION_ENTRIES - 1;
  const pos = clamp01(s) * intervals;
  const i = Math.min(Math.floor(pos), intervals - 1);
  const t = pos - i;
  const a = table[i]!;
  return a + t * (table[i + 1]! - a);
}

/** 8-bit frame -> [0, 1] floats (`u / 255`). */
export function frameToUnit(frame: RgbFrame): FloatRgb {
  assertRgbFrame(frame);
  const data = new Float64Array(frame.data.length);
  for (let i = 0; i < data.length; i++) data[i] = frame.data[i]! / 255;
  return { data, width: frame.width, height: frame.height };
}

/** [0, 1] floats -> 8-bit frame: `roundHalfEven(clamp01(v) * 255)`. */
export function quantise(image: FloatRgb): RgbFrame {
  const data = new Uint8Array(image.data.length);
  for (let i = 0; i < data.length; i++) data[i] = roundHalfEven(clamp01(image.data[i]!) * 255);
  return { data, width: image.width, height: image.height };
}

/** Writes one pixel's edited (unclamped) channels to `out[o..o+2]`. */
type PixelOp = (r: number, g: number, b: number, out: Float64Array, o: number) => void;

function pixelOp(id: FamilyId, p: number, tint: Rgb | undefined): PixelOp | undefined {
  switch (id) {
    case 'grayscale':
      return (r, g, b, out, o) => {
        const y = luma(r, g, b);
        out[o] = r + p * (y - r);
        out[o + 1] = g + p * (y - g);
        out[o + 2] = b + p * (y - b);
      };
    case 'sepia':
      return (r, g, b, out, o) => {
        const m = SEPIA;
        out[o] = r + p * (clamp01(m[0] * r + m[1] * g + m[2] * b) - r);
        out[o + 1] = g + p * (clamp01(m[3] * r + m[4] * g + m[5] * b) - g);
        out[o + 2] = b + p * (clamp01(m[6] * r + m[7] * g + m[8] * b) - b);
      };
    case 'brighter': {
      const e = 1 / (1 + p);
      return (r, g, b, out, o) => {
        out[o] = Math.pow(Math.max(r, 0), e);
        out[o + 1] = Math.pow(Math.max(g, 0), e);
        out[o + 2] = Math.pow(Math.max(b, 0), e);
      };
    }
    case 'darker':
      return channelwise((x) => x * (1 - p));
    case 'contrast':
      return channelwise((x) => 0.5 + (x - 0.5) * (1 + p));
    case 'faded':
      return channelwise((x) => 0.5 + (x - 0.5) * (1 - p));
    case 'warmer':
      return (r, g, b, out, o) => {
        out[o] = clamp01(r * (1 + p));
        out[o + 1] = g;
        out[o + 2] = b * (1 - p);
      };
    case 'cooler':
      return (r, g, b, out, o) => {
        out[o] = r * (1 - p);
        out[o + 1] = g;
        out[o + 2] = clamp01(b * (1 + p));
      };
    case 'vivid':
      return (r, g, b, out, o) => {
        const y = luma(r, g, b);
        out[o] = y + (r - y) * (1 + p);
        out[o + 1] = y + (g - y) * (1 + p);
        out[o + 2] = y + (b - y) * (1 + p);
      };
    case 'invert':
      return channelwise((x) => x + p * (1 - 2 * x));
    case 'night':
      return (r, g, b, out, o) => {
        const y07 = 0.7 * luma(r, g, b);
        out[o] = r + p * (NIGHT_GAIN[0] * (0.3 * r + y07) - r);
        out[o + 1] = g + p * (NIGHT_GAIN[1] * (0.3 * g + y07) - g);
        out[o + 2] = b + p * (NIGHT_GAIN[2] * (0.3 * b + y07) - b);
      };
    case 'fog':
      return (r, g, b, out, o) => {
        out[o] = r + p * (FOG_COLOUR[0] - r);
        out[o + 1] = g + p * (FOG_COLOUR[1] - g);
        out[o + 2] = b + p * (FOG_COLOUR[2] - b);
      };
    case 'tint': {
      if (!tint) throw new RangeError('tint needs a colour');
      const yc = luma(tint[0], tint[1], tint[2]);
      // Zero-luma offset: the cast keeps brightness until clamping.
      const [offR, offG, offB] = tint.map((c) => p * (TINT_K * (c - yc)));
      return (r, g, b, out, o) => {
        out[o] = r + offR!;
        out[o + 1] = g + offG!;
        out[o + 2] = b + offB!;
      };
    }
    case 'hue': {
      const m = hueMatrix(p);
      return (r, g, b, out, o) => {
        out[o] = m[0] * r + m[1] * g + m[2] * b;
        out[o + 1] = m[3] * r + m[4] * g + m[5] * b;
        out[o + 2] = m[6] * r + m[7] * g + m[8] * b;
      };
    }
    case 'blur':
    case 'vignette':
      return undefined; // need pixel coordinates: see applyFamily
  }
}

function channelwise(f: (x: number) => number): PixelOp {
  return (r, g, b, out, o) => {
    out[o] = f(r);
    out[o + 1] = f(g);
    out[o + 2] = f(b);
  };
}

/** The Filter Effects `hue-rotate(deg)` matrix, row-major (rows give R', G', B'). */
export function hueMatrix(deg: number): Matrix3 {
  const a = (deg * Math.PI) / 180;
  const c = Math.cos(a);
  const s = Math.sin(a);
  return [
    0.213 + 0.787 * c - 0.213 * s,
    0.715 - 0.715 * c - 0.715 * s,
    0.072 - 0.072 * c + 0.928 * s,
    0.213 - 0.213 * c + 0.143 * s,
    0.715 + 0.285 * c + 0.14 * s,
    0.072 - 0.072 * c - 0.283 * s,
    0.213 - 0.213 * c - 0.787 * s,
    0.715 - 0.715 * c + 0.715 * s,
    0.072 + 0.928 * c + 0.072 * s,
  ];
}

/** Normalised Gaussian weights for k = -9..9; the identity kernel below `MIN_SIGMA`. */
export function blurKernel(sigma: number): Float64Array {
  const w = new Float64Array(2 * BLUR_RADIUS + 1);
  if (sigma < MIN_SIGMA) {
    w[BLUR_RADIUS] = 1;
    return w;
  }
  let sum = 0;
  for (let k = -BLUR_RADIUS; k <= BLUR_RADIUS; k++) {
    w[k + BLUR_RADIUS] = Math.exp(-(k * k) / (2 * sigma * sigma));
    sum += w[k + BLUR_RADIUS]!;
  }
  for (let i = 0; i < w.length; i++) w[i]! /= sum;
  return w;
}

/** Separable Gaussian, horizontal pass first, edges replicated, no rounding between passes. */
function gaussianBlur(image: FloatRgb, sigma: number): Float64Array {
  const { data, width, height } = image;
  const w = blurKernel(sigma);
  const clampIndex = (v: number, n: number) => (v < 0 ? 0 : v >= n ? n - 1 : v);
  const horizontal = new Float64Array(data.length);
  for (let j = 0; j < height; j++)
    for (let i = 0; i < width; i++)
      for (let c = 0; c < 3; c++) {
        let acc = 0;
        for (let k = -BLUR_RADIUS; k <= BLUR_RADIUS; k++)
          acc += w[k + BLUR_RADIUS]! * data[(j * width + clampIndex(i + k, width)) * 3 + c]!;
        horizontal[(j * width + i) * 3 + c] = acc;
      }
  const out = new Float64Array(data.length);
  for (let j = 0; j < height; j++)
    for (let i = 0; i < width; i++)
      for (let c = 0; c < 3; c++) {
        let acc = 0;
        for (let k = -BLUR_RADIUS; k <= BLUR_RADIUS; k++)
          acc += w[k + BLUR_RADIUS]! * horizontal[(clampIndex(j + k, height) * width + i) * 3 + c]!;
        out[(j * width + i) * 3 + c] = acc;
      }
  return out;
}

/** `x (1 - p r^4)`, r^2 = (u^2 + v^2) / 2 with u, v the pixel centre in [-1, 1]. */
function vignette(image: FloatRgb, p: number): Float64Array {
  const { data, width, height } = image;
  const out = new Float64Array(data.length);
  for (let j = 0; j < height; j++) {
    const v = (2 * (j + 0.5)) / height - 1;
    for (let i = 0; i < width; i++) {
      const u = (2 * (i + 0.5)) / width - 1;
      const r2 = (u * u + v * v) / 2;
      const gain = 1 - p * r2 * r2;
      const o = (j * width + i) * 3;
      out[o] = data[o]! * gain;
      out[o + 1] = data[o + 1]! * gain;
      out[o + 2] = data[o + 2]! * gain;
    }
  }
  return out;
}

/**
 * The edit `id` at operation parameter `p` (already calibrated), clamped to [0, 1]. `tint` is the
 * tint colour in sRGB [0, 1] (required for the tint family only).
 */
export function applyFamily(id: FamilyId, image: FloatRgb, p: number, tint?: Rgb): FloatRgb {
  if (!Number.isFinite(p)) throw new RangeError(`parameter must be finite, got ${p}`);
  let out: Float64Array;
  if (id === 'blur') out = gaussianBlur(image, p);
  else if (id === 'vignette') out = vignette(image, p);
  else {
    const op = pixelOp(id, p, tint)!;
    const { data } = image;
    out = new Float64Array(data.length);
    for (let o = 0; o < data.length; o += 3) op(data[o]!, data[o + 1]!, data[o + 2]!, out, o);
  }
  for (let i = 0; i < out.length; i++) out[i] = clamp01(out[i]!);
  return { data: out, width: image.width, height: image.height };
}

/** What an edit should look like: the family at strength `s` (calibrated by `spec`), as an 8-bit frame. */
export function editTarget(
  source: RgbFrame,
  spec: EditsSpec,
  id: FamilyId,
  s: number,
  colour?: ColourName,
): RgbFrame {
  const p = paramForStrength(calibrationTable(spec, id, colour), s);
  const tint = id === 'tint' && colour ? spec.colours[colour] : undefined;
  return quantise(applyFamily(id, frameToUnit(source), p, tint));
}

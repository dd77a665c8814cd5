/**
 * Tensors as the pipeline sees them: plain typed arrays plus dims, independent of onnxruntime. Floats are
 * always float32 on the host; `toOrtTensor`/`fromOrtTensor` convert to and from the dtype a bundle's
 * manifest declares (float16 travels as raw bits in a Uint16Array, which is what onnxruntime-node takes).
 */
import * as ort from 'onnxruntime-node';
import type { TensorSpec } from './bundle-manifest.ts';

export type HostData = Float32Array | BigInt64Array | Int32Array;

export interface HostTensor<D extends HostData = HostData> {
  data: D;
  dims: readonly number[];
}

export type FloatTensor = HostTensor<Float32Array>;

export function elementCount(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float32 -> IEEE half bits, round to nearest even (what numpy's astype(float16) does). */
export function float32ToFloat16Bits(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // inf / nan
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow -> inf
  if (e <= 0) {
    if (e < -10) return sign; // underflow -> signed zero
    mant |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    let r = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    if (rest > half || (rest === half && (r & 1) === 1)) r++;
    return sign | r;
  }
  let r = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (r & 1) === 1)) r++; // may carry into the exponent: still correct
  return sign | r;
}

/** IEEE half bits -> number. */
export function float16BitsToFloat32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >>> 10) & 0x1f;
  const mant = bits & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** Converts a host tensor to the dtype `spec` declares. */
export function toOrtTensor(tensor: HostTensor, spec: TensorSpec): ort.Tensor {
  const dims = [...tensor.dims];
  const { data } = tensor;
  switch (spec.dtype) {
    case 'float32':
      if (!(data instanceof Float32Array)) break;
      return new ort.Tensor('float32', data, dims);
    case 'float16':
      if (!(data instanceof Float32Array)) break;
      return new ort.Tensor('float16', Uint16Array.from(data, float32ToFloat16Bits), dims);
    case 'int64':
      if (data instanceof BigInt64Array) return new ort.Tensor('int64', data, dims);
      if (data instanceof Int32Array) return new ort.Tensor('int64', BigInt64Array.from(data, BigInt), dims);
      break;
    case 'int32':
      if (data instanceof Int32Array) return new ort.Tensor('int32', data, dims);
      if (data instanceof BigInt64Array) return new ort.Tensor('int32', Int32Array.from(data, Number), dims);
      break;
    case 'bfloat16':
      throw new TypeError(`"${spec.name}": bfloat16 tensors are not supported by onnxruntime-node inputs`);
  }
  throw new TypeError(`"${spec.name}": cannot feed ${data.constructor.name} as ${spec.dtype}`);
}

/** Converts an onnxruntime output to a host tensor (floats become float32). */
export function fromOrtTensor(tensor: ort.Tensor): HostTensor {
  const dims = [...tensor.dims];
  switch (tensor.type) {
    case 'float32':
      return { data: tensor.data as Float32Array, dims };
    case 'float16': {
      const bits = tensor.data as Uint16Array;
      return { data: Float32Array.from(bits, float16BitsToFloat32), dims };
    }
    case 'int64':
      return { data: tensor.data as BigInt64Array, dims };
    case 'int32':
      return { data: tensor.data as Int32Array, dims };
    default:
      throw new TypeError(`unsupported output dtype ${tensor.type}`);
  }
}

/** The float output `name` of a component's results, or a TypeError naming what came back instead. */
export function floatOutput(
  outputs: Record<string, HostTensor>,
  name: string,
  component: string,
): FloatTensor {
  const tensor = outputs[name];
  if (!tensor || !(tensor.data instanceof Float32Array))
    throw new TypeError(`${component} did not return float tensor "${name}"`);
  return { data: tensor.data, dims: tensor.dims };
}

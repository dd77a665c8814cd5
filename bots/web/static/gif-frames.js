// @ts-check
/**
 * A small GIF decoder for the sweep strip: every frame of an animated GIF as full-size RGBA, so the page can
 * show the frames side by side and scrub through them. Browsers play a GIF but do not expose its frames
 * (ImageDecoder is Chromium-only and needs a secure context), and the sweep GIFs the pipeline writes are
 * plain: one palette, whole frames. This reads any GIF89a/87a all the same: local palettes, interlacing,
 * transparency and the three disposal methods. No DOM: the tests run it in Node too.
 */

/**
 * @typedef {object} DecodedGif
 * @property {number} width
 * @property {number} height
 * @property {Uint8ClampedArray<ArrayBuffer>[]} frames  RGBA, width * height * 4 each, composed as a browser shows them
 * @property {number[]} delaysMs
 */

/**
 * @param {Uint8Array} bytes
 * @returns {DecodedGif}
 */
export function decodeGif(bytes) {
  const signature = String.fromCharCode(...bytes.subarray(0, 6));
  if (signature !== 'GIF87a' && signature !== 'GIF89a') throw new Error('not a GIF');
  const width = bytes[6] | (bytes[7] << 8);
  const height = bytes[8] | (bytes[9] << 8);
  const screenFlags = bytes[10];
  let pos = 13;
  /** @type {Uint8Array | null} */
  let globalPalette = null;
  if (screenFlags & 0x80) {
    const size = 3 * (1 << ((screenFlags & 7) + 1));
    globalPalette = bytes.subarray(pos, pos + size);
    pos += size;
  }
  const canvas = new Uint8ClampedArray(width * height * 4);
  /** @type {Uint8ClampedArray<ArrayBuffer>[]} */
  const frames = [];
  /** @type {number[]} */
  const delaysMs = [];
  let transparent = -1;
  let disposal = 0;
  let delayMs = 0;

  while (pos < bytes.length) {
    const block = bytes[pos++];
    if (block === 0x3b) break; // trailer
    if (block === 0x21) {
      const label = bytes[pos++];
      if (label === 0xf9 && bytes[pos] >= 4) {
        const flags = bytes[pos + 1];
        delayMs = (bytes[pos + 2] | (bytes[pos + 3] << 8)) * 10;
        transparent = flags & 1 ? bytes[pos + 4] : -1;
        disposal = (flags >> 2) & 7;
      }
      pos = skipSubBlocks(bytes, pos);
      continue;
    }
    if (block !== 0x2c) throw new Error(`unexpected GIF block 0x${block.toString(16)}`);
    const left = bytes[pos] | (bytes[pos + 1] << 8);
    const top = bytes[pos + 2] | (bytes[pos + 3] << 8);
    const w = bytes[pos + 4] | (bytes[pos + 5] << 8);
    const h = bytes[pos + 6] | (bytes[pos + 7] << 8);
    const flags = bytes[pos + 8];
    pos += 9;
    let palette = globalPalette;
    if (flags & 0x80) {
      const size = 3 * (1 << ((flags & 7) + 1));
      palette = bytes.subarray(pos, pos + size);
      pos += size;
    }
    if (!palette) throw new Error('GIF frame without a palette');
    const minCodeSize = bytes[pos++];
    const start = pos;
    pos = skipSubBlocks(bytes, pos);
    const indices = lzwDecode(minCodeSize, joinSubBlocks(bytes, start, pos), w * h);
    const previous = disposal === 3 ? canvas.slice() : null;
    const rows = flags & 0x40 ? interlacedRows(h) : null;
    for (let y = 0; y < h; y++) {
      const row = rows ? rows[y] : y;
      const cy = top + row;
      if (cy >= height) continue;
      for (let x = 0; x < w; x++) {
        const cx = left + x;
        const index = indices[y * w + x];
        if (cx >= width || index === transparent) continue;
        const o = (cy * width + cx) * 4;
        canvas[o] = palette[index * 3];
        canvas[o + 1] = palette[index * 3 + 1];
        canvas[o + 2] = palette[index * 3 + 2];
        canvas[o + 3] = 255;
      }
    }
    frames.push(canvas.slice());
    delaysMs.push(delayMs);
    if (disposal === 2) {
      for (let y = top; y < Math.min(height, top + h); y++)
        canvas.fill(0, (y * width + left) * 4, (y * width + Math.min(width, left + w)) * 4);
    } else if (previous) canvas.set(previous);
    transparent = -1;
    disposal = 0;
    delayMs = 0;
  }
  return { width, height, frames, delaysMs };
}

/**
 * @param {Uint8Array} bytes
 * @param {number} pos  the first sub-block's size byte
 * @returns {number} the position after the terminating empty sub-block
 */
function skipSubBlocks(bytes, pos) {
  while (pos < bytes.length && bytes[pos] !== 0) pos += bytes[pos] + 1;
  return pos + 1;
}

/**
 * @param {Uint8Array} bytes
 * @param {number} start
 * @param {number} end
 */
function joinSubBlocks(bytes, start, end) {
  const out = new Uint8Array(end - start);
  let length = 0;
  for (let pos = start; pos < end && bytes[pos] !== 0; pos += bytes[pos] + 1) {
    out.set(bytes.subarray(pos + 1, pos + 1 + bytes[pos]), length);
    length += bytes[pos];
  }
  return out.subarray(0, length);
}

/**
 * Row order of an interlaced image: stored row y is displayed at rows[y].
 * @param {number} height
 */
function interlacedRows(height) {
  /** @type {number[]} */
  const rows = [];
  for (const [first, step] of [
    [0, 8],
    [4, 8],
    [2, 4],
    [1, 2],
  ])
    for (let y = first; y < height; y += step) rows.push(y);
  return rows;
}

/**
 * GIF's variable-width LZW: codes grow from minCodeSize + 1 to 12 bits, a clear code resets the table.
 * @param {number} minCodeSize
 * @param {Uint8Array} data
 * @param {number} pixelCount
 */
export function lzwDecode(minCodeSize, data, pixelCount) {
  const out = new Uint8Array(pixelCount);
  const clearCode = 1 << minCodeSize;
  const endCode = clearCode + 1;
  const prefix = new Int16Array(4096);
  const suffix = new Uint8Array(4096);
  const stack = new Uint8Array(4097);
  for (let i = 0; i < clearCode; i++) {
    prefix[i] = -1;
    suffix[i] = i;
  }
  let codeSize = minCodeSize + 1;
  let next = endCode + 1;
  let old = -1;
  let first = 0;
  let buffer = 0;
  let bits = 0;
  let pos = 0;
  let written = 0;
  while (written < pixelCount) {
    while (bits < codeSize) {
      if (pos >= data.length) return out; // truncated: the rest stays index 0
      buffer |= data[pos++] << bits;
      bits += 8;
    }
    const code = buffer & ((1 << codeSize) - 1);
    buffer >>>= codeSize;
    bits -= codeSize;
    if (code === clearCode) {
      codeSize = minCodeSize + 1;
      next = endCode + 1;
      old = -1;
      continue;
    }
    if (code === endCode) break;
    if (old === -1) {
      first = suffix[code];
      out[written++] = first;
      old = code;
      continue;
    }
    let top = 0;
    let current = code;
    if (code >= next) {
      // The code being defined right now (KwKwK): the previous string plus its own first character.
      stack[top++] = first;
      current = old;
    }
    while (current > endCode) {
      stack[top++] = suffix[current];
      current = prefix[current];
    }
    first = suffix[current];
    stack[top++] = first;
    while (top > 0 && written < pixelCount) out[written++] = stack[--top];
    if (next < 4096) {
      prefix[next] = old;
      suffix[next] = first;
      next++;
      if (next === 1 << codeSize && codeSize < 12) codeSize++;
    }
    old = code;
  }
  return out;
}

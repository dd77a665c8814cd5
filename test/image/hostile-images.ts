/**
 * Hostile inputs generated on the spot (issue 13): an SVG of nested `<use>` elements over a blurred
 * 6000x6000 rectangle, where every level doubles the rendering work (the audit's 1.5 KB file held a worker
 * for two minutes), and a PNG whose header claims more pixels than any budget allows.
 */
import { deflateSync } from 'node:zlib';

/** An SVG of `levels` nested `<use>` pairs over a blurred `size`x`size` rectangle. */
export function nestedUseSvg(levels: number, size = 6000): Uint8Array {
  let defs =
    '<filter id="b"><feGaussianBlur stdDeviation="40"/></filter>' +
    `<rect id="l0" width="${size}" height="${size}" fill="red" filter="url(#b)"/>`;
  for (let i = 1; i <= levels; i++)
    defs += `<g id="l${i}" filter="url(#b)"><use href="#l${i - 1}"/><use href="#l${i - 1}" x="1"/></g>`;
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}">` +
    `<defs>${defs}</defs><use href="#l${levels}"/></svg>`;
  return new TextEncoder().encode(svg);
}

/** A PNG signature, an IHDR claiming `width`x`height` RGB and a one-byte IDAT: a header and no image. */
export function pngHeaderOnly(width: number, height: number): Uint8Array {
  const chunk = (type: string, data: Buffer): Buffer => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), body.length + 4);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit, RGB, deflate, no filter, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.from([0]))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return (crc ^ 0xffffffff) >>> 0;
}

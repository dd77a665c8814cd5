/**
 * A minimal GIF block walker for tests: reads the structure (not the pixels) so tests can check the
 * frame count, delays, loop count and palette placement independently of any decoder.
 */
export interface GifStructure {
  version: string;
  width: number;
  height: number;
  globalColourTable: boolean;
  /** NETSCAPE2.0 loop count (0 = forever), undefined when absent. */
  loop: number | undefined;
  frames: Array<{ delayMs: number; width: number; height: number; localColourTable: boolean }>;
}

export function parseGif(bytes: Uint8Array): GifStructure {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = String.fromCharCode(...bytes.subarray(0, 6));
  const width = view.getUint16(6, true);
  const height = view.getUint16(8, true);
  const packed = bytes[10]!;
  const globalColourTable = (packed & 0x80) !== 0;
  let pos = 13 + (globalColourTable ? 3 * (1 << ((packed & 7) + 1)) : 0);
  let loop: number | undefined;
  let pendingDelay = 0;
  const frames: GifStructure['frames'] = [];

  const skipSubBlocks = () => {
    while (bytes[pos]! !== 0) pos += bytes[pos]! + 1;
    pos += 1;
  };
  for (;;) {
    const introducer = bytes[pos];
    if (introducer === 0x3b) break; // trailer
    if (introducer === 0x21) {
      const label = bytes[pos + 1];
      pos += 2;
      if (label === 0xf9) pendingDelay = view.getUint16(pos + 2, true) * 10;
      if (label === 0xff && String.fromCharCode(...bytes.subarray(pos + 1, pos + 12)) === 'NETSCAPE2.0') {
        loop = view.getUint16(pos + 14, true);
      }
      skipSubBlocks();
    } else if (introducer === 0x2c) {
      const frameWidth = view.getUint16(pos + 5, true);
      const frameHeight = view.getUint16(pos + 7, true);
      const flags = bytes[pos + 9]!;
      const localColourTable = (flags & 0x80) !== 0;
      pos += 10 + (localColourTable ? 3 * (1 << ((flags & 7) + 1)) : 0);
      pos += 1; // LZW minimum code size
      skipSubBlocks();
      frames.push({ delayMs: pendingDelay, width: frameWidth, height: frameHeight, localColourTable });
      pendingDelay = 0;
    } else {
      throw new Error(`unexpected GIF block 0x${introducer?.toString(16)} at ${pos}`);
    }
  }
  return { version, width, height, globalColourTable, loop, frames };
}

/**
 * Full-resolution results (issue 14): `npx tsx bench/full-resolution.ts --source a.jpg [--source b.jpg ...]
 * [--model dir] [--max-side 2048]`.
 *
 * For each photo and each instruction below, one generation at [strength, 0] gives both outputs compared at
 * the output size (the source's size capped at --max-side): "resized", the working-size result resized with
 * Lanczos (what a single edit was before), and "transfer", the guided transfer of the change onto the
 * source (what a photometric bundle returns now). Prints identity PSNR at strength 0 against the source,
 * PSNR between the two paths at other strengths, black-and-white residual saturation, and the transfer's own
 * time (decode at the output size, fit and apply; the model run is not in it).
 */
import { meanChroma } from '../eval/metrics.ts';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { defaultModelDir } from '../models/default-model-dir.ts';
import { createEditPipeline } from '../pipeline/create-edit-pipeline.ts';
import { decodeSourceAt } from '../pipeline/image/preprocess.ts';
import type { RgbFrame } from '../pipeline/image/rgb-frame.ts';
import { outputSize } from '../pipeline/render-files.ts';
import { transferToSourceSize } from '../pipeline/transfer-to-source-size.ts';

const { values } = parseArgs({
  options: {
    source: { type: 'string', multiple: true },
    model: { type: 'string' },
    'max-side': { type: 'string', default: '2048' },
  },
});
if (!values.source?.length) throw new Error('give at least one --source photo');
const maxSide = Number(values['max-side']);

const CASES: ReadonlyArray<readonly [string, number]> = [
  ['make it warmer', 0],
  ['make it black and white', 1],
  ['make it warmer', 0.6],
  ['make it darker', 0.5],
  ['add a vignette', 1],
  ['add fog', 0.6],
  ['invert the colours', 0],
  ['blur it', 1],
];

function psnr(a: RgbFrame, b: RgbFrame): number {
  let sum = 0;
  for (let i = 0; i < a.data.length; i++) sum += (a.data[i]! - b.data[i]!) ** 2;
  return sum === 0 ? Infinity : 10 * Math.log10(255 ** 2 / (sum / a.data.length));
}

async function resized(frame: RgbFrame, size: { width: number; height: number }): Promise<RgbFrame> {
  const data = await sharp(frame.data, { raw: { width: frame.width, height: frame.height, channels: 3 } })
    .resize(size.width, size.height, { fit: 'fill', kernel: 'lanczos3' })
    .raw()
    .toBuffer();
  return { data: new Uint8Array(data), ...size };
}

const pipeline = await createEditPipeline({ modelDir: values.model ?? defaultModelDir() });
const fmt = (v: number) => (v === Infinity ? 'exact' : v.toFixed(2));
console.log(
  '| photo | instruction | s | resized vs source | transfer vs source | transfer vs resized | chroma resized / transfer / source | transfer ms |',
);
console.log('|---|---|---:|---:|---:|---:|---|---:|');
for (const path of values.source) {
  const image = new Uint8Array(await readFile(path));
  for (const [instruction, strength] of CASES) {
    const g = await pipeline.generate({ image, instruction, strengths: [strength, 0], seed: 1 });
    const size = outputSize(g.sourceWidth, g.sourceHeight, maxSide);
    const source = await decodeSourceAt(image, size);
    const started = performance.now();
    const transfer = await transferToSourceSize(image, g.frames[0]!, g.frames[1]!, {
      maxSide,
      maxInputPixels: 40_000_000,
    });
    const ms = performance.now() - started;
    const old = await resized(g.frames[0]!, size);
    const chroma = [old, transfer, source].map((f) => meanChroma(f).toFixed(1)).join(' / ');
    console.log(
      `| ${path.split('/').slice(-4, -3).join('') || basename(path)} ${size.width}x${size.height} | ${instruction} | ${strength} | ${fmt(psnr(old, source))} | ` +
        `${fmt(psnr(transfer, source))} | ${fmt(psnr(transfer, old))} | ${chroma} | ${ms.toFixed(0)} |`,
    );
  }
}
await pipeline.dispose();

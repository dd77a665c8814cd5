/**
 * The guided transfer's detail-loss term (issue 14: blur must blur at full size):
 * `npx tsx bench/detail-loss.ts --source a.jpg [--source b.jpg ...] [--model dir] [--max-side 2048]
 * [--exponent 1,2,3] [--no-model]`.
 *
 * 1. Synthetic blurs, no model: R0 = the photo at the working size, E = R0 blurred (Gaussian, sigma in
 *    working pixels). The reference "truth" is the photo blurred at the output size by the same sigma scaled
 *    to it. For the colour-only transfer and the detail-loss term at each exponent: high-pass energy of the
 *    output over the source's (3x3 high-pass, summed over RGB) and PSNR against the truth.
 * 2. The model (kk-tiny) on each photo, one generation at [strength, 0] per instruction: high-pass ratio
 *    of the transfer's output over the source's without and with the term, PSNR between the two, the share
 *    of working pixels whose gain is below 1.
 * 3. The time of the transfer (fit and apply) and, apart, of the term (median of 9, decode excluded),
 *    wall and CPU: on a shared machine the CPU time moves less with other jobs' load.
 */
import { highPassEnergy } from '../eval/metrics.ts';
import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { defaultModelDir } from '../models/default-model-dir.ts';
import { createEditPipeline } from '../pipeline/create-edit-pipeline.ts';
import { withDetailLoss } from '../pipeline/image/detail-loss.ts';
import { applyLocalAffine, fitLocalAffine } from '../pipeline/image/guided-transfer.ts';
import { decodeSourceAt, workingSize } from '../pipeline/image/preprocess.ts';
import { resizeFrame } from '../pipeline/image/resize-frame.ts';
import type { RgbFrame } from '../pipeline/image/rgb-frame.ts';
import { outputSize } from '../pipeline/render-files.ts';
import { transferFrames } from '../pipeline/transfer-to-source-size.ts';

const { values } = parseArgs({
  options: {
    source: { type: 'string', multiple: true },
    model: { type: 'string' },
    'max-side': { type: 'string', default: '2048' },
    exponent: { type: 'string', default: '1,2,3' },
    epsilon: { type: 'string' },
    'no-model': { type: 'boolean', default: false },
  },
});
if (!values.source?.length) throw new Error('give at least one --source photo');
const maxSide = Number(values['max-side']);
const exponents = values.exponent.split(',').map(Number);
const epsilon = values.epsilon === undefined ? undefined : Number(values.epsilon);

function psnr(a: RgbFrame, b: RgbFrame): number {
  let sum = 0;
  for (let i = 0; i < a.data.length; i++) sum += (a.data[i]! - b.data[i]!) ** 2;
  return sum === 0 ? Infinity : 10 * Math.log10(255 ** 2 / (sum / a.data.length));
}

/**
 * Separable Gaussian blur as the blur family (models/train/FAMILIES.md: radius 9, edges replicated), for
 * the working size: sharp's blur leaves sigma 0.5 unchanged.
 */
function gaussianBlur(frame: RgbFrame, sigma: number): RgbFrame {
  const { width, height, data } = frame;
  const radius = 9;
  const taps = Array.from({ length: 2 * radius + 1 }, (_, i) =>
    Math.exp(-((i - radius) ** 2) / (2 * sigma ** 2)),
  );
  const total = taps.reduce((a, b) => a + b);
  const weights = taps.map((t) => t / total);
  const clamp = (v: number, hi: number) => Math.min(hi, Math.max(0, v));
  const rows = new Float64Array(data.length);
  const out = new Uint8Array(data.length);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      for (let c = 0; c < 3; c++) {
        let v = 0;
        for (let k = -radius; k <= radius; k++)
          v += weights[k + radius]! * data[(y * width + clamp(x + k, width - 1)) * 3 + c]!;
        rows[(y * width + x) * 3 + c] = v;
      }
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      for (let c = 0; c < 3; c++) {
        let v = 0;
        for (let k = -radius; k <= radius; k++)
          v += weights[k + radius]! * rows[(clamp(y + k, height - 1) * width + x) * 3 + c]!;
        out[(y * width + x) * 3 + c] = Math.round(v);
      }
  return { ...frame, data: out };
}

/** sharp's Gaussian blur, for the full-size reference (sigma of several pixels there). */
async function blur(frame: RgbFrame, sigma: number): Promise<RgbFrame> {
  const data = await sharp(frame.data, { raw: { width: frame.width, height: frame.height, channels: 3 } })
    .blur(sigma)
    .raw()
    .toBuffer();
  return { ...frame, data: new Uint8Array(data) };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
/** KDE wallpapers are named by their folder (.../Kite/contents/images/2560x1600.jpg), other photos by file. */
const name = (path: string) =>
  path.includes('/contents/images/') ? path.split('/').slice(-4, -3).join('') : basename(path, extname(path));
const fmt = (v: number) => (v === Infinity ? 'exact' : v.toFixed(2));

const photos: { name: string; image: Uint8Array; full: RgbFrame; work: RgbFrame }[] = [];
for (const path of values.source) {
  const image = new Uint8Array(await readFile(path));
  const meta = await sharp(image).metadata();
  const size = outputSize(meta.width, meta.height, maxSide);
  const full = await decodeSourceAt(image, size);
  const ws = workingSize(meta.width, meta.height, 65536, 16);
  photos.push({ name: name(path), image, full, work: await decodeSourceAt(image, ws) });
}

console.log('### Synthetic blur at the working size (R0 = the photo at the working size, no model)\n');
console.log(
  `| photo | sigma (working px) | truth hp ratio | colour only: hp ratio / PSNR vs truth | ${exponents.map((k) => `g^${k}: hp ratio / PSNR`).join(' | ')} |`,
);
console.log(`|---|---:|---:|---|${exponents.map(() => '---').join('|')}|`);
// A photo already at the working size has no detail finer than it: nothing to compare there.
for (const { name: photo, full, work } of photos.filter((p) => p.full.width > p.work.width)) {
  const sourceEnergy = highPassEnergy(full);
  for (const sigma of [0.5, 1, 2, 3]) {
    const edited = gaussianBlur(work, sigma);
    const truth = await blur(full, (sigma * full.width) / work.width);
    const cells: string[] = [];
    const plain = await transferFrames(full, edited, work, { detailLoss: false });
    cells.push(`${(highPassEnergy(plain) / sourceEnergy).toFixed(3)} / ${fmt(psnr(plain, truth))}`);
    for (const detailExponent of exponents) {
      const out = await transferFrames(full, edited, work, {
        detailLoss: { detailExponent, ...(epsilon ? { epsilon } : {}) },
      });
      cells.push(`${(highPassEnergy(out) / sourceEnergy).toFixed(3)} / ${fmt(psnr(out, truth))}`);
    }
    console.log(
      `| ${photo} | ${sigma} | ${(highPassEnergy(truth) / sourceEnergy).toFixed(3)} | ${cells.join(' | ')} |`,
    );
  }
}

if (!values['no-model']) {
  const CASES: ReadonlyArray<readonly [string, number]> = [
    ['blur it', 1],
    ['blur it', 0.6],
    ['add fog', 0.6],
    ['add fog', 1],
    ['make it warmer', 0.6],
    ['make it black and white', 1],
    ['make it darker', 0.5],
    ['add a vignette', 1],
    ['make it warmer', 0],
  ];
  const pipeline = await createEditPipeline({ modelDir: values.model ?? defaultModelDir() });
  console.log(
    `\n### ${pipeline.modelId}: high-pass energy of the output over the source's at the output size\n`,
  );
  console.log(
    '| photo | instruction | s | working E/R0 hp | colour only | with detail loss | PSNR between them | working pixels with gain < 1 |',
  );
  console.log('|---|---|---:|---:|---:|---:|---:|---:|');
  for (const { name: photo, image, full } of photos) {
    const sourceEnergy = highPassEnergy(full);
    for (const [instruction, strength] of CASES) {
      const g = await pipeline.generate({ image, instruction, strengths: [strength, 0], seed: 1 });
      const [result, reference] = [g.frames[0]!, g.frames[1]!];
      const plain = await transferFrames(full, result, reference, { detailLoss: false });
      const withLoss = await transferFrames(full, result, reference);
      const work = await resizeFrame(full, reference.width, reference.height);
      const { gain } = withDetailLoss(fitLocalAffine(reference, result), { reference, result, source: work });
      const below = gain.reduce((n, v) => n + (v < 1 ? 1 : 0), 0) / gain.length;
      console.log(
        `| ${photo} | ${instruction} | ${strength} | ${(highPassEnergy(result) / highPassEnergy(reference)).toFixed(3)} | ` +
          `${(highPassEnergy(plain) / sourceEnergy).toFixed(3)} | ${(highPassEnergy(withLoss) / sourceEnergy).toFixed(3)} | ` +
          `${fmt(psnr(plain, withLoss))} | ${(below * 100).toFixed(1)}% |`,
      );
    }
  }
  await pipeline.dispose();
}

console.log('\n### Time (output size, decode excluded, median of 9; wall ms / CPU ms of the process)\n');
console.log('| photo | output | fit + apply | detail-loss term (resize to the working size + gain + fold) |');
console.log('|---|---|---:|---:|');
/** Wall and CPU (all threads: the resize runs on libvips') milliseconds of `fn`. */
async function timed(fn: () => Promise<unknown> | unknown): Promise<[number, number]> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  await fn();
  const used = process.cpuUsage(cpu);
  return [performance.now() - started, (used.user + used.system) / 1000];
}
for (const { name: photo, full, work } of photos) {
  const edited = gaussianBlur(work, 2);
  const plain: [number, number][] = [];
  const term: [number, number][] = [];
  for (let i = 0; i < 10; i++) {
    const affine = fitLocalAffine(work, edited);
    const fitted = await timed(() => applyLocalAffine(fitLocalAffine(work, edited), full));
    const folded = await timed(async () => {
      const source = await resizeFrame(full, work.width, work.height);
      withDetailLoss(affine, { reference: work, result: edited, source });
    });
    if (i > 0) [plain, term].forEach((list, k) => list.push(k ? folded : fitted));
  }
  const cell = (xs: [number, number][]) =>
    `${median(xs.map((x) => x[0])).toFixed(0)} / ${median(xs.map((x) => x[1])).toFixed(0)}`;
  console.log(`| ${photo} | ${full.width}x${full.height} | ${cell(plain)} | ${cell(term)} |`);
}

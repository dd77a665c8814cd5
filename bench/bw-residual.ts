/**
 * Where kk-tiny's residual colour at "black and white", strength 1, comes from (issue 14's B&W target: at
 * most 10 % of the source's colour). For each photo and model, at the working size (the model's own output,
 * before any transfer to the photo's size):
 *
 * - the output's mean chroma (max - min of R, G, B, 8-bit levels) over the photo's, for a few B&W phrasings;
 * - the output's chroma in levels, and the same for the photo made grey first (an input with no colour at
 *   all): what the grey input gets is colour noise the model adds, the rest is colour it kept.
 *
 *   npx tsx bench/bw-residual.ts --model v4.2=models/kk-tiny --model v4.1=/tmp/kk41 --source a.jpg ...
 */
import { readFile } from 'node:fs/promises';
import { basename, dirname, extname } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { meanChroma } from '../eval/metrics.ts';
import { createEditPipeline } from '../pipeline/create-edit-pipeline.ts';
import { decodeSourceAt } from '../pipeline/image/preprocess.ts';

const PHRASINGS = ['make it black and white', 'turn it monochrome', 'grayscale', 'remove the colour'];
const SEED = 7;

const { values } = parseArgs({
  options: {
    model: { type: 'string', multiple: true },
    source: { type: 'string', multiple: true },
  },
});
if (!values.model?.length || !values.source?.length)
  throw new Error('usage: --model label=dir [--model ...] --source photo.jpg [--source ...]');

console.log(
  `| model | photo | photo's chroma (levels) | ${PHRASINGS.map((p) => `"${p}"`).join(' | ')} | ` +
    `output chroma (levels) | grey input: output chroma (levels) |`,
);
console.log(`|---|---|---:|${PHRASINGS.map(() => '---:').join('|')}|---:|---:|`);
for (const entry of values.model) {
  const [label, dir] = entry.includes('=') ? (entry.split('=', 2) as [string, string]) : [entry, entry];
  const pipeline = await createEditPipeline({ modelDir: dir });
  for (const path of values.source) {
    const image = new Uint8Array(await readFile(path));
    // The grey photo as sRGB with three equal channels, as a user's black-and-white JPEG arrives.
    const grey = new Uint8Array(await sharp(image).grayscale().toColourspace('srgb').png().toBuffer());
    const atS1 = async (bytes: Uint8Array, instruction: string) =>
      (await pipeline.generate({ image: bytes, instruction, strengths: [1], seed: SEED })).frames[0]!;
    const first = await atS1(image, PHRASINGS[0]!);
    const source = await decodeSourceAt(image, { width: first.width, height: first.height });
    const sourceChroma = meanChroma(source);
    const shares: string[] = [];
    for (const instruction of PHRASINGS) {
      const out = instruction === PHRASINGS[0] ? first : await atS1(image, instruction);
      shares.push(`${((100 * meanChroma(out)) / sourceChroma).toFixed(1)} %`);
    }
    const greyOut = await atS1(grey, PHRASINGS[0]!);
    // A KDE wallpaper is <Name>/contents/images/<size>.jpg: name it by its folder.
    const photo = path.includes('/contents/images/')
      ? basename(dirname(dirname(dirname(path))))
      : basename(path, extname(path));
    console.log(
      `| ${label} | ${photo} | ${sourceChroma.toFixed(1)} | ${shares.join(' | ')} | ` +
        `${meanChroma(first).toFixed(1)} | ${meanChroma(greyOut).toFixed(1)} |`,
    );
  }
  await pipeline.dispose();
}

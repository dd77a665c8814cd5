/**
 * The kk-tiny eval at the photo's own size (issue 14): single edits as a user gets them (the working-size
 * generation carried onto the photo by the bundle's `defaults.fullResolution`, or resized when a bundle has
 * none), compared with the calibrated targets computed on the photo itself at the output size.
 *
 *   npx tsx eval/full-resolution-eval.ts --model new=models/kk-tiny --model old=/path/to/kk-tiny-3 \
 *     --source a.jpg --source b.jpg ... [--max-side 2048] [--phrasings 2] [--json out.json]
 *
 * Per photo, model and family: the family's first `--phrasings` held-out phrasings (never trained on; tint
 * colours rotate), one generation at strengths 0, 0.25, 0.5, 0.75, 1 with a fixed seed, each strength carried
 * to the output size as `EditPipeline.run` does for a single edit. Prints markdown tables: identity at s = 0
 * against the photo, fidelity PSNR against the target at each strength, black-and-white residual colour at
 * s = 1, and block-grid energy (eval/block-grid.ts) at the codec's 8 and 16 px periods on the working-size
 * output and at the same periods scaled to the output size. Each case also records how the product reads
 * its instruction (`checkInstruction`: runs, runs with a note, or refused before the model runs), and the
 * summary is given over every case and over the cases that run without a note (what the issue's phrasing
 * target asks: "reaches the same fidelity bar, or gets the note").
 */
import { readFile, writeFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { createEditPipeline } from '../pipeline/create-edit-pipeline.ts';
import { decodeSourceAt } from '../pipeline/image/preprocess.ts';
import type { RgbFrame } from '../pipeline/image/rgb-frame.ts';
import { outputSize } from '../pipeline/render-files.ts';
import { transferSweep } from '../pipeline/transfer-to-source-size.ts';
import { resizeFrame } from '../pipeline/image/resize-frame.ts';
import { GRID_MARGIN, gridReport } from './block-grid.ts';
import { applyFamily, editTarget, frameToUnit, paramForStrength, quantise } from './edit-families.ts';
import {
  COLOUR_NAMES,
  FAMILY_IDS,
  calibrationTable,
  familySpec,
  loadEditsSpec,
  renderPhrasing,
  type ColourName,
  type EditsSpec,
  type FamilyId,
} from './edits-spec.ts';
import { meanChroma, psnr } from './metrics.ts';
import { readAsTheProductDoes } from './product-reading.ts';

const STRENGTHS = [0.25, 0.5, 0.75, 1] as const;
const SEED = 7;

const { values } = parseArgs({
  options: {
    model: { type: 'string', multiple: true },
    source: { type: 'string', multiple: true },
    'max-side': { type: 'string', default: '2048' },
    phrasings: { type: 'string', default: '2' },
    json: { type: 'string' },
  },
});
if (!values.source?.length) throw new Error('give at least one --source photo');
if (!values.model?.length) throw new Error('give at least one --model label=dir');
const maxSide = Number(values['max-side']);
const phrasingsPerFamily = Number(values.phrasings);
const log = (line: string) => process.stderr.write(`${line}\n`);

/**
 * The target at the output size. Blur's calibrated sigma is in working-size pixels, so at the output size it
 * is scaled by the size ratio (the same blur seen at the photo's size), and run by libvips (the port's fixed
 * 9-pixel radius is too short for those sigmas).
 */
async function targetAt(
  source: RgbFrame,
  spec: EditsSpec,
  id: FamilyId,
  s: number,
  colour: ColourName | undefined,
  scale: number,
): Promise<RgbFrame> {
  if (id !== 'blur') return editTarget(source, spec, id, s, colour);
  const sigma = paramForStrength(calibrationTable(spec, id), s) * scale;
  if (sigma < 0.3) return quantise(applyFamily(id, frameToUnit(source), sigma));
  const { width, height } = source;
  const data = await sharp(source.data, { raw: { width, height, channels: 3 } })
    .blur(sigma)
    .raw()
    .toBuffer();
  return { data: new Uint8Array(data), width, height };
}

interface Row {
  model: string;
  photo: string;
  family: FamilyId;
  instruction: string;
  identity: number;
  fidelity: number[];
  chromaRatio?: number;
  grid: { working8: number; working16: number; full8: number; full16: number };
  workingSize: string;
  outputSize: string;
  /** What a user is told (instruction-check.ts): nothing, a note, or a refusal (the edit would not run). */
  reading: 'runs' | 'note' | 'refused';
  note?: string;
}

/** How the product reads `instruction` (Row.reading), and the text the model then reads. */
function readingOf(
  bundle: Parameters<typeof readAsTheProductDoes>[0],
  instruction: string,
): Pick<Row, 'reading' | 'note'> & { modelInstruction: string } {
  const read = readAsTheProductDoes(bundle, instruction);
  const { modelInstruction } = read;
  if (read.refused) return { reading: 'refused', note: read.error.message, modelInstruction };
  return read.note
    ? { reading: 'note', note: read.note, modelInstruction }
    : { reading: 'runs', modelInstruction };
}

const rows: Row[] = [];
for (const entry of values.model) {
  const [label, dir] = entry.includes('=')
    ? (entry.split('=', 2) as [string, string])
    : [basename(entry), entry];
  const spec = await loadEditsSpec(dir);
  const pipeline = await createEditPipeline({ modelDir: dir });
  const transfers = pipeline.bundle.manifest.defaults.fullResolution === 'guided-transfer';
  let colourIndex = 0;
  for (const path of values.source) {
    const image = new Uint8Array(await readFile(path));
    const photo = basename(dirname(dirname(dirname(path)))) || basename(path);
    for (const family of FAMILY_IDS) {
      const heldOut = familySpec(spec, family).phrasings.heldOut.slice(0, phrasingsPerFamily);
      for (const phrasing of heldOut) {
        const colour = family === 'tint' ? COLOUR_NAMES[colourIndex++ % COLOUR_NAMES.length] : undefined;
        const instruction = renderPhrasing(phrasing, colour ?? 'blue');
        const { modelInstruction, ...reading } = readingOf(pipeline.bundle, instruction);
        const g = await pipeline.generate({
          image,
          instruction: modelInstruction,
          strengths: [0, ...STRENGTHS],
          seed: SEED,
        });
        const size = outputSize(g.sourceWidth, g.sourceHeight, maxSide);
        const working = { width: g.frames[0]!.width, height: g.frames[0]!.height };
        const scale = size.width / working.width;
        const full = await decodeSourceAt(image, size);
        const small = await decodeSourceAt(image, working);
        // The photo is decoded once per case and every strength carried onto it with one transferSweep (each
        // frame's result is the one `EditPipeline.run` gives that strength as a single edit).
        const carried = transfers
          ? await transferSweep(full, g.frames, g.frames[0]!)
          : await Promise.all(g.frames.map((frame) => resizeFrame(frame, size.width, size.height)));
        const identity = psnr(carried[0]!, full);
        const targets: RgbFrame[] = [];
        for (const s of STRENGTHS) targets.push(await targetAt(full, spec, family, s, colour, scale));
        const fidelity = targets.map((target, k) => psnr(carried[k + 1]!, target));
        const [last, fullTarget] = [carried.at(-1)!, targets.at(-1)!];
        const workingTarget = editTarget(small, spec, family, 1, colour);
        const modelOut = g.frames[STRENGTHS.length]!;
        const row: Row = {
          model: label,
          photo,
          family,
          instruction,
          identity,
          fidelity,
          grid: {
            working8: gridReport(modelOut, workingTarget, 8).excess,
            working16: gridReport(modelOut, workingTarget, 16).excess,
            full8: gridReport(last, fullTarget, 8 * scale).excess,
            full16: gridReport(last, fullTarget, 16 * scale).excess,
          },
          workingSize: `${working.width}x${working.height}`,
          outputSize: `${size.width}x${size.height}`,
          ...(family === 'grayscale' ? { chromaRatio: meanChroma(last) / meanChroma(full) } : {}),
          ...reading,
        };
        rows.push(row);
        log(
          `[full-res] ${label} ${photo} ${family} "${instruction}" (${row.reading}): identity ${identity.toFixed(1)}, fidelity ` +
            `${fidelity.map((f) => f.toFixed(1)).join('/')}, grid ${Object.values(row.grid)
              .map((v) => v.toFixed(2))
              .join(
                '/',
              )}${row.chromaRatio === undefined ? '' : `, B&W chroma ${(100 * row.chromaRatio).toFixed(1)}%`}`,
        );
      }
    }
  }
  await pipeline.dispose();
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const fmt = (v: number) => (v >= 100 ? 'exact' : v.toFixed(1));
const models = [...new Set(rows.map((r) => r.model))];
console.log(
  `Photos: ${[...new Set(rows.map((r) => `${r.photo} (${r.outputSize}, working ${r.workingSize})`))].join(', ')}; ` +
    `${phrasingsPerFamily} held-out phrasings per family; seed ${SEED}.\n`,
);
console.log(
  `| family | ${models.map((m) => `${m} identity | ${m} fidelity (s=0.25/0.5/0.75/1) | ${m} mean`).join(' | ')} |`,
);
console.log(`|---|${models.map(() => '---:|---:|---:').join('|')}|`);
for (const family of FAMILY_IDS) {
  const cells = models.map((m) => {
    const rs = rows.filter((r) => r.model === m && r.family === family);
    const byS = STRENGTHS.map((_, k) => mean(rs.map((r) => r.fidelity[k]!)));
    return `${fmt(mean(rs.map((r) => Math.min(r.identity, 100))))} | ${byS.map((v) => v.toFixed(1)).join(' / ')} | ${mean(byS).toFixed(1)}`;
  });
  console.log(`| ${family} | ${cells.join(' | ')} |`);
}
/** One model's summary line over `rs` (all its cases, or the ones that run without a note). */
function summary(m: string, rs: Row[], scope: string): string {
  const perFamily = FAMILY_IDS.map((f) => rs.filter((r) => r.family === f).flatMap((r) => r.fidelity)).map(
    (xs) => (xs.length ? mean(xs) : NaN),
  );
  const measured = perFamily.filter((v) => !Number.isNaN(v));
  const worst = Math.min(...measured);
  const bw = rs.filter((r) => r.chromaRatio !== undefined).map((r) => r.chromaRatio!);
  const grid = (key: keyof Row['grid']) => Math.max(...rs.map((r) => r.grid[key]));
  const told = (kind: Row['reading']) => rs.filter((r) => r.reading === kind).length;
  return (
    `- **${m}**, ${scope} (${rs.length} cases; ${told('note')} with a note, ${told('refused')} refused): identity ` +
    `${fmt(mean(rs.map((r) => Math.min(r.identity, 100))))} dB, fidelity mean ${mean(measured).toFixed(1)} dB over ` +
    `${measured.length} families, worst family ${FAMILY_IDS[perFamily.indexOf(worst)]} ${worst.toFixed(1)} dB; ` +
    `B&W residual colour at s = 1 ${(100 * mean(bw)).toFixed(1)}% of the photo's (max ${(100 * Math.max(...bw)).toFixed(1)}%, ${bw.length} cases); ` +
    `largest block-grid excess (PASS <= ${GRID_MARGIN}) working 8 px ${grid('working8').toFixed(2)}, 16 px ` +
    `${grid('working16').toFixed(2)}, output-size ${grid('full8').toFixed(2)} / ${grid('full16').toFixed(2)}`
  );
}
const overall = models.flatMap((m) => {
  const rs = rows.filter((r) => r.model === m);
  return [
    summary(m, rs, 'every case'),
    summary(
      m,
      rs.filter((r) => r.reading === 'runs'),
      'cases that run without a note',
    ),
  ];
});
const noted = rows.filter((r) => r.reading !== 'runs');
if (noted.length)
  console.log(
    `\nTold, not (only) run: ${[...new Set(noted.map((r) => `${r.model} "${r.instruction}" (${r.reading})`))].join('; ')}`,
  );
console.log(`\n${overall.join('\n')}`);
if (values.json) await writeFile(values.json, JSON.stringify(rows, null, 1));

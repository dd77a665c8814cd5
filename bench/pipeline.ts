/**
 * Pipeline benchmark: `npx tsx bench/pipeline.ts [--model dir] [--runs N] [--steps N]`.
 *
 * 1. A single edit's latency by stage (median of N cold runs: caches cleared before each).
 * 2. A 6-strength sweep run as one batch vs the reference-style loop: 6 separate full runs, each encoding
 *    the instruction and the image again (caches off). Both are timed through `generate()` (everything up
 *    to decoded frames), so the ratio is model work only, not GIF/PNG encoding.
 * 3. A "stronger" re-edit (same image and instruction, cached encodings) vs a cold edit.
 * 4. A full sweep of the bundle's default frame count through `run()` (GIF + contact sheet included), cold
 *    caches, by stage, at the configured KK_MAX_BATCH.
 *
 * Prints a markdown table (for BENCHMARKS.md). Timed in one process, back to back, on whatever providers
 * KK_EXECUTION_PROVIDERS names (default cpu).
 */
import { parseArgs } from 'node:util';
import { cpus } from 'node:os';
import sharp from 'sharp';
import { loadConfig } from '../config/config.ts';
import { defaultModelDir } from '../models/default-model-dir.ts';
import { loadBundle } from '../models/load-bundle.ts';
import { EditPipeline } from '../pipeline/edit-pipeline.ts';
import type { EditInput } from '../pipeline/types.ts';

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    runs: { type: 'string', default: '5' },
    steps: { type: 'string' },
  },
});
const runs = Number(values.runs);
const config = await loadConfig();
const modelDir = values.model ?? config.KK_MODEL_DIR ?? defaultModelDir();

/** A smooth synthetic photo stand-in, 640x480 (resized by the pipeline to the bundle's working area). */
async function sourceImage(): Promise<Uint8Array> {
  const width = 640;
  const height = 480;
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      rgb[i] = (x * 255) / width;
      rgb[i + 1] = (y * 255) / height;
      rgb[i + 2] = 128 + 100 * Math.sin((x + y) / 40);
    }
  return sharp(rgb, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const time = async (fn: () => Promise<unknown>) => {
  const start = performance.now();
  await fn();
  return performance.now() - start;
};

const bundle = await loadBundle(modelDir, {
  executionProviders: config.KK_EXECUTION_PROVIDERS,
  intraOpThreads: config.KK_INTRA_OP_THREADS,
  lazyComponents: [],
});
const pipeline = new EditPipeline({ bundle, maxBatch: 6, ownsBundle: false });
const noCache = new EditPipeline({
  bundle,
  maxBatch: 6,
  ownsBundle: false,
  textCacheBytes: 0,
  sourceCacheBytes: 0,
});
const image = await sourceImage();
const steps = values.steps ? Number(values.steps) : bundle.manifest.defaults.steps;
const base: EditInput = { image, instruction: 'make it snowy', strengths: [0.5], seed: 1, steps };

// Warm-up: first runs pay for onnxruntime's lazy allocations.
await pipeline.run(base);
await noCache.generate({ ...base, strengths: [0, 0.2, 0.4, 0.6, 0.8, 1] });

// 1. Single edit by stage, cold caches.
const stageTimes: Record<string, number[]> = {};
for (let i = 0; i < runs; i++) {
  pipeline.caches.clear();
  const result = await pipeline.run(base);
  for (const [stage, ms] of Object.entries(result.timings)) (stageTimes[stage] ??= []).push(ms);
}

// 2. Sweep of 6: one batched generate (cold caches) vs 6 separate full generates without caches.
const sweep = [0, 0.2, 0.4, 0.6, 0.8, 1];
const batched: number[] = [];
const looped: number[] = [];
for (let i = 0; i < runs; i++) {
  pipeline.caches.clear();
  batched.push(await time(() => pipeline.generate({ ...base, strengths: sweep })));
  looped.push(
    await time(async () => {
      for (const s of sweep) await noCache.generate({ ...base, strengths: [s] });
    }),
  );
}

// 3. Cached re-edit ("stronger") vs cold edit.
const cold: number[] = [];
const reedit: number[] = [];
for (let i = 0; i < runs; i++) {
  pipeline.caches.clear();
  cold.push(await time(() => pipeline.run(base)));
  reedit.push(await time(() => pipeline.run({ ...base, strengths: [0.75] })));
}

// 4. The bundle's default sweep, end to end, by stage.
const sweepFrames = bundle.manifest.defaults.sweepFrames;
const sweeper = new EditPipeline({ bundle, maxBatch: config.KK_MAX_BATCH, ownsBundle: false });
const sweepStages: Record<string, number[]> = {};
for (let i = 0; i < runs; i++) {
  const strengths = Array.from({ length: sweepFrames }, (_, k) => k / (sweepFrames - 1));
  const result = await sweeper.run({ ...base, strengths });
  for (const [stage, ms] of Object.entries(result.timings)) (sweepStages[stage] ??= []).push(ms);
}
await sweeper.dispose();

const { manifest } = bundle;
const providers = Object.values(bundle.sessions).map((s) => `${s.component}=${s.provider ?? 'unopened'}`);
const fmt = (ms: number) => ms.toFixed(1);
const lines = [
  `Model \`${manifest.id}@${manifest.version}\` (${manifest.dtype}, ${manifest.attention} attention), ${steps} steps, ` +
    `working area ${manifest.defaults.maxArea} px; ${cpus().length} CPU cores; providers: ${[...new Set(providers.map((p) => p.split('=')[1]))].join(', ')}; ` +
    `median of ${runs} runs.`,
  '',
  '| Single edit stage | ms (median) |',
  '| --- | ---: |',
  ...Object.entries(stageTimes).map(([stage, ms]) => `| ${stage} | ${fmt(median(ms))} |`),
  '',
  '| Comparison | ms (median) | ratio |',
  '| --- | ---: | ---: |',
  `| 6-strength sweep, one batch (generate) | ${fmt(median(batched))} | 1.00 |`,
  `| 6 separate runs, no caches (generate) | ${fmt(median(looped))} | ${(median(looped) / median(batched)).toFixed(2)}x slower |`,
  `| cold single edit (run) | ${fmt(median(cold))} | 1.00 |`,
  `| cached "stronger" re-edit (run) | ${fmt(median(reedit))} | ${(median(cold) / median(reedit)).toFixed(2)}x faster |`,
  '',
  `| ${sweepFrames}-frame sweep stage (run, batch ${config.KK_MAX_BATCH}) | ms (median) |`,
  '| --- | ---: |',
  ...Object.entries(sweepStages).map(([stage, ms]) => `| ${stage} | ${fmt(median(ms))} |`),
];
console.log(lines.join('\n'));
await pipeline.dispose();
await noCache.dispose();
await bundle.dispose();

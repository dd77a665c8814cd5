/**
 * The onnxruntime side of the CUDA benchmark (issue 11, BENCHMARKS.md section 5), run on the GPU host after
 * bench/gpu/cuda_prepare.py and beside bench/gpu/diffusers_bench.py (same card, same run):
 *
 *   npx tsx bench/gpu/cuda-bench.ts --root /tmp/kk --out cuda.json [--device 0] [--runs 3]
 *
 * 1. One transformer call of the full-width slice at 512^2 and 1024^2: the plain fp16 export and the one
 *    onnxruntime's transformer optimizer fused, each checked against the fp32 PyTorch reference (relative
 *    RMS); session options as levers; host<->device copies per call from onnxruntime's profiler; and whether
 *    outputs can stay on the GPU (`preferredOutputLocation: 'gpu-buffer'`, tried in a child process).
 * 2. Every other component on CUDA against its fp32 reference (the precision chosen per component), T5 in
 *    fp32 and bf16.
 * 3. The whole TypeScript pipeline on the optimized scale bundle: a 1024^2 edit of 28 steps by stage, and a
 *    6-frame sweep at 512^2 as one batch, plus GPU memory and session start.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { loadBundle } from '../../models/load-bundle.ts';
import { EditPipeline } from '../../pipeline/edit-pipeline.ts';

const { values } = parseArgs({
  options: {
    root: { type: 'string', default: '/tmp/kk' },
    out: { type: 'string', default: 'cuda-bench.json' },
    device: { type: 'string', default: '0' },
    runs: { type: 'string', default: '3' },
    lever: { type: 'string' },
  },
});
const root = values.root!;
const deviceId = Number(values.device);
const runs = Number(values.runs);
const cuda = [{ name: 'cuda', deviceId }] as const;
const report: Record<string, unknown> = { onnxruntimeNode: ort.env.versions.node, deviceId };
const save = () => writeFileSync(values.out!, JSON.stringify(report, null, 2));
const log = (message: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${message}`);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

interface Case {
  feeds: Record<string, ort.Tensor>;
  reference: Float32Array;
}

function loadCase(name: string): Case {
  const folder = join(root, 'refs', name);
  const spec = JSON.parse(readFileSync(join(folder, 'shapes.json'), 'utf8')) as {
    inputs: Record<string, { shape: number[]; dtype: string }>;
  };
  const feeds: Record<string, ort.Tensor> = {};
  for (const [input, { shape, dtype }] of Object.entries(spec.inputs)) {
    const bytes = readFileSync(join(folder, `${input}.bin`));
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    feeds[input] =
      dtype === 'int64'
        ? new ort.Tensor('int64', new BigInt64Array(buffer), shape)
        : new ort.Tensor('float32', new Float32Array(buffer), shape);
  }
  const ref = readFileSync(join(folder, 'reference.bin'));
  return {
    feeds,
    reference: new Float32Array(ref.buffer.slice(ref.byteOffset, ref.byteOffset + ref.byteLength)),
  };
}

/** Relative RMS error and max abs error over max |reference| (NaN shows up as non-finite). */
function accuracy(out: Float32Array, ref: Float32Array) {
  let se = 0;
  let sr = 0;
  let maxAbs = 0;
  let refMax = 0;
  for (let i = 0; i < ref.length; i++) {
    const d = out[i]! - ref[i]!;
    se += d * d;
    sr += ref[i]! * ref[i]!;
    maxAbs = Math.max(maxAbs, Math.abs(d));
    refMax = Math.max(refMax, Math.abs(ref[i]!));
  }
  return { relRms: Math.sqrt(se / sr), maxAbsOverRefMax: maxAbs / refMax, finite: Number.isFinite(se) };
}

async function timeCalls(session: ort.InferenceSession, feeds: Record<string, ort.Tensor>, n: number) {
  for (let i = 0; i < 2; i++) await session.run(feeds);
  const times: number[] = [];
  let last: ort.InferenceSession.OnnxValueMapType = {};
  for (let i = 0; i < n; i++) {
    const start = performance.now();
    last = await session.run(feeds);
    times.push(performance.now() - start);
  }
  return { medianMs: median(times), runsMs: times.map((t) => +t.toFixed(2)), output: last };
}

async function open(file: string, options: ort.InferenceSession.SessionOptions = {}) {
  const start = performance.now();
  const session = await ort.InferenceSession.create(file, {
    executionProviders: [...cuda],
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
    ...options,
  });
  return { session, startMs: performance.now() - start };
}

/** Where one call's GPU time goes, by operator type, from onnxruntime's own profiler (relative shares). */
async function opBreakdown(file: string, feeds: Record<string, ort.Tensor>, calls: number) {
  const { session } = await open(file, { enableProfiling: true, profileFilePrefix: join(root, 'profile') });
  for (let i = 0; i < calls; i++) await session.run(feeds);
  session.endProfiling(); // writes <prefix>_<timestamp>.json (the Node API returns no path)
  await session.release();
  const profile = readdirSync(root)
    .filter((f) => f.startsWith('profile') && f.endsWith('.json'))
    .map((f) => join(root, f))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0]!;
  const events = JSON.parse(readFileSync(profile, 'utf8')) as {
    name: string;
    cat: string;
    dur: number;
    args?: { op_name?: string; provider?: string };
  }[];
  const byOp = new Map<string, number>();
  for (const e of events)
    if (e.cat === 'Node' && e.name.endsWith('_kernel_time')) {
      const op = `${e.args?.op_name ?? '?'}${e.args?.provider === 'CPUExecutionProvider' ? ' (CPU)' : ''}`;
      byOp.set(op, (byOp.get(op) ?? 0) + e.dur);
    }
  const total = [...byOp.values()].reduce((a, b) => a + b, 0);
  return Object.fromEntries(
    [...byOp]
      .sort((a, b) => b[1] - a[1])
      .map(([op, us]) => [
        op,
        { msPerCall: +(us / 1000 / calls).toFixed(3), share: +(us / total).toFixed(4) },
      ]),
  );
}

async function transformerSection() {
  const variants = {
    plain: join(root, 'scale/transformer.onnx'),
    optimized: join(root, 'scale-opt/transformer.onnx'),
  };
  const cases = { '512': loadCase('transformer-512'), '1024': loadCase('transformer-1024') };
  const result: Record<string, unknown> = {};
  for (const [variant, file] of Object.entries(variants)) {
    const { session, startMs } = await open(file);
    const entry: Record<string, unknown> = { sessionStartMs: startMs };
    for (const [side, { feeds, reference }] of Object.entries(cases)) {
      const timed = await timeCalls(session, feeds, 10);
      entry[side] = {
        medianMs: timed.medianMs,
        runsMs: timed.runsMs,
        ...accuracy(timed.output.sample!.data as Float32Array, reference),
      };
      log(`transformer ${variant} ${side}: ${JSON.stringify(entry[side])}`);
    }
    await session.release();
    result[variant] = entry;
    report.transformer = result;
    save();
  }
  const levers: Record<string, unknown> = {};
  const big = cases['1024'];
  for (const [name, options] of Object.entries({
    'graphOptimizationLevel basic': { graphOptimizationLevel: 'basic' },
    'graphOptimizationLevel disabled': { graphOptimizationLevel: 'disabled' },
    'enableMemPattern false': { enableMemPattern: false },
  } satisfies Record<string, ort.InferenceSession.SessionOptions>)) {
    const { session } = await open(variants.optimized, options);
    levers[name] = (await timeCalls(session, big.feeds, 6)).medianMs;
    await session.release();
    log(`lever ${name}: ${levers[name]} ms`);
  }
  // Host<->device copies of one call: the same inputs and output through a graph that does no real work.
  const io = await open(join(root, 'levers/io-only.onnx'));
  for (const [side, { feeds }] of Object.entries(cases)) {
    const copyMs = (await timeCalls(io.session, feeds, 10)).medianMs;
    const callMs = (result.optimized as Record<string, { medianMs: number }>)[side]!.medianMs;
    levers[`hostDeviceCopies${side}`] = { copyMsPerCall: copyMs, shareOfOptimizedCall: copyMs / callMs };
    log(`copies ${side}: ${copyMs} ms per call (${((100 * copyMs) / callMs).toFixed(1)} % of a call)`);
  }
  await io.session.release();
  try {
    const bf16 = await open(join(root, 'levers/transformer-bf16/transformer.onnx'));
    const timed = await timeCalls(bf16.session, big.feeds, 6);
    levers['bf16 weights (plain export) 1024'] = {
      medianMs: timed.medianMs,
      ...accuracy(timed.output.sample!.data as Float32Array, big.reference),
    };
    await bf16.session.release();
  } catch (error) {
    levers['bf16 weights (plain export) 1024'] = { error: String(error).slice(0, 400) };
  }
  log(`bf16 lever: ${JSON.stringify(levers['bf16 weights (plain export) 1024'])}`);
  levers.opBreakdownOptimized1024 = await opBreakdown(variants.optimized, big.feeds, 3);
  levers.opBreakdownPlain1024 = await opBreakdown(variants.plain, big.feeds, 3);
  save();
  const child = spawnSync(
    process.execPath,
    [
      ...process.execArgv,
      fileURLToPath(import.meta.url),
      '--root',
      root,
      '--device',
      String(deviceId),
      '--lever',
      'gpu-buffer',
      '--out',
      join(root, 'gpu-buffer.json'),
    ],
    { encoding: 'utf8', timeout: 300_000 },
  );
  levers.gpuBuffer = {
    exitCode: child.status,
    signal: child.signal,
    tail: `${child.stdout}\n${child.stderr}`.slice(-1500),
  };
  log(`gpu-buffer lever: exit ${child.status} ${child.signal ?? ''}`);
  result.levers = levers;
  save();
}

/** In a child: can the CUDA session leave its output on the GPU for the next step? */
async function gpuBufferLever() {
  const { feeds } = loadCase('transformer-512');
  const { session } = await open(join(root, 'scale-opt/transformer.onnx'), {
    preferredOutputLocation: 'gpu-buffer',
  });
  const timed = await timeCalls(session, feeds, 5);
  const sample = timed.output.sample!;
  console.log(JSON.stringify({ medianMs: timed.medianMs, location: sample.location, dims: sample.dims }));
}

async function componentsSection() {
  const files: Record<string, [string, string]> = {
    clip: ['clip', 'scale/clip_text_encoder.onnx'],
    t5: ['t5', 'scale/t5_text_encoder.onnx'],
    't5 bf16 (lever)': ['t5', 'levers/t5-bf16/t5_text_encoder.onnx'],
    projector: ['projector', 'scale/slider_projector.onnx'],
    'vae encoder 1024': ['vae-encoder', 'scale/vae_encoder.onnx'],
    'vae decoder 1024': ['vae-decoder', 'scale/vae_decoder.onnx'],
  };
  const result: Record<string, unknown> = {};
  for (const [name, [refCase, file]] of Object.entries(files)) {
    try {
      const { feeds, reference } = loadCase(refCase);
      const { session, startMs } = await open(join(root, file));
      const timed = await timeCalls(session, feeds, 5);
      const output = Object.values(timed.output)[0]!.data as Float32Array;
      result[name] = { medianMs: timed.medianMs, sessionStartMs: startMs, ...accuracy(output, reference) };
      await session.release();
    } catch (error) {
      result[name] = { error: String(error).slice(0, 500) };
    }
    log(`component ${name}: ${JSON.stringify(result[name])}`);
    report.components = result;
    save();
  }
}

function gpuMemoryMiB(): number | undefined {
  try {
    const rows = execFileSync(
      'nvidia-smi',
      ['--query-compute-apps=pid,used_memory', '--format=csv,noheader,nounits'],
      { encoding: 'utf8' },
    );
    const mine = rows.split('\n').find((row) => row.split(',')[0]?.trim() === String(process.pid));
    return mine ? Number(mine.split(',')[1]) : undefined;
  } catch {
    return undefined;
  }
}

async function sourcePng(side: number): Promise<Uint8Array> {
  const rgb = new Uint8Array(side * side * 3);
  for (let y = 0; y < side; y++)
    for (let x = 0; x < side; x++) {
      const i = (y * side + x) * 3;
      rgb[i] = (x * 255) / side;
      rgb[i + 1] = (y * 255) / side;
      rgb[i + 2] = 128 + 100 * Math.sin((x + y) / 40);
    }
  return sharp(rgb, { raw: { width: side, height: side, channels: 3 } })
    .png()
    .toBuffer();
}

async function pipelineSection() {
  const started = performance.now();
  const bundle = await loadBundle(join(root, 'scale-opt'), {
    executionProviders: [...cuda],
    lazyComponents: [],
  });
  const result: Record<string, unknown> = {
    bundleStartMs: performance.now() - started,
    gpuMemoryAfterLoadMiB: gpuMemoryMiB(),
  };
  const pipeline = new EditPipeline({ bundle, maxBatch: 6, ownsBundle: false });
  const base = {
    image: await sourcePng(1024),
    instruction: 'Make the sky a deep blue',
    strengths: [1],
    seed: 1,
    steps: 28,
  };
  const first = await pipeline.run(base);
  result.firstEditTimings = first.timings;
  const stages: Record<string, number[]> = {};
  const walls: number[] = [];
  for (let i = 0; i < runs; i++) {
    pipeline.caches.clear();
    const start = performance.now();
    const edit = await pipeline.run({ ...base, seed: 2 + i });
    walls.push(performance.now() - start);
    for (const [stage, ms] of Object.entries(edit.timings)) (stages[stage] ??= []).push(ms);
  }
  result.edit1024 = {
    width: first.width,
    height: first.height,
    wallMs: median(walls),
    stagesMs: Object.fromEntries(Object.entries(stages).map(([k, v]) => [k, median(v)])),
  };
  result.gpuMemoryAfterEditMiB = gpuMemoryMiB();
  log(`edit 1024: ${JSON.stringify(result.edit1024)}`);
  report.pipeline = result;
  save();

  // The sweep at 512^2: the bundle's working area is its maxArea, so the benchmark lowers it for this part.
  bundle.manifest.defaults.maxArea = 512 * 512;
  const strengths = [0, 0.2, 0.4, 0.6, 0.8, 1];
  const sweepBase = { ...base, image: await sourcePng(512) };
  await pipeline.generate({ ...sweepBase, strengths });
  const batched: number[] = [];
  const batchedStages: Record<string, number[]> = {};
  for (let i = 0; i < runs; i++) {
    pipeline.caches.clear();
    const start = performance.now();
    const sweep = await pipeline.run({ ...sweepBase, strengths, seed: 10 + i });
    batched.push(performance.now() - start);
    for (const [stage, ms] of Object.entries(sweep.timings)) (batchedStages[stage] ??= []).push(ms);
  }
  // What batching buys: the same sweep's model work (generate(), no GIF) at batch 6, 3 and 1.
  const byBatch: Record<string, number> = {};
  for (const maxBatch of [6, 3, 1]) {
    const sized = new EditPipeline({
      bundle,
      maxBatch,
      ownsBundle: false,
      textCacheBytes: 0,
      sourceCacheBytes: 0,
    });
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const start = performance.now();
      await sized.generate({ ...sweepBase, strengths, seed: 20 + i });
      times.push(performance.now() - start);
    }
    byBatch[`maxBatch ${maxBatch}`] = median(times);
    log(`sweep 512 generate at maxBatch ${maxBatch}: ${byBatch[`maxBatch ${maxBatch}`]} ms`);
  }
  result.sweep512GenerateByBatch = byBatch;
  result.sweep512 = {
    frames: strengths.length,
    wallMs: median(batched),
    stagesMs: Object.fromEntries(Object.entries(batchedStages).map(([k, v]) => [k, median(v)])),
  };
  log(`sweep 512: ${JSON.stringify(result.sweep512)}`);
  result.gpuMemoryPeakMiB = gpuMemoryMiB();
  save();
  await pipeline.dispose();
  await bundle.dispose();
}

if (values.lever === 'gpu-buffer') {
  await gpuBufferLever();
} else {
  const only = process.env.KK_BENCH_PARTS?.split(',') ?? ['transformer', 'components', 'pipeline'];
  if (only.includes('transformer')) await transformerSection();
  if (only.includes('components')) await componentsSection();
  if (only.includes('pipeline')) await pipelineSection();
  log('done');
}

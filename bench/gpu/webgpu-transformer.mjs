// Node half of the GPU benchmark (issue 4, item 9): times one transformer call of each exported variant
// on onnxruntime-node's WebGPU provider and checks its output against the fp32 PyTorch reference written
// by export_midsize.py. Plain ESM (no tsx) so only node + onnxruntime-node travel to the GPU host.
//
//   node bench/gpu/webgpu-transformer.mjs /tmp/mid > report.json
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import ort from 'onnxruntime-node';

const root = process.argv[2];
// `levers`: only the runs the first session could not finish (its gpu-buffer run crashed the process).
const only = process.argv[3];
const allPlans = [
  // [variant, size, runs, session options]
  ['fp32-decomposed', '512', 3, {}],
  ['fp32-mha', '512', 3, {}],
  ['fp16-mha', '512', 3, {}],
  ['fp16-mha', '512', 3, { preferredOutputLocation: 'gpu-buffer' }],
  ['fp16-mha', '512', 3, { graphOptimizationLevel: 'basic' }],
  ['fp32-decomposed', '1024', 1, {}],
  ['fp32-mha', '1024', 2, {}],
  ['fp16-mha', '1024', 2, {}],
  ['fp16-mha', '1024', 2, { preferredOutputLocation: 'gpu-buffer' }],
];
const plans =
  only === 'levers'
    ? [
        ['fp16-mha', '512', 3, {}],
        ['fp16-mha', '512', 3, { graphOptimizationLevel: 'basic' }],
        ['fp16-mha', '1024', 2, {}],
      ]
    : allPlans;

function loadInputs(size) {
  const dir = join(root, `inputs-${size}`);
  const shapes = JSON.parse(readFileSync(join(dir, 'shapes.json'), 'utf8'));
  const feeds = {};
  for (const [name, shape] of Object.entries(shapes)) {
    const buf = readFileSync(join(dir, `${name}.bin`));
    feeds[name] = new ort.Tensor(
      'float32',
      new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4),
      shape,
    );
  }
  const ref = readFileSync(join(dir, 'reference.bin'));
  return { feeds, reference: new Float32Array(ref.buffer, ref.byteOffset, ref.byteLength / 4) };
}

function compare(out, ref) {
  let maxAbs = 0,
    refMax = 0,
    finite = true;
  for (let i = 0; i < ref.length; i++) {
    const d = Math.abs(out[i] - ref[i]);
    if (!Number.isFinite(out[i])) finite = false;
    if (d > maxAbs) maxAbs = d;
    if (Math.abs(ref[i]) > refMax) refMax = Math.abs(ref[i]);
  }
  return { maxAbs, relToRefMax: maxAbs / refMax, finite };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const results = [];
const cache = new Map();
for (const [variant, size, runs, extra] of plans) {
  const file = join(root, variant, 'transformer.onnx');
  if (!existsSync(file)) {
    results.push({ variant, size, error: 'missing' });
    continue;
  }
  if (!cache.has(size)) cache.set(size, loadInputs(size));
  const { feeds, reference } = cache.get(size);
  const row = { variant, size, options: extra };
  let session;
  try {
    const t0 = performance.now();
    session = await ort.InferenceSession.create(file, { executionProviders: ['webgpu'], ...extra });
    row.createMs = performance.now() - t0;
    const times = [];
    let output;
    for (let i = 0; i <= runs; i++) {
      const t = performance.now();
      const { sample } = await session.run(feeds);
      times.push(performance.now() - t);
      // A gpu-buffer output stays on the GPU (as it would between denoising steps); only the last is read back.
      if (sample.location === 'gpu-buffer') {
        if (i === runs) output = await sample.getData(true);
        else sample.dispose();
      } else output = sample.data;
    }
    row.firstMs = times[0];
    row.medianMs = median(times.slice(1));
    row.runsMs = times.slice(1);
    row.check = compare(output, reference);
  } catch (error) {
    row.error = String(error?.message ?? error).slice(0, 500);
  } finally {
    await session?.release();
  }
  console.error(JSON.stringify(row));
  results.push(row);
}
console.log(JSON.stringify({ ort: ort.env.versions, results }, null, 2));

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { loadBundle, readManifest, type ModelBundle } from '../../models/load-bundle.ts';
import {
  BundleChecksumError,
  BundleFileMissingError,
  BundleFileSizeError,
  BundleManifestError,
  BundleVersionError,
  TensorNameError,
  TensorShapeError,
} from '../../models/bundle-errors.ts';
import { TINY_RANDOM_MODEL_DIR } from '../../models/default-model-dir.ts';
import type { BundleManifest } from '../../models/bundle-manifest.ts';

const scratch: string[] = [];

/** A copy of the tiny bundle (files symlinked) with `edit` applied to its model.json. */
async function mutatedBundle(edit: (manifest: Record<string, unknown>) => void, omit: string[] = []) {
  const dir = await mkdtemp(join(tmpdir(), 'kk-bundle-'));
  scratch.push(dir);
  for (const entry of await readdir(TINY_RANDOM_MODEL_DIR))
    if (entry !== 'model.json' && !omit.includes(entry))
      await symlink(join(TINY_RANDOM_MODEL_DIR, entry), join(dir, entry));
  const manifest = JSON.parse(await readFile(join(TINY_RANDOM_MODEL_DIR, 'model.json'), 'utf8'));
  edit(manifest);
  await writeFile(join(dir, 'model.json'), JSON.stringify(manifest));
  return dir;
}

let bundle: ModelBundle;
before(async () => {
  bundle = await loadBundle(TINY_RANDOM_MODEL_DIR);
});
after(async () => {
  await bundle.dispose();
  await Promise.all(scratch.map((dir) => rm(dir, { recursive: true, force: true })));
});

test('loads the tiny bundle: every session but the lazy VAE encoder is open, on the CPU', () => {
  for (const session of Object.values(bundle.sessions)) {
    if (session.component === 'vaeEncoder') assert.equal(session.isOpen, false);
    else assert.equal(session.provider, 'cpu', session.component);
  }
  assert.equal(bundle.key, `${bundle.manifest.id}@${bundle.manifest.version}`);
});

test('a missing file names the file', async () => {
  const manifest: BundleManifest = await readManifest(TINY_RANDOM_MODEL_DIR);
  const file = manifest.components.transformer.file;
  const top = file.split('/')[0]!;
  const dir = await mutatedBundle(() => {}, [top]);
  await assert.rejects(
    loadBundle(dir),
    (e: unknown) => e instanceof BundleFileMissingError && e.file.startsWith(top),
  );
});

test('file sizes are always checked; sha256 only with verifyChecksums', async () => {
  const wrongSize = await mutatedBundle((m) => {
    const files = m.files as Record<string, { bytes: number }>;
    files['slider_projector.onnx']!.bytes += 1;
  });
  await assert.rejects(
    loadBundle(wrongSize),
    (e: unknown) => e instanceof BundleFileSizeError && e.file === 'slider_projector.onnx',
  );
  const wrongHash = await mutatedBundle((m) => {
    const files = m.files as Record<string, { sha256: string }>;
    files['slider_projector.onnx']!.sha256 = '0'.repeat(64);
  });
  const unchecked = await loadBundle(wrongHash);
  await unchecked.dispose();
  await assert.rejects(
    loadBundle(wrongHash, { verifyChecksums: true }),
    (e: unknown) => e instanceof BundleChecksumError && e.file === 'slider_projector.onnx',
  );
  const verified = await loadBundle(TINY_RANDOM_MODEL_DIR, { verifyChecksums: true });
  await verified.dispose();
});

test('an unknown formatVersion is refused with the supported version', async () => {
  const dir = await mutatedBundle((m) => void (m.formatVersion = 2));
  await assert.rejects(loadBundle(dir), (e: unknown) => {
    assert.ok(e instanceof BundleVersionError);
    assert.equal(e.formatVersion, 2);
    assert.match(e.message, /formatVersion 2.*reads only formatVersion 1/);
    return true;
  });
});

test('a schema violation or broken JSON is a manifest error', async () => {
  const dir = await mutatedBundle((m) => void (m.attention = 'flash'));
  await assert.rejects(
    loadBundle(dir),
    (e: unknown) => e instanceof BundleManifestError && /attention/.test(e.message),
  );
  const broken = await mutatedBundle(() => {});
  await writeFile(join(broken, 'model.json'), '{ "format": ');
  await assert.rejects(loadBundle(broken), BundleManifestError);
  await assert.rejects(
    loadBundle(join(broken, 'nowhere')),
    (e: unknown) => e instanceof BundleManifestError && /not found/.test(e.message),
  );
});

test('an input name the pipeline needs but the manifest lacks is named', async () => {
  const dir = await mutatedBundle((m) => {
    const transformer = (m.components as Record<string, { inputs: { name: string }[] }>).transformer!;
    transformer.inputs.find((t) => t.name === 'img_ids')!.name = 'image_ids';
  });
  await assert.rejects(
    loadBundle(dir),
    (e: unknown) => e instanceof TensorNameError && e.tensor === 'img_ids' && e.component === 'transformer',
  );
});

test('a manifest that does not match the ONNX graph names the tensor', async () => {
  // The manifest lists an input the graph lacks, or omits one the graph has: "guidance", the one input
  // the pipeline treats as optional, so only the check against the graph can catch it.
  const dir = await mutatedBundle((m) => {
    const transformer = (
      m.components as Record<string, { inputs: { name: string; dtype: string; shape: unknown[] }[] }>
    ).transformer!;
    const hasGuidance = transformer.inputs.some((t) => t.name === 'guidance');
    if (hasGuidance) transformer.inputs = transformer.inputs.filter((t) => t.name !== 'guidance');
    else transformer.inputs.push({ name: 'guidance', dtype: 'float32', shape: ['batch'] });
  });
  await assert.rejects(
    loadBundle(dir),
    (e: unknown) => e instanceof TensorNameError && e.tensor === 'guidance',
  );
});

test('inputs are checked before running: the error names the tensor and its shape', async () => {
  const length = bundle.manifest.tokenizers.clip.maxLength;
  await assert.rejects(
    bundle.sessions.clipTextEncoder.run({ input_ids: { data: new BigInt64Array(length), dims: [length] } }),
    (e: unknown) => {
      assert.ok(e instanceof TensorShapeError);
      assert.equal(e.tensor, 'input_ids');
      assert.deepEqual(e.shape, [length]);
      assert.match(e.message, /clipTextEncoder: input "input_ids" has shape \[\d+\]; expected rank 2/);
      return true;
    },
  );
});

test('execution providers fall back in order, with a log line per session', async () => {
  const lines: string[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
  const fallback = await loadBundle(TINY_RANDOM_MODEL_DIR, {
    executionProviders: ['cuda', 'cpu'],
    logger,
    lazyComponents: [],
  });
  try {
    for (const session of Object.values(fallback.sessions)) assert.equal(session.provider, 'cpu');
    const chosen = lines.map((l) => JSON.parse(l)).filter((l) => /using the cpu provider/.test(l.msg));
    assert.equal(chosen.length, 6);
    assert.ok(lines.some((l) => /the cuda provider is unavailable/.test(l)));
  } finally {
    await fallback.dispose();
  }
});

test('dispose is idempotent and sessions refuse to run afterwards', async () => {
  const b = await loadBundle(TINY_RANDOM_MODEL_DIR);
  await Promise.all([b.dispose(), b.dispose()]);
  await b.dispose();
  await assert.rejects(b.sessions.vaeEncoder.open());
});

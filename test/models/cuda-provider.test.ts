/**
 * The CUDA provider's installer and diagnostics, without a GPU: the install plan, the pinned integrity
 * check, the tarball install into a scratch folder, the explanations of loader failures, and a worker asked
 * for `cuda` on this GPU-less machine failing with the reason instead of running on the CPU.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import {
  CUDA13_SOURCE,
  checkIntegrity,
  CudaInstallError,
  installFromNpm,
  parseDriverCudaVersion,
  planCudaInstall,
  type NpmProviderSource,
} from '../../models/cuda-provider-install.ts';
import {
  explainCudaFailure,
  explainMissingLibraries,
  parseLddMissing,
} from '../../models/cuda-diagnostics.ts';
import { openSession } from '../../models/execution-providers.ts';
import { ExecutionProviderError } from '../../models/bundle-errors.ts';
import { TINY_RANDOM_MODEL_DIR } from '../../models/default-model-dir.ts';

const run = promisify(execFile);
const PROJECTOR = join(TINY_RANDOM_MODEL_DIR, 'slider_projector.onnx');

test("the driver's CUDA version is read from nvidia-smi's banner (as printed on the H200 host)", async () => {
  const banner = await readFile(
    new URL('../../bench/gpu/results/cuda-run2/nvidia-smi.txt', import.meta.url),
    'utf8',
  );
  assert.deepEqual(parseDriverCudaVersion(banner), { major: 13, minor: 0 });
  assert.equal(parseDriverCudaVersion('NVIDIA-SMI has failed because it could not communicate'), undefined);
});

test('the plan: CUDA 13 takes the pinned npm build for onnxruntime 1.29.0 only; CUDA 12 the onnxruntime-node installer', () => {
  const base = { platform: 'linux', arch: 'x64', onnxruntimeVersion: '1.29.0' } as const;
  assert.equal(planCudaInstall({ ...base, cudaMajor: 13 }), CUDA13_SOURCE);
  assert.deepEqual(planCudaInstall({ ...base, cudaMajor: 12 }), {
    kind: 'onnxruntime-node-installer',
    flag: 'cuda12',
  });
  const refused: [Parameters<typeof planCudaInstall>[0], RegExp][] = [
    [{ ...base, cudaMajor: 13, onnxruntimeVersion: '1.30.0' }, /built for 1\.29\.0/],
    [{ ...base, cudaMajor: 11 }, /CUDA 11 is not supported/],
    [{ ...base, cudaMajor: 13, platform: 'darwin', arch: 'arm64' }, /Linux x64 only/],
  ];
  for (const [input, message] of refused)
    assert.throws(
      () => planCudaInstall(input),
      (e: unknown) => e instanceof CudaInstallError && message.test(e.message),
    );
});

/** A tarball laid out like the npm package, with stand-in libraries, and a source pinned to its hash. */
async function fakeProviderPackage(dir: string): Promise<{ tarball: string; source: NpmProviderSource }> {
  const lib = join(dir, 'package/Plugins/Linux/x64');
  await mkdir(lib, { recursive: true });
  await writeFile(join(lib, 'libonnxruntime_providers_cuda.so'), 'cuda provider bytes');
  await writeFile(join(lib, 'libonnxruntime_providers_shared.so'), 'shared bytes');
  await writeFile(join(lib, 'libother.so'), 'not ours to install');
  const tarball = join(dir, 'provider.tgz');
  await run('tar', ['-czf', tarball, '-C', dir, 'package']);
  const integrity = `sha512-${createHash('sha512')
    .update(await readFile(tarball))
    .digest('base64')}`;
  return { tarball, source: { ...CUDA13_SOURCE, integrity } };
}

test('a tarball matching its pinned integrity installs exactly the two provider libraries', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kk-cuda-test-'));
  try {
    const { tarball, source } = await fakeProviderPackage(dir);
    const bin = join(dir, 'bin');
    await mkdir(bin);
    const installed = await installFromNpm(source, bin, tarball, () => undefined);
    assert.equal(installed.length, 2);
    assert.deepEqual((await readdir(bin)).sort(), [
      'libonnxruntime_providers_cuda.so',
      'libonnxruntime_providers_shared.so',
    ]);
    assert.equal(
      await readFile(join(bin, 'libonnxruntime_providers_cuda.so'), 'utf8'),
      'cuda provider bytes',
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a tarball that does not match the pinned integrity is refused and nothing is installed', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kk-cuda-test-'));
  try {
    const { tarball } = await fakeProviderPackage(dir);
    const bin = join(dir, 'bin');
    await mkdir(bin);
    await assert.rejects(
      installFromNpm(CUDA13_SOURCE, bin, tarball, () => undefined),
      (e: unknown) => e instanceof CudaInstallError && /does not match its pinned integrity/.test(e.message),
    );
    assert.deepEqual(await readdir(bin), []);
    assert.throws(() => checkIntegrity(new Uint8Array([1]), 'sha1-abc', 'x'), /unsupported integrity/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("ldd's 'not found' lines become one sentence naming each library and what provides it", () => {
  // ldd's output for onnxruntime's CUDA 13 provider on a machine without CUDA (this one).
  const ldd = [
    '\tlinux-vdso.so.1 (0x00007ffd)',
    '\tlibcublasLt.so.13 => not found',
    '\tlibcublas.so.13 => not found',
    '\tlibcurand.so.10 => not found',
    '\tlibcuda.so.1 => not found',
    '\tlibstdc++.so.6 => /lib/x86_64-linux-gnu/libstdc++.so.6 (0x00007f)',
  ].join('\n');
  const missing = parseLddMissing(ldd);
  assert.deepEqual(missing, ['libcublasLt.so.13', 'libcublas.so.13', 'libcurand.so.10', 'libcuda.so.1']);
  const sentence = explainMissingLibraries(missing);
  for (const part of [
    'libcublasLt.so.13, libcublas.so.13 (cuBLAS',
    'libcurand.so.10 (cuRAND',
    'libcuda.so.1 (the NVIDIA driver',
    'LD_LIBRARY_PATH',
    'npm run cuda:install -- --check',
  ])
    assert.ok(sentence.includes(part), `${JSON.stringify(part)} in: ${sentence}`);
});

test('onnxruntime messages: a dlopen failure, a version mismatch and a wrong GPU index are explained', () => {
  const dlopen =
    'Failed to load library libonnxruntime_providers_cuda.so with error: libcudnn.so.9: cannot open shared object file: No such file or directory';
  assert.equal(explainCudaFailure(dlopen)?.missingLibrary, 'libcudnn.so.9');
  assert.match(explainCudaFailure(dlopen)!.explanation, /cuDNN 9/);
  assert.match(explainCudaFailure('onnxruntime version mismatch')!.explanation, /npm run cuda:install/);
  assert.match(
    explainCudaFailure('CUDA failure 101: invalid device ordinal')!.explanation,
    /GPU index does not exist/,
  );
  assert.equal(explainCudaFailure('some other failure'), undefined);
});

test('a session asked for cuda alone on a machine without it fails with the reason, never on the CPU', async () => {
  await assert.rejects(
    openSession(PROJECTOR, {
      providers: [{ name: 'cuda', deviceId: 1 }],
      component: 'sliderProjector',
      bundleDir: TINY_RANDOM_MODEL_DIR,
    }),
    (e: unknown) =>
      e instanceof ExecutionProviderError &&
      e.failures.length === 1 &&
      e.failures[0]!.provider === 'cuda:1' &&
      /npm run cuda:install/.test(e.failures[0]!.reason),
  );
});

test('with a CPU fallback configured, the session opens on the CPU and a warning says why', async () => {
  const lines: string[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => lines.push(line) });
  const opened = await openSession(PROJECTOR, {
    providers: ['cuda', 'cpu'],
    component: 'sliderProjector',
    bundleDir: TINY_RANDOM_MODEL_DIR,
    logger,
  });
  try {
    assert.equal(opened.provider, 'cpu');
    assert.equal(lines.length, 1);
    assert.match(
      JSON.parse(lines[0]!).msg,
      /the cuda provider is unavailable \(.*npm run cuda:install.*\); trying the next configured provider/,
    );
  } finally {
    await opened.session.release();
  }
});

test('npm run cuda:install: bad usage exits 2; --check without a GPU exits 1 naming what is missing', async () => {
  const cli = ['--import', 'tsx', 'bin/cuda-install.ts'];
  const usage = await run(process.execPath, [...cli, '--device', 'one']).catch(
    (e: { code: number; stderr: string }) => e,
  );
  assert.equal((usage as { code: number }).code, 2);
  assert.match((usage as { stderr: string }).stderr, /--device: expected a GPU index/);
  const check = await run(process.execPath, [...cli, '--check']).catch(
    (e: { code: number; stderr: string }) => e,
  );
  assert.equal((check as { code: number }).code, 1);
  assert.match((check as { stderr: string }).stderr, /CUDA check failed: .*cuda:0: .*npm run cuda:install/);
});

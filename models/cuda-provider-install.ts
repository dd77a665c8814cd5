/**
 * Installing onnxruntime's CUDA execution provider next to onnxruntime-node (`npm run cuda:install`).
 *
 * onnxruntime-node ships the CPU (and WebGPU) provider only. The CUDA provider is two extra libraries that
 * must match the onnxruntime core version exactly (the library refuses any other), so each supported CUDA
 * major has one pinned source:
 * - CUDA 13: onnxruntime's own 1.29.0 CUDA 13 build, which the npm registry serves repackaged (MIT) inside
 *   `com.github.asus4.onnxruntime.linux-x64-gpu@0.4.9`; fetched with `npm pack` and checked against the
 *   integrity pinned below, so a changed tarball is refused rather than installed.
 * - CUDA 12: onnxruntime-node's own installer (`--onnxruntime-node-install=cuda12`, from NuGet).
 * The pure parts (the plan, the version parsing, the integrity check) are tested without a GPU.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const SUPPORTED_ONNXRUNTIME = '1.29.0';

export interface NpmProviderSource {
  kind: 'npm';
  /** `name@version` as `npm pack` takes it. */
  spec: string;
  /** The tarball's SRI integrity as the registry published it (sha512). */
  integrity: string;
  /** Paths inside the tarball -> file names in onnxruntime-node's binary folder. */
  files: Record<string, string>;
}

export interface OnnxruntimeInstallerSource {
  kind: 'onnxruntime-node-installer';
  flag: string;
}

export type ProviderSource = NpmProviderSource | OnnxruntimeInstallerSource;

export const CUDA13_SOURCE: NpmProviderSource = {
  kind: 'npm',
  spec: 'com.github.asus4.onnxruntime.linux-x64-gpu@0.4.9',
  integrity:
    'sha512-FopIhNE/Ng+v2X65wVc9clPCBCvhvA53Hxo2U0Kf5fGdVsC7iCA+mZ0KLWggcQAj7TIZ6pNidR4AC10g74Xo6w==',
  files: {
    'package/Plugins/Linux/x64/libonnxruntime_providers_cuda.so': 'libonnxruntime_providers_cuda.so',
    'package/Plugins/Linux/x64/libonnxruntime_providers_shared.so': 'libonnxruntime_providers_shared.so',
  },
};

export class CudaInstallError extends Error {
  readonly code = 'cuda_install';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'CudaInstallError';
  }
}

/** The highest CUDA version the driver supports, from `nvidia-smi`'s banner ("CUDA Version: 13.0"). */
export function parseDriverCudaVersion(
  nvidiaSmiOutput: string,
): { major: number; minor: number } | undefined {
  const match = /CUDA Version:\s*(\d+)\.(\d+)/.exec(nvidiaSmiOutput);
  return match ? { major: Number(match[1]), minor: Number(match[2]) } : undefined;
}

export interface InstallPlanInput {
  /** The CUDA major to install for (from --cuda, or the driver's). */
  cudaMajor: number;
  platform: NodeJS.Platform;
  arch: string;
  /** The installed onnxruntime-node version. */
  onnxruntimeVersion: string;
}

/** Which provider build to install, or a CudaInstallError that says why none fits. */
export function planCudaInstall(input: InstallPlanInput): ProviderSource {
  if (input.platform !== 'linux' || input.arch !== 'x64')
    throw new CudaInstallError(
      `the CUDA provider is installed by this command on Linux x64 only (this is ${input.platform}/${input.arch}); ` +
        "on Windows use onnxruntime-node's own installer: node node_modules/onnxruntime-node/script/install.js --onnxruntime-node-install=cuda12",
    );
  if (input.cudaMajor === 13) {
    if (input.onnxruntimeVersion !== SUPPORTED_ONNXRUNTIME)
      throw new CudaInstallError(
        `onnxruntime-node is ${input.onnxruntimeVersion}, but the CUDA 13 provider on the npm registry is built for ` +
          `${SUPPORTED_ONNXRUNTIME} and refuses any other core; run npm ci to get the pinned version`,
      );
    return CUDA13_SOURCE;
  }
  if (input.cudaMajor === 12) return { kind: 'onnxruntime-node-installer', flag: 'cuda12' };
  throw new CudaInstallError(
    `CUDA ${input.cudaMajor} is not supported: onnxruntime ${SUPPORTED_ONNXRUNTIME} has CUDA 12 and CUDA 13 builds ` +
      '(pass --cuda 12 or --cuda 13 if the driver supports a newer CUDA than the runtime you installed)',
  );
}

/** Throws unless `bytes` hash to the SRI `integrity` ("sha512-<base64>"). */
export function checkIntegrity(bytes: Uint8Array, integrity: string, what: string): void {
  const [algorithm, expected] = integrity.split('-', 2);
  if (algorithm !== 'sha512' || !expected) throw new CudaInstallError(`unsupported integrity ${integrity}`);
  const actual = createHash('sha512').update(bytes).digest('base64');
  if (actual !== expected)
    throw new CudaInstallError(
      `${what} does not match its pinned integrity (got sha512-${actual}, expected ${integrity}); refusing to install it`,
    );
}

/**
 * Downloads the pinned tarball with `npm pack` (unless `tarball` is given), checks it against the pinned
 * integrity, and copies exactly the listed libraries into `binDir`. Nothing is copied if any check fails.
 */
export async function installFromNpm(
  source: NpmProviderSource,
  binDir: string,
  tarball?: string,
  log: (line: string) => void = console.log,
): Promise<string[]> {
  const scratch = await mkdtemp(join(tmpdir(), 'kk-cuda-'));
  try {
    let file = tarball;
    if (!file) {
      log(`downloading ${source.spec} (about 180 MB) with npm pack`);
      const { stdout } = await run('npm', ['pack', source.spec, '--pack-destination', scratch, '--silent']);
      file = join(scratch, stdout.trim().split('\n').pop()!);
    }
    checkIntegrity(await readFile(file), source.integrity, file);
    const members = Object.keys(source.files);
    await run('tar', ['-xzf', file, '-C', scratch, ...members]);
    const installed: string[] = [];
    for (const [member, name] of Object.entries(source.files)) {
      await copyFile(join(scratch, member), join(binDir, name));
      installed.push(join(binDir, name));
      log(`installed ${join(binDir, name)}`);
    }
    return installed;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

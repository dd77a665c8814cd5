/**
 * `npm run cuda:install`: puts onnxruntime's CUDA provider next to onnxruntime-node, then proves it by
 * running a small graph of the embedded model on the GPU and comparing it with the CPU.
 *
 *   npm run cuda:install                    # CUDA major from the driver (nvidia-smi)
 *   npm run cuda:install -- --cuda 12       # or 13
 *   npm run cuda:install -- --check --device 1
 *
 * Exit codes: 0 installed and checked, 1 install or check failed, 2 bad usage.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import {
  CudaInstallError,
  installFromNpm,
  parseDriverCudaVersion,
  planCudaInstall,
} from '../models/cuda-provider-install.ts';
import { MAX_DEVICE_ID } from '../config/execution-provider.ts';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PROBE_MODEL = join(ROOT, 'models/kk-tiny/slider_projector.onnx');
const USAGE =
  'usage: npm run cuda:install -- [--cuda 12|13] [--device N] [--check] [--tarball <file.tgz>]\n' +
  '  --cuda N       the CUDA major to install for (default: what the driver reports in nvidia-smi)\n' +
  '  --device N     the GPU the check runs on (default 0)\n' +
  '  --check        only check the installed provider\n' +
  '  --no-check     install only (an image build, which has no GPU); check later with --check\n' +
  '  --tarball F    install from a tarball already downloaded (still checked against the pinned integrity)';

const require = createRequire(import.meta.url);

function binaryDir(): string {
  return join(dirname(require.resolve('onnxruntime-node/package.json')), 'bin', 'napi-v6', 'linux', 'x64');
}

async function driverCudaMajor(): Promise<number> {
  let output: string;
  try {
    output = (await run('nvidia-smi', [], { timeout: 30_000 })).stdout;
  } catch (error) {
    throw new CudaInstallError(
      `could not run nvidia-smi (${(error as Error).message.split('\n')[0]}): install the NVIDIA driver, or pass --cuda 13`,
    );
  }
  const version = parseDriverCudaVersion(output);
  if (!version)
    throw new CudaInstallError('nvidia-smi printed no "CUDA Version"; pass --cuda 12 or --cuda 13');
  console.log(`driver supports CUDA ${version.major}.${version.minor}`);
  return version.major;
}

/** Runs the probe in a child process, so a native crash in the provider cannot take this one down. */
async function check(device: number): Promise<boolean> {
  try {
    const { stdout } = await run(
      process.execPath,
      [...process.execArgv, fileURLToPath(import.meta.url), '--probe', '--device', String(device)],
      { timeout: 120_000 },
    );
    process.stdout.write(stdout);
    return true;
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    process.stdout.write(stdout);
    process.stderr.write(stderr || `${(error as Error).message}\n`);
    return false;
  }
}

/** In the child: the embedded model's slider projector on cuda:N and on the CPU, same inputs. */
async function probe(device: number): Promise<void> {
  const ort = await import('onnxruntime-node');
  const { openSession } = await import('../models/execution-providers.ts');
  const manifest = JSON.parse(await readFile(join(ROOT, 'models/kk-tiny/model.json'), 'utf8'));
  const pooledDim: number = manifest.transformer.pooledDim;
  const feeds = {
    strength: new ort.Tensor('float32', Float32Array.from([0, 0.5, 1]), [3]),
    pooled: new ort.Tensor(
      'float32',
      new Float32Array(3 * pooledDim).map((_, i) => Math.sin(i)),
      [3, pooledDim],
    ),
  };
  const opened = { component: 'cuda-check', bundleDir: join(ROOT, 'models/kk-tiny') };
  const gpu = await openSession(PROBE_MODEL, { ...opened, providers: [{ name: 'cuda', deviceId: device }] });
  const cpu = await openSession(PROBE_MODEL, { ...opened, providers: ['cpu'] });
  const [a, b] = await Promise.all([gpu.session.run(feeds), cpu.session.run(feeds)]);
  const x = a.modulation!.data as Float32Array;
  const y = b.modulation!.data as Float32Array;
  let diff = 0;
  for (let i = 0; i < y.length; i++) diff = Math.max(diff, Math.abs(x[i]! - y[i]!));
  console.log(
    `CUDA provider works on GPU ${device}: the slider projector gave ${x.length} values, max |cuda - cpu| = ${diff.toExponential(2)}`,
  );
}

async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        cuda: { type: 'string' },
        device: { type: 'string', default: '0' },
        check: { type: 'boolean', default: false },
        'no-check': { type: 'boolean', default: false },
        probe: { type: 'boolean', default: false },
        tarball: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) return (console.log(USAGE), 0);
  const device = Number(values.device);
  if (!/^\d+$/.test(values.device) || device > MAX_DEVICE_ID) {
    console.error(`--device: expected a GPU index 0..${MAX_DEVICE_ID}, got ${values.device}\n${USAGE}`);
    return 2;
  }
  if (values.cuda !== undefined && !/^\d+$/.test(values.cuda)) {
    console.error(`--cuda: expected a CUDA major version such as 13, got ${values.cuda}\n${USAGE}`);
    return 2;
  }
  if (values.probe)
    return probe(device).then(
      () => 0,
      (error: unknown) => {
        // A BundleError keeps the technical sentence in `detail`; its message starts with the chat wording.
        const { detail, message } = error as { detail?: string; message?: string };
        console.error(`CUDA check failed: ${detail ?? message ?? String(error)}`);
        return 1;
      },
    );
  try {
    if (!values.check) {
      const source = planCudaInstall({
        cudaMajor: values.cuda !== undefined ? Number(values.cuda) : await driverCudaMajor(),
        platform: process.platform,
        arch: process.arch,
        onnxruntimeVersion: require('onnxruntime-node/package.json').version,
      });
      if (source.kind === 'npm') await installFromNpm(source, binaryDir(), values.tarball);
      else
        await run(process.execPath, [
          require.resolve('onnxruntime-node/script/install.js'),
          `--onnxruntime-node-install=${source.flag}`,
        ]);
    }
  } catch (error) {
    console.error(`cuda:install: ${(error as Error).message}`);
    return 1;
  }
  if (values['no-check']) {
    console.log(
      'installed; not checked on a GPU (--no-check): run `npm run cuda:install -- --check` where one is',
    );
    return 0;
  }
  return (await check(device)) ? 0 : 1;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.exitCode = await main(process.argv.slice(2));

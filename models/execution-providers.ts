/**
 * Opening an onnxruntime session on the first execution provider that works. Providers are tried one at a
 * time, in the configured order (KK_EXECUTION_PROVIDERS, e.g. "cuda:1,cpu"), so the log says exactly which
 * one each session got. A provider that fails to initialise falls through to the next one only if the
 * configuration lists one (with a warning that says why); a worker configured for `cuda` alone fails with
 * the reason instead of quietly running on the CPU. The CUDA provider's library comes from
 * `npm run cuda:install` (bin/cuda-install.ts); its failures are explained by cuda-diagnostics.ts.
 * Operators a GPU provider cannot run still fall back to the CPU inside onnxruntime, per node.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import {
  formatExecutionProvider,
  toExecutionProvider,
  type ExecutionProvider,
  type ExecutionProviderChoice,
  type ExecutionProviderName,
} from '../config/execution-provider.ts';
import { explainCudaFailure, explainMissingLibraries, parseLddMissing } from './cuda-diagnostics.ts';
import type { Logger } from '../config/logger.ts';
import { silentLogger } from '../config/logger.ts';
import { BundleModelLoadError, ExecutionProviderError } from './bundle-errors.ts';

export interface OpenSessionOptions {
  /** Providers to try, in order. @defaultValue ['cpu'] */
  providers?: readonly ExecutionProviderChoice[];
  /** Intra-op threads; 0 leaves onnxruntime's default (all cores). @defaultValue 0 */
  intraOpThreads?: number;
  /** Used in log lines and errors, e.g. "transformer". */
  component: string;
  bundleDir: string;
  /** @defaultValue silentLogger */
  logger?: Logger;
}

export interface OpenedSession {
  session: ort.InferenceSession;
  provider: ExecutionProviderName;
  /** The GPU the session runs on (CUDA only). */
  deviceId?: number;
}

function providerConfig(provider: ExecutionProvider): ort.InferenceSession.ExecutionProviderConfig {
  return provider.name === 'cuda' ? { name: 'cuda', deviceId: provider.deviceId ?? 0 } : provider.name;
}

/** The folder onnxruntime-node loads its native binding from (dist/binding.js), where provider libraries go. */
export function onnxruntimeBinaryDir(): string {
  const root = dirname(createRequire(import.meta.url).resolve('onnxruntime-node/package.json'));
  return join(root, 'bin', 'napi-v6', process.platform, process.arch);
}

/** The first line of onnxruntime's message, or for CUDA a sentence naming what is missing and the fix. */
export function describeProviderFailure(provider: ExecutionProviderName, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const explained = provider === 'cuda' ? explainCudaFailure(message) : undefined;
  return explained?.explanation ?? message.split('\n')[0]!;
}

let cudaReadiness: string | undefined | null = null;

/**
 * Why the CUDA provider cannot load here, or undefined if it can. Checked up front (once per process):
 * onnxruntime's own error for a missing dependency only says "Failed to load shared library" and prints the
 * dlopen detail to stderr, so we ask the dynamic loader (`ldd`) which libraries are missing and name them.
 */
export function cudaUnavailableReason(): string | undefined {
  if (cudaReadiness !== null) return cudaReadiness;
  cudaReadiness = findCudaProblem();
  return cudaReadiness;
}

function findCudaProblem(): string | undefined {
  if (process.platform !== 'linux' && process.platform !== 'win32')
    return `no CUDA provider on ${process.platform}`;
  const library =
    process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so';
  const path = join(onnxruntimeBinaryDir(), library);
  if (!existsSync(path))
    return `${library} is not installed next to onnxruntime-node; run \`npm run cuda:install\``;
  if (process.platform !== 'linux') return undefined;
  let output: string;
  try {
    output = execFileSync('ldd', [path], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return undefined; // no ldd (e.g. a minimal image): onnxruntime's own error will have to do
  }
  const missing = parseLddMissing(output);
  return missing.length > 0 ? explainMissingLibraries(missing) : undefined;
}

export async function openSession(file: string, options: OpenSessionOptions): Promise<OpenedSession> {
  const providers = options.providers ?? ['cpu'];
  const logger = options.logger ?? silentLogger;
  if (providers.length === 0) throw new RangeError('at least one execution provider is needed');
  const failures: { provider: string; reason: string; error: unknown }[] = [];
  for (const choice of providers) {
    const provider = toExecutionProvider(choice);
    const label = formatExecutionProvider(provider);
    try {
      const missing = provider.name === 'cuda' ? cudaUnavailableReason() : undefined;
      if (missing) throw new Error(missing);
      const session = await ort.InferenceSession.create(file, {
        executionProviders: [providerConfig(provider)],
        graphOptimizationLevel: 'all',
        ...(options.intraOpThreads ? { intraOpNumThreads: options.intraOpThreads } : {}),
        logSeverityLevel: 3,
      });
      logger.info(
        { component: options.component, provider: label },
        `${options.component}: using the ${label} provider`,
      );
      return {
        session,
        provider: provider.name,
        ...(provider.deviceId === undefined ? {} : { deviceId: provider.deviceId }),
      };
    } catch (error) {
      // The CPU provider always exists, so its failure is about the file, not the provider.
      if (provider.name === 'cpu') throw new BundleModelLoadError(options.bundleDir, file, error);
      const reason = describeProviderFailure(provider.name, error);
      failures.push({ provider: label, reason, error });
      const next = providers.indexOf(choice) < providers.length - 1;
      logger.warn(
        { component: options.component, provider: label, err: error },
        `${options.component}: the ${label} provider is unavailable (${reason})` +
          (next ? '; trying the next configured provider' : ''),
      );
    }
  }
  throw new ExecutionProviderError(
    options.bundleDir,
    options.component,
    failures.map(({ provider, reason }) => ({ provider, reason })),
    failures.length === 1 ? failures[0]!.error : new AggregateError(failures.map((f) => f.error)),
  );
}

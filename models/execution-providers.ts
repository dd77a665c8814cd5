/**
 * Opening an onnxruntime session on the first execution provider that works. Providers are tried one at a
 * time, in the configured order (KK_EXECUTION_PROVIDERS, e.g. "cuda,webgpu,cpu"), so the log says exactly
 * which one each session got; a provider that fails to initialise (the CUDA EP's libraries exist only where
 * onnxruntime-node was installed with ONNXRUNTIME_NODE_INSTALL=cuda12) falls through to the next.
 * Operators a GPU provider cannot run still fall back to the CPU inside onnxruntime, per node.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import type { ExecutionProviderName } from '../config/config.ts';
import type { Logger } from '../config/logger.ts';
import { silentLogger } from '../config/logger.ts';
import { BundleModelLoadError, ExecutionProviderError } from './bundle-errors.ts';

export interface OpenSessionOptions {
  /** Providers to try, in order. @defaultValue ['cpu'] */
  providers?: readonly ExecutionProviderName[];
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
}

function providerConfig(name: ExecutionProviderName): ort.InferenceSession.ExecutionProviderConfig {
  return name === 'cuda' ? { name: 'cuda', deviceId: 0 } : name;
}

/**
 * Why the CUDA provider cannot load here, or undefined if its library is installed. Checked up front because
 * onnxruntime itself prints a native error for every session it fails to open on a missing library.
 */
export function cudaUnavailableReason(): string | undefined {
  const library =
    process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so';
  if (process.platform !== 'linux' && process.platform !== 'win32')
    return `no CUDA provider on ${process.platform}`;
  const root = dirname(createRequire(import.meta.url).resolve('onnxruntime-node/package.json'));
  // The same folder onnxruntime-node loads its binding from (dist/binding.js).
  const path = join(root, 'bin', 'napi-v6', process.platform, process.arch, library);
  return existsSync(path)
    ? undefined
    : `${library} is not installed (reinstall onnxruntime-node with ONNXRUNTIME_NODE_INSTALL=cuda12)`;
}

export async function openSession(file: string, options: OpenSessionOptions): Promise<OpenedSession> {
  const providers = options.providers ?? ['cpu'];
  const logger = options.logger ?? silentLogger;
  if (providers.length === 0) throw new RangeError('at least one execution provider is needed');
  const errors: unknown[] = [];
  for (const provider of providers) {
    try {
      const missing = provider === 'cuda' ? cudaUnavailableReason() : undefined;
      if (missing) throw new Error(missing);
      const session = await ort.InferenceSession.create(file, {
        executionProviders: [providerConfig(provider)],
        graphOptimizationLevel: 'all',
        ...(options.intraOpThreads ? { intraOpNumThreads: options.intraOpThreads } : {}),
        logSeverityLevel: 3,
      });
      logger.info(
        { component: options.component, provider },
        `${options.component}: using the ${provider} provider`,
      );
      return { session, provider };
    } catch (error) {
      // The CPU provider always exists, so its failure is about the file, not the provider.
      if (provider === 'cpu') throw new BundleModelLoadError(options.bundleDir, file, error);
      errors.push(error);
      const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
      logger.warn(
        { component: options.component, provider, err: error },
        `${options.component}: the ${provider} provider is unavailable (${reason}); trying the next one`,
      );
    }
  }
  throw new ExecutionProviderError(
    options.bundleDir,
    options.component,
    [...providers],
    errors.length === 1 ? errors[0] : new AggregateError(errors),
  );
}

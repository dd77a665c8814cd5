/** The one-call way to get a pipeline: load a bundle and wrap it (the worker and the CLI use this). */
import type { Config } from '../config/config.ts';
import type { ExecutionProviderChoice } from '../config/execution-provider.ts';
import type { Logger } from '../config/logger.ts';
import { defaultModelDir } from '../models/default-model-dir.ts';
import { loadBundle } from '../models/load-bundle.ts';
import { EditPipeline } from './edit-pipeline.ts';
import type { EditPipelineOptions } from './edit-pipeline-options.ts';

export interface CreateEditPipelineOptions extends Omit<EditPipelineOptions, 'bundle' | 'ownsBundle'> {
  /** Bundle directory. @defaultValue models/kk-tiny/ if present, else test/fixtures/tiny-random/ */
  modelDir?: string;
  /** Tried in order per session. @defaultValue ['cpu'] */
  executionProviders?: readonly ExecutionProviderChoice[];
  /** onnxruntime intra-op threads; 0 = its default. @defaultValue 0 */
  intraOpThreads?: number;
  logger?: Logger;
}

export async function createEditPipeline(options: CreateEditPipelineOptions = {}): Promise<EditPipeline> {
  const { modelDir, executionProviders, intraOpThreads, ...rest } = options;
  const bundle = await loadBundle(modelDir ?? defaultModelDir(), {
    executionProviders,
    intraOpThreads,
    logger: options.logger,
  });
  return new EditPipeline({ ...rest, bundle, ownsBundle: true });
}

/** The factory's options from the environment's config (KK_MODEL_DIR, KK_EXECUTION_PROVIDERS, ...). */
export function editPipelineOptionsFromConfig(config: Config, logger?: Logger): CreateEditPipelineOptions {
  return {
    modelDir: config.KK_MODEL_DIR,
    executionProviders: config.KK_EXECUTION_PROVIDERS,
    intraOpThreads: config.KK_INTRA_OP_THREADS,
    maxBatch: config.KK_MAX_BATCH,
    textCacheBytes: config.KK_TEXT_CACHE_MB * 2 ** 20,
    sourceCacheBytes: config.KK_LATENT_CACHE_MB * 2 ** 20,
    transferCacheBytes: config.KK_TRANSFER_CACHE_MB * 2 ** 20,
    maxInputPixels: config.KK_MAX_INPUT_PIXELS,
    maxBytes: config.KK_OUTPUT_MAX_BYTES,
    logger,
  };
}

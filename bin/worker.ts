/**
 * `npm run worker`: a long-running GPU (or CPU) worker. It loads the model bundle (KK_MODEL_DIR, default
 * the embedded kk-tiny) in a pipeline host child process (pipeline/host/), takes edit jobs from the shared
 * Redis queue, and serves /metrics and /healthz on KK_METRICS_PORT. Run one per GPU; any number of hosts can join the same Redis. SIGTERM/SIGINT finish
 * (or requeue) the job in hand and exit cleanly.
 */
import { ConfigError, loadConfig } from '../config/config.ts';
import { createLogger } from '../config/logger.ts';
import { PipelineHost, pipelineHostOptionsFromConfig } from '../pipeline/host/pipeline-host.ts';
import { closeOnSignals, startQueueServices } from '../queue/queue-services.ts';
import { readManifest } from '../models/load-bundle.ts';
import { defaultModelDir } from '../models/default-model-dir.ts';

async function main(): Promise<void> {
  const config = await loadConfig();
  const logger = createLogger({ level: config.LOG_LEVEL, format: config.LOG_FORMAT, name: 'kk-worker' });
  // The model runs in a child process, so Redis heartbeats and /healthz answer while an edit computes.
  const pipeline = await PipelineHost.start(pipelineHostOptionsFromConfig(config, logger));
  const services = await startQueueServices({
    config: { ...config, KK_WORKER: true },
    modelId: pipeline.modelId,
    sweepFrames: (await readManifest(config.KK_MODEL_DIR ?? defaultModelDir())).defaults.sweepFrames,
    runner: pipeline,
    logger,
  });
  closeOnSignals(
    {
      close: async () => {
        await services.close();
        await pipeline.dispose();
      },
    },
    logger,
  );
  logger.info(
    {
      model: pipeline.modelId,
      concurrency: config.KK_WORKER_CONCURRENCY,
      metricsPort: services.health?.port,
    },
    'worker ready',
  );
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) console.error(error.message);
  else console.error(error);
  process.exit(1);
});

/**
 * One worker process of the soak (bench/soak.ts): the real pipeline in a `PipelineHost` child (tiny-random
 * bundle unless KK_MODEL_DIR says otherwise) behind `createEditWorker`, with short lock and stalled
 * timings so a killed worker's job comes back within seconds. Prints "ready <hostPid>" when it takes jobs;
 * SIGTERM closes it. Env: REDIS_URL, KK_SOAK_PREFIX, KK_SOAK_QUEUE, KK_MODEL_DIR, KK_JOB_TIMEOUT_MS.
 */
import { TINY_RANDOM_MODEL_DIR } from '../models/default-model-dir.ts';
import { PipelineHost, pipelineRunnerSpec } from '../pipeline/host/pipeline-host.ts';
import { createEditWorker } from '../queue/edit-worker.ts';
import { createQueueMetrics } from '../queue/metrics.ts';
import { parseConfig } from '../config/config.ts';
import { createRedis } from '../queue/redis-connection.ts';

const config = parseConfig(process.env);
const host = await PipelineHost.start({
  runner: pipelineRunnerSpec({ modelDir: config.KK_MODEL_DIR ?? TINY_RANDOM_MODEL_DIR }),
  jobTimeoutMs: config.KK_JOB_TIMEOUT_MS,
});
const connection = createRedis(config, 'blocking');
const worker = createEditWorker(host, {
  connection,
  prefix: process.env.KK_SOAK_PREFIX ?? 'kksoak',
  queueName: process.env.KK_SOAK_QUEUE ?? 'edits',
  lockDuration: 4000,
  stalledInterval: 2000,
  backoff: { baseMs: 200, maxMs: 1000, jitter: 0.2 },
  metrics: createQueueMetrics(),
});
process.once('SIGTERM', () => {
  void worker
    .close()
    .then(() => host.dispose())
    .then(() => connection.quit())
    .finally(() => process.exit(0));
});
await worker.waitUntilReady();
console.log(`ready ${host.pid}`);

/**
 * The whole local path for e2e tests: a real pipeline on a bundle, queue services on the real Redis under a
 * fresh prefix, and the local ('cli') delivery adapter; `edit(text, image)` goes command text -> grammar ->
 * job -> worker -> delivery and resolves with what was delivered.
 */
import { randomUUID } from 'node:crypto';
import { parseConfig } from '../../config/config.ts';
import { parseEditCommand } from '../../commands/index.ts';
import { createEditPipeline } from '../../pipeline/create-edit-pipeline.ts';
import type { EditPipeline } from '../../pipeline/edit-pipeline.ts';
import { startQueueServices, type QueueServices } from '../../queue/queue-services.ts';
import type { CompletedDelivery } from '../../queue/delivery.ts';
import { LocalAdapter } from '../../bots/local/local-adapter.ts';
import { REDIS_URL, commandClient, deleteKeys, uniquePrefix } from '../queue/helpers.ts';

export interface LocalEditing {
  pipeline: EditPipeline;
  services: QueueServices;
  edit(text: string, image: Uint8Array): Promise<CompletedDelivery>;
  close(): Promise<void>;
}

export async function startLocalEditing(modelDir: string, name: string): Promise<LocalEditing> {
  const prefix = uniquePrefix(name);
  const adapter = new LocalAdapter();
  const pipeline = await createEditPipeline({ modelDir });
  const services = await startQueueServices({
    // The test Redis (KK_TEST_REDIS_URL), as commandClient() uses for the clean-up.
    config: parseConfig({ REDIS_URL, KK_QUEUE_PREFIX: prefix, KK_METRICS_PORT: '0' }),
    modelId: pipeline.modelId,
    sweepFrames: pipeline.bundle.manifest.defaults.sweepFrames,
    runner: pipeline,
    adapters: { cli: adapter },
  });
  return {
    pipeline,
    services,
    async edit(text, image) {
      const enqueued = await services.queue.enqueueEdit({
        platform: 'cli',
        interactionId: randomUUID(),
        request: parseEditCommand(text),
        image,
        requester: { channelId: 'c1', userId: 'u1' },
        replyTo: {},
      });
      return adapter.waitFor(enqueued.jobId, 30_000);
    },
    async close() {
      await services.close();
      await pipeline.dispose();
      const redis = commandClient();
      await deleteKeys(redis, prefix);
      await redis.quit();
    },
  };
}

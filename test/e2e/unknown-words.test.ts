/**
 * kk-tiny knows only the words of its training phrasings: an instruction with other words gets a note
 * naming them, from the pipeline through the queue to the delivered result.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parseConfig } from '../../config/config.ts';
import { parseEditCommand } from '../../commands/index.ts';
import { createEditPipeline } from '../../pipeline/create-edit-pipeline.ts';
import type { EditPipeline } from '../../pipeline/edit-pipeline.ts';
import { startQueueServices, type QueueServices } from '../../queue/queue-services.ts';
import { LocalAdapter } from '../../bots/local/local-adapter.ts';
import { commandClient, deleteKeys, uniquePrefix } from '../queue/helpers.ts';

const prefix = uniquePrefix('e2e-unknown-words');
const adapter = new LocalAdapter();
let pipeline: EditPipeline;
let services: QueueServices;
let photo: Uint8Array;

before(async () => {
  pipeline = await createEditPipeline({ modelDir: 'models/kk-tiny' });
  services = await startQueueServices({
    config: parseConfig({ KK_QUEUE_PREFIX: prefix, KK_METRICS_PORT: '0' }),
    modelId: pipeline.modelId,
    runner: pipeline,
    adapters: { cli: adapter },
  });
  photo = await readFile('models/kk-tiny/eval-images/rocket.jpg');
});

after(async () => {
  await services.close();
  await pipeline.dispose();
  const redis = commandClient();
  await deleteKeys(redis, prefix);
  await redis.quit();
});

async function edit(text: string) {
  const enqueued = await services.queue.enqueueEdit({
    platform: 'cli',
    interactionId: randomUUID(),
    request: parseEditCommand(text),
    image: photo,
    requester: { channelId: 'c1', userId: 'u1' },
    replyTo: {},
  });
  return adapter.waitFor(enqueued.jobId, 30_000);
}

test('words the model does not know come back as a note with the result', async () => {
  const { result } = await edit('make it zorblax strength:0.5 seed:1');
  assert.match(result.note ?? '', /does not know this word: "zorblax"/);
  assert.match(result.note ?? '', /"make it sepia"/, 'suggests instructions from model.json capabilities');
});

test('an instruction in the model vocabulary has no note', async () => {
  const { result } = await edit('make it sepia strength:0.5 seed:1');
  assert.equal(result.note, undefined);
});

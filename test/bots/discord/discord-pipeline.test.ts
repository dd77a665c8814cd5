/**
 * `/edit` from a signed Discord interaction to the message edit with the image, through the real
 * worker running the ONNX pipeline (in its pipeline host process) on the tiny reference bundle.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { PipelineHost, pipelineRunnerSpec } from '../../../pipeline/host/pipeline-host.ts';
import { jobIdFor } from '../../../queue/edit-job.ts';
import { buttonsOf, startBotHarness, type BotHarness } from './harness.ts';
import { editInteraction } from './interactions.ts';

let pipeline: PipelineHost;
let h: BotHarness;
let photo: Buffer;

before(async () => {
  // The production runner: the pipeline in a child process (pipeline/host/).
  pipeline = await PipelineHost.start({
    runner: pipelineRunnerSpec({ modelDir: 'test/fixtures/tiny-random' }),
  });
  h = await startBotHarness('discord-pipeline', pipeline);
  const raw = Buffer.alloc(80 * 60 * 3);
  for (let i = 0; i < 80 * 60; i++) raw.set([(i % 80) * 3, Math.floor(i / 80) * 4, 90], i * 3);
  photo = await sharp(raw, { raw: { width: 80, height: 60, channels: 3 } })
    .jpeg()
    .toBuffer();
});

after(async () => {
  await h.close();
  await pipeline.dispose();
});

test('a signed /edit runs the real pipeline and the reply carries the PNG at the source size and the buttons', async () => {
  const attachment = h.standIn.addAttachment('photo.jpg', photo, 'image/jpeg');
  const edit = editInteraction(attachment, { instruction: 'make the sky blue', strength: '40%', seed: 5 });
  const reply = await h.send(edit);
  assert.equal(reply.status, 200);

  const result = await h.waitForResult(edit.token);
  const meta = await sharp(result.files[0]?.data).metadata();
  assert.deepEqual([meta.format, meta.width, meta.height], ['png', 80, 60]);
  assert.match(String(result.json?.content), /^`\/edit make the sky blue strength:0\.4 seed:5` - 80x60/);
  const jobId = jobIdFor('discord', edit.id);
  assert.deepEqual(
    buttonsOf(result).map((b) => b.customId),
    ['weaker', 'stronger', 'sweep', 'new-seed'].map((action) => `kk:${action}:${jobId}`),
  );
  const job = await h.services.queue.queue.getJob(jobId);
  assert.equal(job?.returnvalue?.modelId, pipeline.modelId);
  assert.deepEqual(job?.returnvalue?.strengths, [0.4]);
});

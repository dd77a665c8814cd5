/**
 * `/edit` on Slack through the real model path: stand-in Slack -> Bolt -> queue on Redis -> worker
 * running the ONNX `EditPipeline` in its pipeline host process on the tiny reference bundle -> delivery -> files.uploadV2.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { PipelineHost, pipelineRunnerSpec } from '../../../pipeline/host/pipeline-host.ts';
import { jobIdFor } from '../../../queue/edit-job.ts';
import type { QueueServices } from '../../../queue/queue-services.ts';
import { uniquePrefix, waitFor } from '../../queue/helpers.ts';
import { startSlackHarness, type SlackHarness } from './slack-harness.ts';
import { StandInSlack, hasResultButtons } from './stand-in-slack.ts';

const prefix = uniquePrefix('slack-pipeline');
const BOT_TOKEN = 'xoxb-pipeline';
const SECRET = 'pipeline-secret';
const slack = new StandInSlack({ botToken: BOT_TOKEN, signingSecret: SECRET });
let pipeline: PipelineHost;
let services: QueueServices;

let harness: SlackHarness;

before(async () => {
  // The production runner: the pipeline in a child process (pipeline/host/).
  pipeline = await PipelineHost.start({
    runner: pipelineRunnerSpec({ modelDir: 'test/fixtures/tiny-random' }),
  });
  harness = await startSlackHarness({
    slack,
    prefix,
    runner: pipeline,
    env: { SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_SIGNING_SECRET: SECRET, SLACK_PORT: '0' },
  });
  ({ services } = harness);
});

after(async () => {
  await harness.close();
  await pipeline.dispose();
});

test('/edit make it warmer strength:0.7: the pipeline edit is uploaded as a PNG at the source size', async () => {
  const raw = Buffer.alloc(80 * 56 * 3);
  for (let i = 0; i < 80 * 56; i++) raw.set([(i % 80) * 3, Math.floor(i / 80) * 4, 100], i * 3);
  const photo = await sharp(raw, { raw: { width: 80, height: 56, channels: 3 } })
    .jpeg()
    .toBuffer();
  slack.addFile({ user: 'U1', channel: 'C1', name: 'photo.jpg', mimetype: 'image/jpeg', data: photo });

  const sent = await slack.sendSlashCommand(harness.botUrl!, {
    text: 'make it warmer strength:0.7',
    userId: 'U1',
    channelId: 'C1',
  });
  assert.equal(sent.status, 200);
  const jobId = jobIdFor('slack', sent.triggerId);
  await waitFor(() => slack.messages.some(hasResultButtons), 60_000, 'the result');

  const job = await services.queue.queue.getJob(jobId);
  assert.equal(job?.returnvalue?.modelId, pipeline.modelId);
  assert.deepEqual(job?.returnvalue?.strengths, [0.7]);
  const complete = slack.callsOf('files.completeUploadExternal')[0];
  assert.equal(complete?.body.channel_id, 'C1');
  const [file] = JSON.parse(complete?.body.files ?? '[]') as { id: string }[];
  const upload = slack.uploads.get(file?.id ?? '');
  const meta = await sharp(upload?.data).metadata();
  assert.deepEqual([meta.format, meta.width, meta.height], ['png', 80, 56]);
});

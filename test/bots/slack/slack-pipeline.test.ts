/**
 * `/edit` on Slack through the real model path: stand-in Slack -> Bolt -> queue on Redis -> worker
 * running the ONNX `EditPipeline` on the tiny reference bundle -> delivery -> files.uploadV2.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { parseConfig } from '../../../config/config.ts';
import { createEditPipeline } from '../../../pipeline/create-edit-pipeline.ts';
import type { EditPipeline } from '../../../pipeline/edit-pipeline.ts';
import { createQueueMetrics } from '../../../queue/metrics.ts';
import { jobIdFor } from '../../../queue/edit-job.ts';
import { startQueueServices, type QueueServices } from '../../../queue/queue-services.ts';
import { createSlackBot, type SlackBot } from '../../../bots/slack/index.ts';
import { REDIS_URL, commandClient, deleteKeys, uniquePrefix, waitFor } from '../../queue/helpers.ts';
import { StandInSlack, hasResultButtons } from './stand-in-slack.ts';

const prefix = uniquePrefix('slack-pipeline');
const BOT_TOKEN = 'xoxb-pipeline';
const SECRET = 'pipeline-secret';
const slack = new StandInSlack({ botToken: BOT_TOKEN, signingSecret: SECRET });
let pipeline: EditPipeline;
let services: QueueServices;
let bot: SlackBot;

before(async () => {
  await slack.start();
  pipeline = await createEditPipeline({ modelDir: 'test/fixtures/tiny-random' });
  const config = parseConfig({
    REDIS_URL,
    KK_QUEUE_PREFIX: prefix,
    KK_METRICS_PORT: '0',
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_PORT: '0',
    SLACK_API_URL: slack.apiUrl,
  });
  bot = createSlackBot({ config, apiRetries: 0 });
  services = await startQueueServices({
    config,
    modelId: pipeline.modelId,
    runner: pipeline,
    adapters: { slack: bot.adapter },
    metrics: createQueueMetrics(),
  });
  await bot.start(services);
});

after(async () => {
  await bot.close();
  await services.close();
  await pipeline.dispose();
  await slack.close();
  const redis = commandClient();
  await deleteKeys(redis, prefix);
  await redis.quit();
});

test('/edit make it warmer strength:0.7: the pipeline edit is uploaded as a PNG at the source size', async () => {
  const raw = Buffer.alloc(80 * 56 * 3);
  for (let i = 0; i < 80 * 56; i++) raw.set([(i % 80) * 3, Math.floor(i / 80) * 4, 100], i * 3);
  const photo = await sharp(raw, { raw: { width: 80, height: 56, channels: 3 } })
    .jpeg()
    .toBuffer();
  slack.addFile({ user: 'U1', channel: 'C1', name: 'photo.jpg', mimetype: 'image/jpeg', data: photo });

  const sent = await slack.sendSlashCommand(botUrl(), {
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

function botUrl(): string {
  return `http://127.0.0.1:${bot.port}/slack/events`;
}

/**
 * Slider re-edit latency of the web playground (issue 15): `npx tsx bench/web-slider.ts [--drags 15]
 * [--warmup 3] [--image <photo>] [--instruction "make it warmer"] [--json]`.
 *
 * What `npm start -- --web` runs, in one process: the playground, queue services on Redis with the worker,
 * and the model (KK_MODEL_DIR, default kk-tiny) in its pipeline host child at nice 10. A real Chromium
 * (Debian's, through playwright-core) opens the page, edits the photo once at 0.3, then drags the slider with
 * the mouse to a new strength `--drags` times (after `--warmup` unmeasured drags), each time waiting for the
 * new image. Every strength is new, so the result cache never answers: each drag is a model run that reuses
 * the cached encodings, as a user's drag is.
 *
 * "release to image" is the page's own measure (`data-shown-after-ms`): from the slider's change event (the
 * mouse let go) to the new image decoded and on screen. It is split with the job's own timestamps (the page
 * gives the release as wall-clock time; browser and server share this machine's clock):
 *
 *   request    release -> the job added to the queue (the page's POST, the parent read, admission)
 *   pick-up    added -> a worker started it
 *   worker     started -> finished, less the model run (the source blob, IPC to the pipeline child and back,
 *              the result stored as a blob)
 *   model      the job's `timings.total` (the pipeline run in the child)
 *   delivery   finished -> the result's event at the page (QueueEvents, delivery, the event stream)
 *   image      the event -> the new image on screen (download, decode, swap)
 *
 * Redis: REDIS_URL (default 127.0.0.1:6379); keys go under a fresh prefix, deleted at the end.
 */
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/config.ts';
import { createLogger } from '../config/logger.ts';
import { EMBEDDED_MODEL_DIR, defaultModelDir } from '../models/default-model-dir.ts';
import { readManifest } from '../models/load-bundle.ts';
import { PipelineHost, pipelineHostOptionsFromConfig } from '../pipeline/host/pipeline-host.ts';
import { startQueueServices } from '../queue/queue-services.ts';
import { createRedis } from '../queue/redis-connection.ts';
import { createWebDelivery, startWebPlayground } from '../bots/web/index.ts';
import { launchChromium } from '../test/bots/web/chromium.ts';
import type { Page } from 'playwright-core';

const { values } = parseArgs({
  options: {
    drags: { type: 'string', default: '15' },
    warmup: { type: 'string', default: '3' },
    image: { type: 'string', default: `${EMBEDDED_MODEL_DIR}/eval-images/chelsea.jpg` },
    instruction: { type: 'string', default: 'make it warmer' },
    json: { type: 'boolean', default: false },
  },
});
const DRAGS = Number(values.drags);
const WARMUP = Number(values.warmup);
// The strengths below repeat after 31 drags, and a drag to the strength already shown starts no edit.
if (WARMUP + DRAGS > 31)
  throw new Error('--drags plus --warmup can be at most 31 (the strengths repeat after that)');

interface Drag {
  strength: number;
  shownMs: number;
  requestMs: number;
  pickupMs: number;
  workerMs: number;
  modelMs: number;
  denoiseMs: number;
  renderMs: number;
  deliveryMs: number;
  imageMs: number;
}

async function main(): Promise<void> {
  const prefix = `kkbench-web-${randomUUID().slice(0, 8)}`;
  const config = { ...(await loadConfig()), KK_QUEUE_PREFIX: prefix, KK_METRICS_PORT: 0, KK_WEB_PORT: 0 };
  const logger = createLogger({ level: 'warn', name: 'bench' });
  const manifest = await readManifest(config.KK_MODEL_DIR ?? defaultModelDir());
  const pipeline = await PipelineHost.start(pipelineHostOptionsFromConfig(config, logger));
  const delivery = createWebDelivery({ logger });
  const services = await startQueueServices({
    config,
    modelId: pipeline.modelId,
    sweepFrames: manifest.defaults.sweepFrames,
    runner: pipeline,
    adapters: { web: delivery },
    logger,
  });
  const model = { id: pipeline.modelId, sweepFrames: manifest.defaults.sweepFrames };
  const playground = await startWebPlayground({ config, services, delivery, model, logger });
  const browser = await launchChromium();
  const drags: Drag[] = [];
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    page.setDefaultTimeout(120_000);
    await page.goto(playground.url);
    await page.waitForSelector('body[data-ready="true"]');
    await page.setInputFiles('#image-input', values.image);
    await page.fill('#instruction', values.instruction);
    await page.fill('#strength', '0.3');
    await page.click('#edit-button');
    let shown = await nextImage(page, null);
    // Strengths never repeated (so never a result-cache answer), alternating far and near moves.
    const targets = Array.from(
      { length: WARMUP + DRAGS },
      (_, i) => (i % 2 === 0 ? 0.6 : 0.2) + ((i * 0.012) % 0.38),
    );
    for (const [i, target] of targets.entries()) {
      const strength = await dragSlider(page, target);
      const jobId = await nextImage(page, shown);
      shown = jobId;
      if (i < WARMUP) continue;
      const measure = async (name: string) =>
        Number(await page.getAttribute('#result-image', `data-${name}`));
      const shownMs = await measure('shown-after-ms');
      const eventMs = await measure('event-after-ms');
      const releasedAt = await measure('released-at-epoch-ms');
      const read = (await page.evaluate(async (id) => (await fetch(`/api/edits/${id}`)).json(), jobId)) as {
        result: { timings: Record<string, number>; cached: boolean; reusedStages: string[] };
      };
      // A drag that lands on a strength already run (the slider's 0.01 steps) is not a model run: not counted.
      if (read.result.cached) continue;
      if (!read.result.reusedStages.includes('encode-image')) throw new Error('the photo was encoded again');
      const job = await services.queue.queue.getJob(jobId);
      const { timestamp, processedOn = NaN, finishedOn = NaN } = job ?? { timestamp: NaN };
      const { timings } = read.result;
      const modelMs = timings.total ?? NaN;
      drags.push({
        strength,
        shownMs,
        requestMs: timestamp - releasedAt,
        pickupMs: processedOn - timestamp,
        workerMs: finishedOn - processedOn - modelMs,
        modelMs,
        denoiseMs: timings.denoise ?? NaN,
        renderMs: timings.render ?? NaN,
        deliveryMs: releasedAt + eventMs - finishedOn,
        imageMs: shownMs - eventMs,
      });
    }
  } finally {
    await browser.close();
    await playground.close();
    await services.close();
    await pipeline.dispose();
    const redis = createRedis(config, 'command');
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  }
  report(drags, pipeline.modelId);
}

/** Drags the slider's thumb with the mouse to `value` and lets go; returns the value it was let go at. */
async function dragSlider(page: Page, value: number): Promise<number> {
  const box = await page.locator('#strength').boundingBox();
  if (!box) throw new Error('no slider on the page');
  const current = Number(await page.inputValue('#strength'));
  const xOf = (v: number) => box.x + 8 + v * (box.width - 16);
  const y = box.y + box.height / 2;
  await page.mouse.move(xOf(current), y);
  await page.mouse.down();
  await page.mouse.move(xOf((current + value) / 2), y);
  await page.mouse.move(xOf(value), y);
  await page.mouse.up();
  return Number(await page.inputValue('#strength'));
}

async function nextImage(page: Page, previous: string | null): Promise<string> {
  const selector =
    previous === null
      ? '#result-image[data-job-id]'
      : `#result-image[data-job-id]:not([data-job-id="${previous}"])`;
  const image = page.locator(selector);
  await image.waitFor({ state: 'visible' });
  return (await image.getAttribute('data-job-id')) ?? '';
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (sorted.length - 1) * q;
  const low = Math.floor(at);
  const high = Math.ceil(at);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (at - low);
}

function report(drags: Drag[], modelId: string): void {
  const column = (pick: (d: Drag) => number) => drags.map(pick);
  const rows: [string, number[]][] = [
    ['**release to image** (the page)', column((d) => d.shownMs)],
    ['request: release -> job queued', column((d) => d.requestMs)],
    ['pick-up: queued -> worker starts', column((d) => d.pickupMs)],
    ['worker, less the model: blobs, IPC', column((d) => d.workerMs)],
    ['model run (timings.total)', column((d) => d.modelMs)],
    ['  of which denoise (the strength; strength 0 comes from the first edit)', column((d) => d.denoiseMs)],
    ['  of which render (transfer to the photo size, PNG)', column((d) => d.renderMs)],
    ['delivery: finished -> event at the page', column((d) => d.deliveryMs)],
    ['image: event -> on screen', column((d) => d.imageMs)],
  ];
  if (values.json) {
    console.log(JSON.stringify({ modelId, loadavg: loadavg(), drags }, null, 2));
    return;
  }
  console.log(
    `${modelId}, ${drags.length} drags (after ${WARMUP} warm-up), load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  console.log('\n| ms | median | p90 | min | max |\n| --- | ---: | ---: | ---: | ---: |');
  for (const [name, list] of rows) {
    const cells = [quantile(list, 0.5), quantile(list, 0.9), Math.min(...list), Math.max(...list)];
    console.log(`| ${name} | ${cells.map((v) => v.toFixed(0)).join(' | ')} |`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

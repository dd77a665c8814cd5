/**
 * The playground in a real Chromium, on the real serving path: the page, the web adapter, the Redis queue,
 * the worker and the embedded model (kk-tiny) in its pipeline host process. Each state the issue names is
 * written as a screenshot to out/playground-e2e/ for a person to look at.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { EMBEDDED_MODEL_DIR } from '../../../models/default-model-dir.ts';
import { readManifest } from '../../../models/load-bundle.ts';
import { PipelineHost, pipelineRunnerSpec } from '../../../pipeline/host/pipeline-host.ts';
import { chromiumSkipReason, launchChromium, screenshotPath } from './chromium.ts';
import { GatedRunner } from './gated-runner.ts';
import { startWebHarness, type WebHarness } from './web-harness.ts';

const skip = chromiumSkipReason();
const PHOTO = `${EMBEDDED_MODEL_DIR}/eval-images/chelsea.jpg`;
/** Slow steps on a busy 2-core machine: generous, since nothing here measures speed. */
const WAIT_MS = 60_000;
const MAX_IMAGE_BYTES = 2 * 1024 * 1024;

let pipeline: PipelineHost;
let runner: GatedRunner;
let h: WebHarness;
let browser: Browser;
let context: BrowserContext;
let page: Page;

before(async () => {
  if (skip) return;
  pipeline = await PipelineHost.start({ runner: pipelineRunnerSpec({ modelDir: EMBEDDED_MODEL_DIR }) });
  runner = new GatedRunner(pipeline);
  const manifest = await readManifest(EMBEDDED_MODEL_DIR);
  h = await startWebHarness('web-e2e', runner, {
    sweepFrames: manifest.defaults.sweepFrames,
    env: { KK_BLOB_MAX_BYTES: String(MAX_IMAGE_BYTES) },
    ...(manifest.capabilities ? { capabilities: manifest.capabilities } : {}),
  });
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  page = await openPage(context);
});

after(async () => {
  if (skip) return;
  runner.release();
  await browser?.close();
  await h?.close();
  await pipeline?.dispose();
});

async function openPage(browserContext: BrowserContext): Promise<Page> {
  const opened = await browserContext.newPage();
  opened.setDefaultTimeout(WAIT_MS);
  opened.on('pageerror', (err) => assert.fail(`error on the page: ${err.message}`));
  await opened.goto(`${h.origin}/`);
  await opened.waitForSelector('body[data-ready="true"]');
  return opened;
}

interface JobRead {
  job: { jobId: string; parentJobId?: string; request: { seed: number } };
  state: string;
  result?: { timings: Record<string, number>; strengths: number[]; reusedStages: string[] };
}

/** GET /api/edits/:id from inside the page, as its own session. */
async function readJob(from: Page, jobId: string): Promise<JobRead> {
  return (await from.evaluate(async (id) => (await fetch(`/api/edits/${id}`)).json(), jobId)) as JobRead;
}

/** Waits until a single result other than `previous` is on screen (decoded and shown); returns its job id. */
async function nextShownResult(from: Page, previous: string | null): Promise<string> {
  const selector =
    previous === null
      ? '#result-image[data-job-id]'
      : `#result-image[data-job-id]:not([data-job-id="${previous}"])`;
  const image = from.locator(selector);
  await image.waitFor({ state: 'visible' });
  return (await image.getAttribute('data-job-id')) ?? '';
}

/** Waits for the status line to read `text` (a substring, or a pattern). */
function statusReads(from: Page, text: string | RegExp): Promise<void> {
  return from.locator('#status-text', { hasText: text }).waitFor();
}

/** Drags the strength slider's thumb with the mouse from where it is to `value`, and lets go. */
async function dragSlider(from: Page, value: number): Promise<number> {
  const box = await from.locator('#strength').boundingBox();
  assert.ok(box);
  const current = Number(await from.inputValue('#strength'));
  // Chromium's range thumb is about 16 px wide; the value maps onto the track between its two halves.
  const xOf = (v: number) => box.x + 8 + v * (box.width - 16);
  const y = box.y + box.height / 2;
  await from.mouse.move(xOf(current), y);
  await from.mouse.down();
  for (const step of [0.25, 0.5, 0.75, 1]) await from.mouse.move(xOf(current + (value - current) * step), y);
  await from.mouse.up();
  return Number(await from.inputValue('#strength'));
}

test(
  'upload, edit at 0.3, then drag to 0.8: the re-edit is served from the cached encodings',
  { skip },
  async () => {
    // The model's capabilities, from its model.json, are listed for the visitor.
    assert.equal(await page.locator('#capabilities li').count(), 16);
    await page.setInputFiles('#image-input', PHOTO);
    await page.fill('#instruction', 'make it warmer');
    await page.fill('#strength', '0.3');
    await page.click('#edit-button');
    const first = await nextShownResult(page, null);
    await page.screenshot({ path: screenshotPath('1-edit-at-0.3.png'), fullPage: true });
    const cold = await readJob(page, first);
    assert.deepEqual(cold.result?.strengths, [0.3]);
    // The first edit of this photo and instruction encodes both.
    for (const stage of ['encode-text', 'preprocess', 'encode-image'])
      assert.ok(cold.result!.timings[stage]! > 0, `first edit ran ${stage}`);

    const released = await dragSlider(page, 0.8);
    assert.ok(Math.abs(released - 0.8) <= 0.02, `slider let go at ${released}`);
    const second = await nextShownResult(page, first);
    await page.screenshot({ path: screenshotPath('2-dragged-to-0.8.png'), fullPage: true });
    const reEdit = await readJob(page, second);
    assert.deepEqual(reEdit.result?.strengths, [released]);
    assert.equal(reEdit.job.parentJobId, first, 'derived from the shown edit, as a chat button does');
    assert.equal(reEdit.job.request.seed, cold.job.request.seed, 'same seed: only the strength changed');
    // The job's own timings: no instruction or photo encoding ran, only denoising, decoding and rendering.
    for (const stage of ['encode-text', 'preprocess', 'encode-image'])
      assert.equal(reEdit.result!.timings[stage], undefined, `the re-edit skipped ${stage}`);
    assert.ok(reEdit.result!.timings.denoise! > 0);
    assert.deepEqual(reEdit.result?.reusedStages, ['encode-text', 'preprocess', 'encode-image']);
    assert.match((await page.textContent('#result-caption')) ?? '', /instruction and photo encodings reused/);
    assert.match(
      (await page.getAttribute('#download', 'href')) ?? '',
      new RegExp(`/api/edits/${second}/files/0\\?download=1$`),
    );
  },
);

test('New seed runs the same edit with another seed', { skip }, async () => {
  await page.click('#seed-button');
  const reseeded = await nextShownResult(page, await page.getAttribute('#result-image', 'data-job-id'));
  const read = await readJob(page, reseeded);
  assert.equal(read.state, 'completed');
  assert.match(
    (await page.textContent('#result-caption')) ?? '',
    new RegExp(`seed ${read.job.request.seed}`),
  );
});

test(
  'Sweep shows the animation and its frames as a strip you can scrub with the keyboard',
  { skip },
  async () => {
    await page.click('#sweep-button');
    await page.waitForSelector('#strip[data-frames="8"]');
    assert.equal(await page.isVisible('#sweep-gif'), true);
    await page.focus('#frame-scrub');
    await page.keyboard.press('End');
    assert.equal(await page.textContent('#frame-value'), '8 of 8, strength 1.00');
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowLeft');
    assert.equal(await page.textContent('#frame-value'), '6 of 8, strength 0.71');
    assert.equal(await page.getAttribute('#strip button[aria-current="true"]', 'data-frame'), '5');
    assert.match((await page.textContent('#download')) ?? '', /animation/);
    assert.equal(await page.isVisible('#download-sheet'), true);
    await page.screenshot({ path: screenshotPath('3-sweep-strip.png'), fullPage: true });
  },
);

test('a queued edit shows its place in line and can be cancelled', { skip }, async () => {
  // Another visitor's edit holds the only worker.
  runner.hold();
  const otherContext = await browser.newContext({ viewport: { width: 1000, height: 800 } });
  const other = await openPage(otherContext);
  await other.click('#examples button[data-example="coffee.jpg"]');
  await other.fill('#instruction', 'make it black and white');
  await other.click('#edit-button');
  await statusReads(other, 'running');

  await page.fill('#instruction', 'make it cooler');
  await page.click('#edit-button');
  await statusReads(page, 'next in queue');
  assert.equal(await page.isEnabled('#cancel-button'), true);
  await page.screenshot({ path: screenshotPath('4-queued.png'), fullPage: true });
  await page.click('#cancel-button');
  await statusReads(page, /^Cancelled\.$/);
  assert.equal(await page.isEnabled('#cancel-button'), false);
  await page.screenshot({ path: screenshotPath('5-cancelled.png'), fullPage: true });

  runner.release();
  await nextShownResult(other, null);
  await otherContext.close();
});

test(
  'a file that is not an image is refused next to the photo control, by its content',
  { skip },
  async () => {
    const fresh = await openPage(context);
    await fresh.fill('#instruction', 'make it warmer');
    // Named and typed as a PNG; its bytes are text.
    await fresh.setInputFiles('#image-input', {
      name: 'holiday.png',
      mimeType: 'image/png',
      buffer: Buffer.from('these are my holiday notes, not a photo'),
    });
    await fresh.waitForSelector('#image-error:not([hidden])');
    assert.equal(
      await fresh.textContent('#image-error'),
      'That file is not an image the bot can read. - choose a PNG, JPEG, WebP or GIF',
    );
    assert.equal(await fresh.getAttribute('#image-input', 'aria-invalid'), 'true');
    await fresh.click('#edit-button');
    assert.equal(
      await fresh.textContent('#status-text'),
      'Choose a photo and an instruction, then press Edit.',
    );
    await fresh.screenshot({ path: screenshotPath('6-not-an-image.png'), fullPage: true });
    await fresh.close();
  },
);

test('an over-size upload is refused next to the photo control, before it is sent', { skip }, async () => {
  const fresh = await openPage(context);
  const noise = await sharp(readFileSync(PHOTO)).resize(1400, 1000).png({ compressionLevel: 0 }).toBuffer();
  assert.ok(noise.byteLength > MAX_IMAGE_BYTES);
  await fresh.setInputFiles('#image-input', { name: 'big.png', mimeType: 'image/png', buffer: noise });
  await fresh.waitForSelector('#image-error:not([hidden])');
  const size = (noise.byteLength / 1024 / 1024).toFixed(1);
  assert.equal(
    await fresh.textContent('#image-error'),
    `That image is too large (${size} MiB). - the limit is 2.0 MiB`,
  );
  await fresh.screenshot({ path: screenshotPath('7-too-large.png'), fullPage: true });
  await fresh.close();
});

test(
  'on a phone-width screen, with the keyboard only: pick an example, edit, re-edit with the arrow keys',
  { skip },
  async () => {
    const phone = await browser.newContext({
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
    });
    const small = await openPage(phone);
    await small.focus('#examples button[data-example="flower.jpg"]');
    await small.keyboard.press('Enter');
    await small.focus('#instruction');
    await small.keyboard.type('add a zorblax vignette');
    await small.keyboard.press('Enter'); // submits the form
    const first = await nextShownResult(small, null);
    // A word the model does not know: its note shows under the instruction.
    assert.match((await small.textContent('#note')) ?? '', /does not know this word: "zorblax"/);
    assert.equal(await small.isVisible('#note'), true);
    await small.focus('#strength');
    await small.keyboard.press('ArrowLeft'); // 0.30 -> 0.29, let go at once: a re-edit
    const second = await nextShownResult(small, first);
    assert.deepEqual((await readJob(small, second)).result?.strengths, [0.29]);
    const overflow = Number(await small.evaluate('document.documentElement.scrollWidth - window.innerWidth'));
    assert.ok(overflow <= 0, `no sideways scrolling (${overflow} px too wide)`);
    await small.screenshot({ path: screenshotPath('8-phone.png'), fullPage: true });
    await phone.close();
  },
);

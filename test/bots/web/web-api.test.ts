/**
 * The playground's HTTP API on the real queue (Redis, worker, delivery) with the small tint runner: what a
 * page does, without a browser. The browser itself is driven in playground.e2e.test.ts.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import sharp from 'sharp';
import { TintRunner, TINT_SWEEP_FRAMES } from '../../queue/tint-runner.ts';
import { solidPng, waitFor } from '../../queue/helpers.ts';
import { startWebHarness, type WebHarness } from './web-harness.ts';

let h: WebHarness;
let runner: TintRunner;
let photo: Buffer;

before(async () => {
  runner = new TintRunner({ stepMs: 40 });
  h = await startWebHarness('web-api', runner, {
    sweepFrames: TINT_SWEEP_FRAMES,
    env: { KK_BLOB_MAX_BYTES: String(64 * 1024), KK_USER_INFLIGHT_CAP: '2' },
    capabilities: { summary: 'tints', edits: [{ name: 'red', examples: ['make it red'] }] },
  });
  photo = await solidPng({ r: 40, g: 120, b: 200 });
});

after(() => h.close());

test('the page and its info: the model, its capabilities, the limits and the bundled examples', async () => {
  const client = h.client();
  const page = await fetch(`${h.origin}/`);
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);
  assert.match(await page.text(), /<input[^>]+id="strength"[^>]+type="range"/);
  const info = await client.call('/api/info');
  assert.equal(info.status, 200);
  assert.match(
    info.headers.get('set-cookie') ?? '',
    /^kk_session=[\w-]+; Path=\/; HttpOnly; SameSite=Strict$/,
  );
  assert.deepEqual(info.body.model, {
    id: 'tint-test',
    sweepFrames: TINT_SWEEP_FRAMES,
    capabilities: { summary: 'tints', edits: [{ name: 'red', examples: ['make it red'] }] },
  });
  assert.deepEqual(info.body.limits, { maxImageBytes: 64 * 1024, instructionMaxLength: 500 });
  const examples = info.body.examples as { name: string; url: string }[];
  assert.ok(examples.some((e) => e.name === 'chelsea.jpg'));
  assert.equal(
    (await fetch(`${h.origin}/api/examples/%E0%A4%A`)).status,
    404,
    'a malformed name is not found',
  );
  const example = await fetch(`${h.origin}${examples[0]!.url}`);
  assert.equal((await sharp(Buffer.from(await example.arrayBuffer())).metadata()).format, 'jpeg');
});

test('an upload is queued as the session user, and its progress and result arrive on the event stream', async () => {
  const client = h.client();
  await client.openEvents();
  const queued = await client.edit({ text: 'make it red', strength: '0.3' }, photo);
  assert.equal(queued.status, 202, JSON.stringify(queued.body));
  const job = queued.body.job!;
  assert.match(job.jobId, /^web-/);
  assert.deepEqual(job.request.strength, { kind: 'single', value: 0.3 });
  assert.equal(job.command, `/edit make it red strength:0.3 seed:${job.request.seed}`);

  const result = (await client.waitForEvent('result', job.jobId)).data as {
    files: { url: string; downloadUrl: string; mime: string }[];
    strengths: number[];
  };
  assert.deepEqual(result.strengths, [0.3]);
  assert.ok(client.events.some((e) => e.name === 'progress' && e.data.jobId === job.jobId));
  const file = await fetch(`${h.origin}${result.files[0]!.url}`, { headers: { cookie: client.cookie } });
  assert.equal(file.headers.get('content-type'), 'image/png');
  assert.equal((await sharp(Buffer.from(await file.arrayBuffer())).metadata()).format, 'png');
  const download = await fetch(`${h.origin}${result.files[0]!.downloadUrl}`, {
    headers: { cookie: client.cookie },
  });
  assert.match(
    download.headers.get('content-disposition') ?? '',
    /^attachment; filename="kk-web-.*-edit\.png"$/,
  );

  // The queue saw a web user: its own session, in the playground's team.
  const stored = await h.services.queue.queue.getJob(job.jobId);
  assert.equal(stored?.data.requester.platform, 'web');
  assert.equal(stored?.data.requester.teamId, 'web');
  assert.match(stored?.data.requester.userId ?? '', /^web-[0-9a-f]{32}$/);
  assert.ok(
    !client.cookie.includes(stored!.data.requester.userId.slice(4)),
    'Redis holds a hash, not the cookie',
  );
});

test('a re-edit is the buttons path: same source and seed, the parent named, the new strength', async () => {
  const client = h.client();
  const first = (await client.edit({ text: 'make it red seed:9', strength: '0.3' }, photo)).body.job!;
  const again = await client.variant(first.jobId, { action: 'strength', value: 0.8 });
  assert.equal(again.status, 202, JSON.stringify(again.body));
  assert.equal(again.body.job!.parentJobId, first.jobId);
  assert.equal(again.body.job!.command, '/edit make it red strength:0.8 seed:9');
  // Two edits in flight is this session's cap (KK_USER_INFLIGHT_CAP=2): the sweep waits for the re-edit.
  await waitFor(
    async () => (await client.call(`/api/edits/${again.body.job!.jobId}`)).body.state === 'completed',
    15_000,
  );
  const sweep = (await client.variant(first.jobId, { action: 'sweep' })).body.job!;
  assert.deepEqual(sweep.request.strength, { kind: 'sweep', frames: TINT_SWEEP_FRAMES });
  const stored = await h.services.queue.queue.getJob(again.body.job!.jobId);
  const parent = await h.services.queue.queue.getJob(first.jobId);
  assert.equal(stored?.data.source.blob, parent?.data.source.blob);
  const wrong = await client.variant(first.jobId, { action: 'strength', value: 1.5 });
  assert.equal(wrong.status, 400);
  assert.equal((wrong.body.error as { field: string }).field, 'strength');
  const unreadable = await client.variant(first.jobId, { action: 'louder' });
  assert.equal(unreadable.status, 400);
});

test('another session cannot read, re-edit, cancel or download an edit', async () => {
  const owner = h.client();
  const job = (await owner.edit({ text: 'make it red', strength: '0.5' }, photo)).body.job!;
  await waitFor(async () => (await owner.call(`/api/edits/${job.jobId}`)).body.state === 'completed', 15_000);
  const other = h.client();
  await other.call('/api/info');
  for (const [path, init] of [
    [`/api/edits/${job.jobId}`, {}],
    [`/api/edits/${job.jobId}/files/0`, {}],
    [`/api/edits/${job.jobId}/cancel`, { method: 'POST' }],
    [`/api/edits/${job.jobId}/variants`, { method: 'POST', body: JSON.stringify({ action: 'sweep' }) }],
  ] as const) {
    const answer = await other.call(path, init);
    assert.equal(answer.status, 403, path);
    assert.equal((answer.body.error as { code: string }).code, 'foreign_job', path);
  }
});

test('bad uploads get the chat errors, next to the photo, before anything is queued', async () => {
  const client = h.client();
  const notImage = new Uint8Array(
    readFileSync(new URL('../../fixtures/images/not-an-image.bin', import.meta.url)),
  );
  const refused = await client.edit({ text: 'make it red', strength: '0.3' }, notImage);
  assert.equal(refused.status, 400);
  assert.deepEqual(refused.body.error, {
    code: 'not_an_image',
    userMessage: 'That file is not an image the bot can read.',
    hint: 'choose a PNG, JPEG, WebP or GIF',
    field: 'image',
  });
  // Over KK_BLOB_MAX_BYTES (64 KiB here): refused from Content-Length, with the queue's message.
  const big = await client.edit({ text: 'make it red', strength: '0.3' }, new Uint8Array(300 * 1024));
  assert.equal(big.status, 413);
  assert.deepEqual(big.body.error, {
    code: 'blob_too_large',
    userMessage: 'That image is too large (0.3 MiB).',
    hint: 'the limit is 0.1 MiB',
    field: 'image',
  });
  const none = await client.edit({ text: 'make it red', strength: '0.3' });
  assert.equal((none.body.error as { code: string }).code, 'no_image');
  const grammar = await client.edit({ text: 'make it red strenght:0.3', strength: '0.3' }, photo);
  assert.equal(grammar.status, 400);
  assert.equal((grammar.body.error as { field: string }).field, 'instruction');
  assert.match((grammar.body.error as { userMessage: string }).userMessage, /'strenght' is not an option/);
  const example = await client.edit({ text: 'make it red', strength: '0.3', example: '../model.json' });
  assert.equal((example.body.error as { code: string }).code, 'unknown_example');

  // The check a page makes when a file is chosen: its size and first bytes only.
  const head = (bytes: Uint8Array, size: number) =>
    client.call(`/api/uploads/check?bytes=${size}`, { method: 'POST', body: bytes.subarray(0, 16) });
  assert.equal((await head(photo, photo.byteLength)).status, 204);
  assert.equal(
    ((await head(notImage, notImage.byteLength)).body.error as { code: string }).code,
    'not_an_image',
  );
  assert.equal(((await head(photo, 10 * 1024 * 1024)).body.error as { code: string }).code, 'blob_too_large');
});

test('a browser session is one user: the per-user cap applies to it', async () => {
  const client = h.client();
  const slow = { text: 'make it red steps:20', strength: '0.5' };
  const results = [];
  for (let i = 0; i < 3; i++) results.push(await client.edit(slow, await solidPng({ r: i, g: 0, b: 0 })));
  assert.deepEqual(
    results.map((r) => r.status),
    [202, 202, 429],
  );
  assert.deepEqual(results[2]!.body.error, {
    code: 'user_inflight_cap',
    userMessage: 'You already have 2 edits running - wait for one to finish.',
    field: 'form',
  });
  // Cancel both so the next tests find an idle worker.
  for (const r of results.slice(0, 2))
    await client.call(`/api/edits/${r.body.job!.jobId}/cancel`, { method: 'POST' });
});

test('a queued edit shows its position and can be cancelled by its own session', async () => {
  const busy = h.client();
  const running = (await busy.edit({ text: 'make it red steps:25', strength: '0.5' }, photo)).body.job!;
  await waitFor(async () => (await busy.call(`/api/edits/${running.jobId}`)).body.state === 'active', 10_000);
  const client = h.client();
  await client.openEvents();
  const queued = (await client.edit({ text: 'make it red', strength: '0.4' }, photo)).body.job!;
  assert.deepEqual(queued.position, { state: 'queued', position: 1 });
  assert.equal(queued.statusText, 'next in queue');
  const cancelled = await client.call(`/api/edits/${queued.jobId}/cancel`, { method: 'POST' });
  assert.deepEqual(cancelled.body, { outcome: 'removed' });
  assert.equal((await client.call(`/api/edits/${queued.jobId}`)).status, 404);
  await busy.call(`/api/edits/${running.jobId}/cancel`, { method: 'POST' });
});

test('a page that connects after its edit finished still gets the result', async () => {
  const client = h.client();
  const job = (await client.edit({ text: 'make it red', strength: '0.2' }, photo)).body.job!;
  await waitFor(
    async () => (await client.call(`/api/edits/${job.jobId}`)).body.state === 'completed',
    15_000,
  );
  await client.openEvents();
  await client.waitForEvent('result', job.jobId, 5000);
});

test('requests with a foreign Host or from another site are refused', async () => {
  // fetch() will not send another Host; node:http will, as a DNS-rebound page's browser would.
  const rebinding = await new Promise<number>((resolve, reject) =>
    request(`${h.origin}/api/info`, { headers: { host: 'attacker.example' } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    })
      .on('error', reject)
      .end(),
  );
  assert.equal(rebinding, 421);
  const client = h.client();
  const crossSite = await client.call('/api/edits?text=x', {
    method: 'POST',
    headers: { origin: 'https://attacker.example' },
    body: photo,
  });
  assert.equal(crossSite.status, 403);
  const fetchSite = await client.call('/api/edits?text=x', {
    method: 'POST',
    headers: { 'sec-fetch-site': 'cross-site' },
    body: photo,
  });
  assert.equal(fetchSite.status, 403);
});

/**
 * The whole path on real parts: command text -> /edit grammar -> BullMQ job on the real Redis (image as a
 * blob) -> worker running the ONNX pipeline on the tiny reference bundle -> delivery to the local adapter.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { EditFailedError } from '../../bots/local/local-adapter.ts';
import { startLocalEditing, type LocalEditing } from './local-editing.ts';

let local: LocalEditing;
let photo: Buffer;

before(async () => {
  local = await startLocalEditing('test/fixtures/tiny-random', 'e2e-pipeline');
  // A 96x72 gradient: not the working size, so the pipeline resizes it and the reply comes back at 96x72.
  const raw = Buffer.alloc(96 * 72 * 3);
  for (let i = 0; i < 96 * 72; i++) raw.set([(i % 96) * 2, Math.floor(i / 96) * 3, 128], i * 3);
  photo = await sharp(raw, { raw: { width: 96, height: 72, channels: 3 } })
    .jpeg()
    .toBuffer();
});

after(() => local.close());

const edit = (text: string, image: Uint8Array = photo) => local.edit(text, image);

test('a single edit comes back as a PNG at the source size, made by the bundle', async () => {
  const { result, files } = await edit('make the sky blue strength:0.5 seed:3');
  assert.equal(result.kind, 'single');
  assert.equal(result.modelId, local.pipeline.modelId);
  assert.deepEqual(result.strengths, [0.5]);
  assert.equal(result.seed, 3);
  assert.equal(files.length, 1);
  const meta = await sharp(files[0]?.data).metadata();
  assert.deepEqual([meta.format, meta.width, meta.height], ['png', 96, 72]);
});

test('a sweep comes back as an animated GIF and a contact sheet', async () => {
  const { result, files } = await edit('make the sky blue strength:sweep:4 seed:3');
  assert.equal(result.kind, 'sweep');
  assert.deepEqual(
    result.strengths.map((s) => Number(s.toFixed(4))),
    [0, 0.3333, 0.6667, 1],
  );
  const gif = files.find((f) => f.mime === 'image/gif');
  const sheet = files.find((f) => f.mime === 'image/png');
  assert.ok(gif && sheet, `files: ${files.map((f) => f.name).join(', ')}`);
  assert.equal((await sharp(gif.data, { animated: true }).metadata()).pages, 4);
  assert.equal((await sharp(sheet.data).metadata()).format, 'png');
});

test('strength changes the output: the slider reaches the transformer through the queue', async () => {
  const weak = await edit('make the sky blue strength:0 seed:5');
  const strong = await edit('make the sky blue strength:1 seed:5');
  const a = await sharp(weak.files[0]?.data).raw().toBuffer();
  const b = await sharp(strong.files[0]?.data).raw().toBuffer();
  let differing = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) differing++;
  assert.ok(differing > 0, 'strength 0 and 1 gave identical images');
});

test('an undecodable upload fails with a user-facing reason, delivered once', async () => {
  await assert.rejects(
    edit('make it blue strength:0.5', new TextEncoder().encode('not an image')),
    (error: unknown) => error instanceof EditFailedError && error.code === 'input_image',
  );
});

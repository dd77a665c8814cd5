/**
 * The playground's pure parts: the form and re-edits through the /edit grammar, which control an error belongs
 * to, the upload check by content, the session key, the event format and the result view.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { CommandError } from '../../../commands/index.ts';
import { BlobTooLargeError } from '../../../queue/errors.ts';
import { checkUpload, sniffImageFormat, UploadError } from '../../../bots/web/upload-check.ts';
import { errorBody, fieldOf, variantRequest, webEditRequest } from '../../../bots/web/web-request.ts';
import { cookieValue, sessionKeyOf } from '../../../bots/web/web-sessions.ts';
import { formatEvent } from '../../../bots/web/event-stream.ts';
import { resultView } from '../../../bots/web/web-views.ts';
import type { EditJobResult } from '../../../queue/edit-job.ts';

const fixture = (name: string) =>
  new Uint8Array(readFileSync(new URL(`../../fixtures/images/${name}`, import.meta.url)));

test('the slider gives the strength unless the text names one; a leading /edit is dropped', () => {
  assert.deepEqual(webEditRequest({ text: 'make it warmer', strength: '0.3' }), {
    instruction: 'make it warmer',
    strength: { kind: 'single', value: 0.3 },
  });
  assert.deepEqual(webEditRequest({ text: '/edit make it warmer strength:70% seed:7', strength: '0.3' }), {
    instruction: 'make it warmer',
    strength: { kind: 'single', value: 0.7 },
    seed: 7,
  });
  assert.deepEqual(webEditRequest({ text: 'add fog strength:sweep:5', strength: '0.3' }).strength, {
    kind: 'sweep',
    frames: 5,
  });
  // No slider value at all: the grammar's default, the full edit.
  assert.deepEqual(webEditRequest({ text: 'make it warmer', strength: undefined }).strength, {
    kind: 'single',
    value: 1,
  });
});

test('grammar errors are the chat errors, each shown next to the control that caused it', () => {
  for (const [text, strength, code, field] of [
    ['', '0.3', 'instruction_missing', 'instruction'],
    ['make it warmer strenght:0.3', '0.3', 'unknown_option', 'instruction'],
    ['make it warmer seed:x', '0.3', 'invalid_seed', 'instruction'],
    ['make it warmer strength:1.5', '0.3', 'invalid_strength', 'strength'],
    ['make it warmer', '2', 'invalid_strength', 'strength'],
    ['x'.repeat(501), '0.3', 'instruction_too_long', 'instruction'],
  ] as const) {
    assert.throws(
      () => webEditRequest({ text, strength }),
      (err: unknown) =>
        err instanceof CommandError && err.code === code && errorBody(err).error.field === field,
      `${text.slice(0, 30)} / ${strength}`,
    );
  }
});

test('re-edits derive from the parent request as the chat buttons do; the seed is kept unless asked', () => {
  const parent = {
    instruction: 'make it warmer',
    strength: { kind: 'single' as const, value: 0.3 },
    seed: 42,
    steps: 2,
  };
  assert.deepEqual(variantRequest({ action: 'strength', value: 0.8 }, parent), {
    ...parent,
    strength: { kind: 'single', value: 0.8 },
  });
  assert.deepEqual(variantRequest({ action: 'sweep' }, parent), { ...parent, strength: { kind: 'sweep' } });
  const reseeded = variantRequest({ action: 'new-seed' }, parent);
  assert.equal(reseeded.instruction, parent.instruction);
  assert.deepEqual(reseeded.strength, parent.strength);
  // A sweep's frame can go back to a single strength.
  const sweep = { ...parent, strength: { kind: 'sweep' as const, frames: 8 } };
  assert.deepEqual(variantRequest({ action: 'strength', value: 0.25 }, sweep).strength, {
    kind: 'single',
    value: 0.25,
  });
  assert.throws(
    () => variantRequest({ action: 'strength', value: 1.2 }, parent),
    (err: unknown) => err instanceof CommandError && err.code === 'invalid_strength',
  );
});

test('fields: image problems go next to the photo, cap and queue trouble next to the form', () => {
  for (const code of ['not_an_image', 'blob_too_large', 'empty_image', 'input_image', 'no_image'])
    assert.equal(fieldOf(code), 'image', code);
  for (const code of ['user_inflight_cap', 'team_inflight_cap', 'queue_unavailable', 'parent_expired'])
    assert.equal(fieldOf(code), 'form', code);
  assert.equal(fieldOf('duplicate_option', 'strength'), 'strength');
  assert.equal(fieldOf('duplicate_option', 'seed'), 'instruction');
});

test('uploads are told apart by their bytes: the four formats pass, anything else is not_an_image', () => {
  assert.equal(sniffImageFormat(fixture('gray.png')), 'png');
  assert.equal(sniffImageFormat(fixture('exif-orientation-6.jpg')), 'jpeg');
  assert.equal(sniffImageFormat(fixture('gradient.webp')), 'webp');
  assert.equal(sniffImageFormat(fixture('animated.gif')), 'gif');
  const text = new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"/>');
  for (const bytes of [fixture('not-an-image.bin'), text, new Uint8Array([0x89, 0x50])])
    assert.throws(
      () => checkUpload(bytes, bytes.byteLength, 1 << 20),
      (err: unknown) =>
        err instanceof UploadError &&
        err.code === 'not_an_image' &&
        err.hint === 'choose a PNG, JPEG, WebP or GIF',
    );
});

test('an over-size upload gets the queue own message, from its size alone; an empty one is refused', () => {
  const head = fixture('gray.png').subarray(0, 16);
  assert.throws(
    () => checkUpload(head, 30 * 1024 * 1024, 25 * 1024 * 1024),
    (err: unknown) =>
      err instanceof BlobTooLargeError &&
      err.userMessage === 'That image is too large (30.0 MiB).' &&
      err.hint === 'the limit is 25.0 MiB',
  );
  assert.throws(
    () => checkUpload(new Uint8Array(), 0, 1024),
    (err: unknown) => err instanceof Error && (err as { code?: string }).code === 'empty_image',
  );
  assert.equal(checkUpload(head, 5000, 1 << 20), 'png');
});

test('the session key is a hash: stable, and not the cookie it comes from', () => {
  assert.equal(cookieValue('a=1; kk_session=abc_DEF-123; b=2', 'kk_session'), 'abc_DEF-123');
  assert.equal(cookieValue('kk_sessionx=1', 'kk_session'), undefined);
  assert.equal(cookieValue(undefined, 'kk_session'), undefined);
  const key = sessionKeyOf('abcdefghijklmnopqrstuv');
  assert.match(key, /^web-[0-9a-f]{32}$/);
  assert.equal(sessionKeyOf('abcdefghijklmnopqrstuv'), key);
  assert.ok(!key.includes('abcdefghijklmnopqrstuv'));
});

test('an event is one SSE record whose data is one line of JSON', () => {
  const record = formatEvent({ id: 7, name: 'failed', data: { userMessage: 'two\nlines' } });
  assert.equal(record, 'id: 7\nevent: failed\ndata: {"userMessage":"two\\nlines"}\n\n');
});

test('a result names the encodings a model run skipped, and its files as URLs of the job', () => {
  const result: EditJobResult = {
    v: 1,
    kind: 'single',
    files: [{ name: 'edit.png', mime: 'image/png', blob: `sha256-${'a'.repeat(64)}`, bytes: 10 }],
    width: 8,
    height: 8,
    strengths: [0.8],
    seed: 3,
    steps: 1,
    modelId: 'm',
    timings: { denoise: 50, decode: 5, render: 9, total: 70 },
    cached: false,
  };
  const request = {
    instruction: 'make it warmer',
    strength: { kind: 'single' as const, value: 0.8 },
    seed: 3,
  };
  const view = resultView('web-1', { request }, result);
  assert.deepEqual(view.reusedStages, ['encode-text', 'preprocess', 'encode-image']);
  assert.equal(view.command, '/edit make it warmer strength:0.8 seed:3');
  assert.deepEqual(view.files[0], {
    name: 'edit.png',
    mime: 'image/png',
    bytes: 10,
    url: '/api/edits/web-1/files/0',
    downloadUrl: '/api/edits/web-1/files/0?download=1',
  });
  assert.ok(!JSON.stringify(view).includes('sha256-'), 'no blob ids reach the page');
  const cold = resultView(
    'web-2',
    { request },
    { ...result, timings: { ...result.timings, preprocess: 3, 'encode-image': 4, 'encode-text': 1 } },
  );
  assert.deepEqual(cold.reusedStages, []);
  assert.deepEqual(resultView('web-3', { request }, { ...result, cached: true }).reusedStages, []);
});

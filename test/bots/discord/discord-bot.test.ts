/**
 * The Discord adapter end to end against the stand-in Discord: signed interactions in, REST calls out,
 * with the real queue on Redis and an in-process worker (the queue tests' tint runner, for speed).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { InteractionResponseType, MessageFlags } from 'discord-api-types/v10';
import { registerCommands } from '../../../bots/discord/index.ts';
import { createDiscordRest, closeDiscordRest } from '../../../bots/discord/discord-rest.ts';
import { jobIdFor } from '../../../queue/edit-job.ts';
import { solidPng, waitFor, sleep } from '../../queue/helpers.ts';
import { TintRunner } from '../../queue/tint-runner.ts';
import { buttonsOf, startBotHarness, type BotHarness } from './harness.ts';
import {
  APP_ID,
  CHANNEL_ID,
  buttonInteraction,
  commandInteraction,
  editImageInteraction,
  editInteraction,
  modalSubmitInteraction,
  pingInteraction,
} from './interactions.ts';

const runner = new TintRunner({ stepMs: 5 });
let h: BotHarness;
let png: Buffer;

before(async () => {
  h = await startBotHarness('discord-bot', runner, { KK_USER_INFLIGHT_CAP: '20' });
  png = await solidPng({ r: 40, g: 160, b: 220 });
});

after(async () => {
  await h.close();
});

const attach = (name = 'photo.png', data: Uint8Array = png, type: string | undefined = 'image/png') =>
  h.standIn.addAttachment(name, data, type);

async function jobOf(interactionId: string) {
  return h.services.queue.queue.getJob(jobIdFor('discord', interactionId));
}

test('PING is answered with PONG', async () => {
  const reply = await h.send(pingInteraction());
  assert.equal(reply.status, 200);
  assert.deepEqual(reply.body, { type: InteractionResponseType.Pong });
});

test('a bad signature gets 401 and enqueues nothing', async () => {
  const edit = editInteraction(attach(), { instruction: 'make it red', strength: '0.5' });
  const reply = await h.send(edit, { tamper: true });
  assert.equal(reply.status, 401);
  await sleep(200);
  assert.equal(await jobOf(edit.id), undefined);
  assert.deepEqual(h.editsOf(edit.token), []);
});

test('a correctly signed but 10-minute-old interaction (a replay) gets 401 and enqueues nothing', async () => {
  const edit = editInteraction(attach(), { instruction: 'make it red', strength: '0.5' });
  const reply = await h.send(edit, { ageSeconds: 600 });
  assert.equal(reply.status, 401);
  await sleep(100);
  assert.equal(await jobOf(edit.id), undefined);
});

test('/edit with an image: deferred, then the queue status, then a PNG with four buttons', async () => {
  const edit = editInteraction(attach(), { instruction: 'make it red', strength: '0.5', seed: 7 });
  const reply = await h.send(edit);
  assert.deepEqual(reply.body, { type: InteractionResponseType.DeferredChannelMessageWithSource });

  const result = await h.waitForResult(edit.token);
  const jobId = jobIdFor('discord', edit.id);
  const edits = h.editsOf(edit.token);
  // The status line came first, and nothing was edited after the result.
  assert.match(String(edits[0]?.json?.content), /`\/edit make it red strength:0\.5 seed:7` - /);
  assert.equal(edits.at(-1), result);
  assert.equal(edits.at(-1)?.route, `/webhooks/${APP_ID}/${edit.token}/messages/@original`);

  assert.equal(result.files.length, 1);
  assert.equal(result.files[0]?.name, 'edit.png');
  assert.equal((await sharp(result.files[0]?.data).metadata()).format, 'png');
  assert.deepEqual(result.json?.attachments, [{ id: 0, filename: 'edit.png' }]);
  assert.deepEqual(result.json?.allowed_mentions, { parse: [] });
  assert.deepEqual(buttonsOf(result), [
    { customId: `kk:weaker:${jobId}`, label: 'Weaker', disabled: false },
    { customId: `kk:stronger:${jobId}`, label: 'Stronger', disabled: false },
    { customId: `kk:sweep:${jobId}`, label: 'Sweep', disabled: false },
    { customId: `kk:new-seed:${jobId}`, label: 'New seed', disabled: false },
  ]);
  const job = await jobOf(edit.id);
  assert.deepEqual(job?.data.requester, {
    platform: 'discord',
    teamId: '222222222222222222',
    channelId: CHANNEL_ID,
    userId: 'user-1',
  });

  // "Stronger" under that result: a new job derived from it, strength + 0.25, same seed and source.
  const press = buttonInteraction(`kk:stronger:${jobId}`, 'user-2');
  const pressed = await h.send(press);
  assert.deepEqual(pressed.body, { type: InteractionResponseType.DeferredChannelMessageWithSource });
  const stronger = await h.waitForResult(press.token);
  const child = await jobOf(press.id);
  assert.equal(child?.data.parentEditId, jobId);
  assert.deepEqual(child?.data.request.strength, { kind: 'single', value: 0.75 });
  assert.equal(child?.data.request.seed, 7);
  assert.equal(child?.data.source.blob, job?.data.source.blob);
  assert.equal(child?.data.requester.userId, 'user-2', 'the presser is the requester');
  assert.match(String(stronger.json?.content), /strength:0\.75 seed:7/);
});

test('"Sweep" and "New seed" under a single edit derive a 6-frame sweep and a re-seeded edit', async () => {
  const edit = editInteraction(attach(), { instruction: 'make it red', strength: '0.3', seed: 11 });
  await h.send(edit);
  await h.waitForResult(edit.token);
  const parentId = jobIdFor('discord', edit.id);
  const sweep = buttonInteraction(`kk:sweep:${parentId}`);
  const reseed = buttonInteraction(`kk:new-seed:${parentId}`);
  await Promise.all([h.send(sweep), h.send(reseed)]);
  const sweepResult = await h.waitForResult(sweep.token);
  await h.waitForResult(reseed.token);
  assert.deepEqual((await jobOf(sweep.id))?.data.request.strength, { kind: 'sweep', frames: 6 });
  assert.equal((await jobOf(sweep.id))?.data.request.seed, 11);
  assert.deepEqual(
    sweepResult.files.map((f) => f.name),
    ['sweep.gif', 'sweep-sheet.png'],
  );
  const reseeded = (await jobOf(reseed.id))?.data;
  assert.deepEqual(reseeded?.request.strength, { kind: 'single', value: 0.3 });
  assert.equal(reseeded?.parentEditId, parentId);
  assert.ok(Number.isInteger(reseeded?.request.seed));
});

test('a sweep comes back as a GIF and a contact sheet; Weaker, Stronger and Sweep are disabled', async () => {
  const edit = editInteraction(attach(), { instruction: 'make it red', strength: 'sweep:4', seed: 3 });
  await h.send(edit);
  const result = await h.waitForResult(edit.token);
  assert.deepEqual(
    result.files.map((f) => [f.name, f.contentType]),
    [
      ['sweep.gif', 'image/gif'],
      ['sweep-sheet.png', 'image/png'],
    ],
  );
  assert.equal((await sharp(result.files[0]?.data, { animated: true }).metadata()).pages, 4);
  assert.deepEqual(result.json?.attachments, [
    { id: 0, filename: 'sweep.gif' },
    { id: 1, filename: 'sweep-sheet.png' },
  ]);
  assert.deepEqual(
    buttonsOf(result).map((b) => [b.label, b.disabled]),
    [
      ['Weaker', true],
      ['Stronger', true],
      ['Sweep', true],
      ['New seed', false],
    ],
  );
});

test('at strength 1 Stronger is disabled and Weaker is not', async () => {
  const edit = editInteraction(attach(), { instruction: 'make it red', seed: 1 });
  await h.send(edit);
  const result = await h.waitForResult(edit.token);
  assert.deepEqual(
    buttonsOf(result).map((b) => [b.label, b.disabled]),
    [
      ['Weaker', false],
      ['Stronger', true],
      ['Sweep', false],
      ['New seed', false],
    ],
  );
});

test('a grammar error is answered at once, only to the user, with the hint; nothing is enqueued', async () => {
  const edit = editInteraction(attach(), { instruction: 'make it red strength:1.5' });
  const reply = await h.send(edit);
  const body = reply.body as { type: number; data: { content: string; flags: number } };
  assert.equal(body.type, InteractionResponseType.ChannelMessageWithSource);
  assert.equal(body.data.flags, MessageFlags.Ephemeral);
  assert.match(body.data.content, /strength must be between 0 and 1/);
  assert.match(body.data.content, /try strength:0\.4/);
  await sleep(100);
  assert.equal(await jobOf(edit.id), undefined);
});

test('an option given twice (typed into the instruction and as an option) is refused with the hint', async () => {
  const edit = editInteraction(attach(), { instruction: 'make it red strength:0.3', strength: '0.5' });
  const body = (await h.send(edit)).body as { data: { content: string; flags: number } };
  assert.equal(body.data.flags, MessageFlags.Ephemeral);
  assert.match(body.data.content, /strength is given more than once/);
});

test('a non-image attachment gets a clear message and nothing is enqueued', async () => {
  const text = h.standIn.addAttachment('notes.txt', Buffer.from('hello'), 'text/plain');
  const edit = editInteraction(text, { instruction: 'make it red' });
  const body = (await h.send(edit)).body as { data: { content: string; flags: number } };
  assert.equal(body.data.flags, MessageFlags.Ephemeral);
  assert.match(body.data.content, /not an image \(text\/plain\)/);
  assert.equal(await jobOf(edit.id), undefined);
});

test('an attachment over KK_BLOB_MAX_BYTES is refused before downloading', async () => {
  const big = { ...attach(), size: h.config.KK_BLOB_MAX_BYTES + 1 };
  const edit = editInteraction(big, { instruction: 'make it red' });
  const body = (await h.send(edit)).body as { data: { content: string } };
  assert.match(body.data.content, /too large/);
  assert.match(body.data.content, /the limit is 25\.0 MiB/);
});

test('an image that cannot be downloaded edits the response with the reason', async () => {
  const gone = { ...attach(), url: `${h.standIn.apiUrl.replace('/api', '')}/cdn/attachments/none/x.png` };
  const edit = editInteraction(gone, { instruction: 'make it red' });
  await h.send(edit);
  const failed = await h.waitForEdit(
    edit.token,
    (c) => /could not download/.test(String(c.json?.content)),
    'failure',
  );
  assert.match(String(failed.json?.content), /try again/);
  assert.equal(await jobOf(edit.id), undefined);
});

test('an undecodable "image" fails in the worker and the user is told why', async () => {
  const fake = h.standIn.addAttachment('fake.png', Buffer.from('not really a png'), 'image/png');
  const edit = editInteraction(fake, { instruction: 'make it red', strength: '0.5' });
  await h.send(edit);
  const failed = await h.waitForEdit(
    edit.token,
    (c) => /not an image I can read/.test(String(c.json?.content)),
    'failure',
  );
  assert.equal(failed.files.length, 0);
});

test('the same interaction delivered twice enqueues one job and gets one result', async () => {
  const edit = editInteraction(attach(), { instruction: 'make it red', strength: '0.25', seed: 99 });
  const runsBefore = runner.calls.length;
  const [first, second] = await Promise.all([h.send(edit), h.send(edit)]);
  assert.equal(first.status, 200);
  assert.equal(second.status, 200);
  await h.waitForResult(edit.token);
  await sleep(300);
  assert.equal(h.editsOf(edit.token).filter((c) => c.files.length > 0).length, 1);
  assert.equal(runner.calls.length - runsBefore, 1);
  const jobs = await h.services.queue.queue.getJobs(['completed', 'failed', 'active', 'wait', 'prioritized']);
  assert.equal(jobs.filter((j) => j.id === jobIdFor('discord', edit.id)).length, 1);
});

test('an expired interaction token: the result is posted in the channel as the bot, pinging the user', async () => {
  const edit = editInteraction(attach(), { instruction: 'make it red', strength: '0.6', userId: 'user-9' });
  h.standIn.expiredTokens.add(edit.token);
  await h.send(edit);
  let post: (typeof h.standIn.calls)[number] | undefined;
  await waitFor(
    () => {
      post = h.standIn.calls.find(
        (c) =>
          c.method === 'POST' &&
          c.route === `/channels/${CHANNEL_ID}/messages` &&
          /user-9/.test(String(c.json?.content)),
      );
      return post !== undefined;
    },
    15_000,
    'the channel message',
  );
  assert.equal(post?.authorization, `Bot ${h.standIn.botToken}`);
  assert.equal(post?.status, 200);
  assert.match(String(post?.json?.content), /^<@user-9> `\/edit make it red strength:0\.6/);
  assert.deepEqual(post?.json?.allowed_mentions, { parse: [], users: ['user-9'] });
  assert.equal(post?.files[0]?.name, 'edit.png');
  assert.equal(buttonsOf(post as NonNullable<typeof post>).length, 4);
  assert.ok(
    h.editsOf(edit.token).every((c) => c.status === 404),
    'every webhook edit hit the expired token',
  );
});

test('a button whose parent job is gone tells the user to run /edit again', async () => {
  const press = buttonInteraction('kk:weaker:discord-000000000000000001');
  await h.send(press);
  const reply = await h.waitForEdit(press.token, (c) => /expired/.test(String(c.json?.content)), 'expired');
  assert.match(String(reply.json?.content), /run \/edit again/);
  assert.equal(await jobOf(press.id), undefined);
});

test('help: /kk-help and /edit instruction:help answer with the usage, only to the user', async () => {
  for (const interaction of [
    commandInteraction('kk-help'),
    editInteraction(attach(), { instruction: 'help' }),
  ]) {
    const body = (await h.send(interaction)).body as { data: { content: string; flags: number } };
    assert.equal(body.data.flags, MessageFlags.Ephemeral);
    assert.match(body.data.content, /Usage: `\/edit <instruction>/);
    assert.match(body.data.content, /Attach the image with the `image` option/);
  }
});

test('register-commands PUTs /edit, /kk-help and "Edit image" with the bot token, each declaring where it works', async () => {
  const rest = createDiscordRest({ apiUrl: h.standIn.apiUrl, botToken: h.standIn.botToken });
  try {
    assert.deepEqual(await registerCommands(rest, APP_ID), ['edit', 'kk-help', 'Edit image']);
  } finally {
    closeDiscordRest(rest);
  }
  const put = h.standIn.calls.find((c) => c.method === 'PUT');
  assert.equal(put?.route, `/applications/${APP_ID}/commands`);
  assert.equal(put?.authorization, `Bot ${h.standIn.botToken}`);
  assert.equal(put?.status, 200, 'the stand-in checks each command as Discord does');
  const sent = put?.json as unknown as Record<string, unknown>[];
  for (const command of sent) {
    assert.deepEqual(command.contexts, [0, 1], `${String(command.name)}: servers and the bot's DM`);
    assert.deepEqual(command.integration_types, [0], `${String(command.name)}: a server install`);
  }
  assert.deepEqual(
    sent.map((c) => [c.name, c.type]),
    [
      ['edit', 1],
      ['kk-help', 1],
      ['Edit image', 3],
    ],
  );
});

test('"Edit image" on a message: a modal, then the edit of that message\'s first image', async () => {
  const text = attach('notes.txt', new TextEncoder().encode('hi'), 'text/plain');
  const image = attach('cat.png');
  const command = editImageInteraction([text, image], { userId: 'menu-user' });
  const reply = await h.send(command);
  assert.equal(reply.status, 200);
  const modal = reply.body as { type: number; data: { custom_id: string; components: unknown[] } };
  assert.equal(modal.type, InteractionResponseType.Modal);
  assert.deepEqual(
    (modal.data.components as { component: { custom_id: string } }[]).map((c) => c.component.custom_id),
    ['instruction', 'strength'],
  );
  // The attachment is stored after the answer; give it a moment, as a person filling the modal would.
  await sleep(100);
  const submit = modalSubmitInteraction(
    modal.data.custom_id,
    { instruction: 'make it warmer', strength: '40%' },
    'menu-user',
  );
  const deferred = await h.send(submit);
  assert.deepEqual(deferred.body, { type: InteractionResponseType.DeferredChannelMessageWithSource });
  const result = await h.waitForResult(submit.token);
  assert.equal(result.files[0]?.name, 'edit.png');
  const job = await jobOf(submit.id);
  assert.equal(job?.data.request.instruction, 'make it warmer');
  assert.deepEqual(job?.data.request.strength, { kind: 'single', value: 0.4 });
  assert.equal(job?.data.requester.userId, 'menu-user');
  assert.ok(
    job && (await h.services.queue.blobs.get(job.data.source.blob))?.equals(png),
    'the image was edited',
  );
});

test('"Edit image" on a message without an image, or a modal with a bad strength: an ephemeral answer, no job', async () => {
  const noImage = await h.send(
    editImageInteraction([attach('notes.txt', new Uint8Array([1]), 'text/plain')]),
  );
  const answer = noImage.body as { type: number; data: { content: string; flags: number } };
  assert.equal(answer.type, InteractionResponseType.ChannelMessageWithSource);
  assert.equal(answer.data.flags, MessageFlags.Ephemeral);
  assert.match(answer.data.content, /no image I can edit/);

  const reply = await h.send(editImageInteraction([attach()]));
  const customId = (reply.body as { data: { custom_id: string } }).data.custom_id;
  const submit = modalSubmitInteraction(customId, { instruction: 'make it warmer', strength: '1.5' });
  const refused = (await h.send(submit)).body as { type: number; data: { content: string; flags: number } };
  assert.equal(refused.data.flags, MessageFlags.Ephemeral);
  assert.match(refused.data.content, /strength must be between 0 and 1/);
  await sleep(100);
  assert.equal(await jobOf(submit.id), undefined);
});

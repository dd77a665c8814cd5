/**
 * A button acts only on an edit of its own platform and conversation (issue 13 item 10): signed presses
 * from another guild, another channel of the same guild, or a DM, naming an edit by its custom_id, with
 * the real queue on Redis, an in-process worker (the tint runner) and the stand-in Discord.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { jobIdFor } from '../../../queue/edit-job.ts';
import { solidPng, sleep, waitFor } from '../../queue/helpers.ts';
import { TintRunner } from '../../queue/tint-runner.ts';
import { startBotHarness, type BotHarness } from './harness.ts';
import {
  APP_ID,
  CHANNEL_ID,
  GUILD_ID,
  buttonInteraction,
  editInteraction,
  type InteractionPlace,
  type SentInteraction,
} from './interactions.ts';
import type { RecordedCall } from './stand-in-discord.ts';

// 80 ms a step: an edit with steps:50 runs for 4 s, long enough to press Cancel under it.
const runner = new TintRunner({ stepMs: 80 });
const FOREIGN = /That button belongs to an edit in another conversation/;
let h: BotHarness;
let png: Buffer;

before(async () => {
  h = await startBotHarness('discord-button-scope', runner, {
    KK_USER_INFLIGHT_CAP: '20',
    KK_WORKER_CONCURRENCY: '1',
  });
  png = await solidPng({ r: 200, g: 40, b: 120 });
});
after(async () => {
  await h.close();
});

const content = (call: RecordedCall) => String(call.json?.content);
const jobOf = (sent: SentInteraction) => h.services.queue.queue.getJob(jobIdFor('discord', sent.id));

async function finishedEdit(steps = 2): Promise<string> {
  const edit = editInteraction(h.standIn.addAttachment('photo.png', png, 'image/png'), {
    instruction: 'make it pink',
    strength: '0.5',
    seed: 3,
    steps,
  });
  await h.send(edit);
  await h.waitForResult(edit.token);
  return jobIdFor('discord', edit.id);
}

/** Presses `customId` in `place` and waits for the refusal in the deferred response; nothing is enqueued. */
async function assertRefused(customId: string, place: InteractionPlace, userId = 'user-2'): Promise<void> {
  const press = buttonInteraction(customId, userId, place);
  assert.equal((await h.send(press)).status, 200);
  await h.waitForEdit(press.token, (c) => FOREIGN.test(content(c)), `the refusal of ${customId}`);
  assert.equal(await jobOf(press), undefined, `${customId} in ${JSON.stringify(place)} enqueued nothing`);
}

test('New seed pressed in another guild, another channel or a DM is refused; in its own channel it works', async () => {
  const jobId = await finishedEdit();
  const places: InteractionPlace[] = [
    { guildId: '444444444444444444', channelId: '555555555555555555' },
    { guildId: GUILD_ID, channelId: '666666666666666666' },
    { guildId: null, channelId: '777777777777777777' },
  ];
  for (const place of places) await assertRefused(`kk:new-seed:${jobId}`, place);

  const own = buttonInteraction(`kk:new-seed:${jobId}`, 'user-2');
  await h.send(own);
  await h.waitForResult(own.token);
  assert.equal((await jobOf(own))?.data.parentEditId, jobId);
});

test('a Discord button naming a Slack or cli job is refused, even with the same guild and channel ids', async () => {
  const image = await solidPng({ r: 1, g: 2, b: 3 }, 32);
  for (const platform of ['slack', 'cli'] as const) {
    const { jobId } = await h.services.queue.enqueueEdit({
      platform,
      interactionId: `${platform}${Date.now()}`,
      request: { instruction: 'make it red', strength: { kind: 'single', value: 0.5 }, seed: 1 },
      image,
      requester: { teamId: GUILD_ID, channelId: CHANNEL_ID, userId: 'user-1' },
      replyTo: {},
    });
    await assertRefused(`kk:stronger:${jobId}`, {});
  }
});

test("the requester's own Cancel pressed in another channel does not cancel the edit", async () => {
  const edit = editInteraction(h.standIn.addAttachment('photo.png', png, 'image/png'), {
    instruction: 'take your time',
    strength: '0.5',
    seed: 9,
    steps: 50,
  });
  await h.send(edit);
  const jobId = jobIdFor('discord', edit.id);
  await waitFor(async () => (await (await jobOf(edit))?.getState()) === 'active', 5000, 'the edit running');

  const press = buttonInteraction(`kk:cancel:${jobId}`, 'user-1', { channelId: '888888888888888888' });
  assert.equal((await h.send(press)).status, 200);
  const followUps = () =>
    h.standIn.calls.filter((c) => c.method === 'POST' && c.route === `/webhooks/${APP_ID}/${press.token}`);
  await waitFor(() => followUps().some((c) => FOREIGN.test(content(c))), 5000, 'the ephemeral refusal');
  await sleep(200);
  assert.equal(await (await jobOf(edit))?.getState(), 'active', 'still running');
  await h.waitForResult(edit.token);
});

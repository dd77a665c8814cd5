/** Queue refusals after the deferral (here the per-user in-flight cap) replace the "thinking..." message. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { jobIdFor } from '../../../queue/edit-job.ts';
import { solidPng } from '../../queue/helpers.ts';
import { TintRunner } from '../../queue/tint-runner.ts';
import { startBotHarness, type BotHarness } from './harness.ts';
import { editInteraction } from './interactions.ts';

// Slow steps keep the first edit in flight while the second arrives.
const runner = new TintRunner({ stepMs: 150, defaultSteps: 4 });
let h: BotHarness;
let png: Buffer;

before(async () => {
  h = await startBotHarness('discord-caps', runner, { KK_USER_INFLIGHT_CAP: '1' });
  png = await solidPng({ r: 200, g: 30, b: 30 });
});
after(async () => {
  await h.close();
});

test('a second edit while the first runs is refused with the cap message; the first still completes', async () => {
  const first = editInteraction(h.standIn.addAttachment('a.png', png, 'image/png'), {
    instruction: 'make it red',
  });
  const second = editInteraction(h.standIn.addAttachment('b.png', png, 'image/png'), {
    instruction: 'make it blue',
  });
  await h.send(first);
  await runner.started;
  await h.send(second);
  const refused = await h.waitForEdit(
    second.token,
    (c) => /already have 1 edit running/.test(String(c.json?.content)),
    'the cap message',
  );
  assert.match(
    String(refused.json?.content),
    /^`\/edit make it blue strength:1` - You already have 1 edit running/,
  );
  assert.equal(await h.services.queue.queue.getJob(jobIdFor('discord', second.id)), undefined);
  await h.waitForResult(first.token);
});

/** The pure parts: button and cancel ids, the button rows, message builders, and Ed25519 verification. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import fc from 'fast-check';
import { ButtonStyle, ComponentType, MessageFlags } from 'discord-api-types/v10';
import {
  CUSTOM_ID_MAX_LENGTH,
  asChannelMessage,
  buildCancelledMessage,
  buildCancellingMessage,
  buildFailureMessage,
  buildProgressMessage,
  buildQueuedMessage,
  buildResultButtons,
  buildResultMessage,
  decodeButtonId,
  decodeCancelId,
  describeRequest,
  encodeButtonId,
  encodeCancelId,
  ephemeralFollowUp,
} from '../../../bots/discord/payloads.ts';
import { discordPublicKey, verifyDiscordSignature } from '../../../bots/discord/verify-signature.ts';
import { EDIT_ACTIONS, type EditRequest } from '../../../commands/index.ts';
import { jobIdFor } from '../../../queue/edit-job.ts';

const single = (value: number): EditRequest => ({
  instruction: 'x',
  strength: { kind: 'single', value },
  seed: 1,
});

test('button ids round-trip for every action and any Discord job id, within 100 characters', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...EDIT_ACTIONS.map((a) => a.action)),
      fc.stringMatching(/^[0-9]{17,20}$/),
      (action, interactionId) => {
        const jobId = jobIdFor('discord', interactionId);
        const id = encodeButtonId(action, jobId);
        assert.ok(id.length <= CUSTOM_ID_MAX_LENGTH);
        assert.deepEqual(decodeButtonId(id), { action, parentJobId: jobId });
      },
    ),
  );
});

test('foreign or unknown button ids decode to undefined', () => {
  for (const id of ['', 'kk:', 'kk:weaker:', 'kk:louder:discord-1', 'other:weaker:discord-1', 'weaker'])
    assert.equal(decodeButtonId(id), undefined, id);
});

test('weaker and stronger are disabled where they would change nothing', () => {
  const disabled = (request: EditRequest) =>
    buildResultButtons('discord-1', request).components.map((b) => b.disabled);
  assert.deepEqual(disabled(single(0)), [true, false, false, false]);
  assert.deepEqual(disabled(single(0.5)), [false, false, false, false]);
  assert.deepEqual(disabled(single(1)), [false, true, false, false]);
  assert.deepEqual(disabled({ instruction: 'x', strength: { kind: 'sweep', frames: 6 } }), [
    true,
    true,
    true,
    false,
  ]);
});

test('user text cannot break out of the code span or ping anyone', () => {
  const request: EditRequest = {
    instruction: 'make it `red` @everyone',
    strength: { kind: 'single', value: 1 },
  };
  assert.equal(describeRequest(request), "`/edit make it 'red' @everyone strength:1`");
  assert.deepEqual(
    buildProgressMessage('discord-1', request, { stage: 'denoise', step: 3, total: 20 }).allowed_mentions,
    {
      parse: [],
    },
  );
  assert.match(
    buildProgressMessage('discord-1', request, { stage: 'denoise', step: 3, total: 20 }).content,
    / - editing 3\/20$/,
  );
  const failure = buildFailureMessage({ userMessage: 'Nope.', hint: 'try again' }, request);
  assert.equal(failure.content, "`/edit make it 'red' @everyone strength:1` - Nope.\n-# try again");
  assert.deepEqual(asChannelMessage(failure, '42').allowed_mentions, { parse: [], users: ['42'] });
});

test('signatures verify over timestamp + body with the raw hex public key, and nothing else passes', () => {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const hex = Buffer.from(publicKey.export({ format: 'jwk' }).x as string, 'base64url').toString('hex');
  const key = discordPublicKey(hex);
  const body = Buffer.from('{"type":1}');
  const signature = sign(null, Buffer.concat([Buffer.from('1700000000'), body]), privateKey).toString('hex');
  assert.equal(verifyDiscordSignature(key, signature, '1700000000', body), true);
  assert.equal(verifyDiscordSignature(key, signature, '1700000001', body), false, 'another timestamp');
  assert.equal(verifyDiscordSignature(key, signature, '1700000000', Buffer.from('{"type":2}')), false);
  assert.equal(verifyDiscordSignature(key, undefined, '1700000000', body), false);
  assert.equal(verifyDiscordSignature(key, 'zz', '1700000000', body), false);
  const other = generateKeyPairSync('ed25519').publicKey;
  const otherHex = Buffer.from(other.export({ format: 'jwk' }).x as string, 'base64url').toString('hex');
  assert.equal(verifyDiscordSignature(discordPublicKey(otherHex), signature, '1700000000', body), false);
  assert.throws(() => discordPublicKey('abc'), RangeError);
});

test('cancel ids round-trip for any Discord job id and never decode as an edit action (or vice versa)', () => {
  fc.assert(
    fc.property(fc.stringMatching(/^[0-9]{17,20}$/), (interactionId) => {
      const jobId = jobIdFor('discord', interactionId);
      const id = encodeCancelId(jobId);
      assert.equal(id, `kk:cancel:${jobId}`);
      assert.ok(id.length <= CUSTOM_ID_MAX_LENGTH);
      assert.equal(decodeCancelId(id), jobId);
      assert.equal(decodeButtonId(id), undefined);
      assert.equal(decodeCancelId(encodeButtonId('weaker', jobId)), undefined);
    }),
  );
  for (const id of ['', 'kk:cancel:', 'kk:cancel', 'other:cancel:discord-1'])
    assert.equal(decodeCancelId(id), undefined, id);
});

test('queued and progress messages carry a red Cancel button; cancel and failure messages clear the row', () => {
  const request = single(0.5);
  const cancelRow = [
    {
      type: ComponentType.ActionRow,
      components: [
        {
          type: ComponentType.Button,
          style: ButtonStyle.Danger,
          label: 'Cancel',
          custom_id: 'kk:cancel:discord-7',
        },
      ],
    },
  ];
  assert.deepEqual(
    buildQueuedMessage('discord-7', request, { state: 'queued', position: 2 }).components,
    cancelRow,
  );
  assert.deepEqual(
    buildProgressMessage('discord-7', request, { stage: 'denoise', step: 1, total: 4 }).components,
    cancelRow,
  );
  assert.deepEqual(buildCancelledMessage(), {
    content: 'Cancelled.',
    components: [],
    allowed_mentions: { parse: [] },
  });
  assert.deepEqual(buildCancellingMessage(), {
    content: 'Cancelling...',
    components: [],
    allowed_mentions: { parse: [] },
  });
  assert.deepEqual(buildFailureMessage({ userMessage: 'Edit cancelled.' }, request).components, []);
  const result = buildResultMessage(
    'discord-7',
    request,
    { kind: 'single', width: 8, height: 8, cached: false, timings: { total: 1000 } },
    [],
  );
  assert.deepEqual(
    result.components?.flatMap((row) => row.components.map((b) => b.label)),
    ['Weaker', 'Stronger', 'Sweep', 'New seed'],
  );
  assert.deepEqual(ephemeralFollowUp('No.'), {
    content: 'No.',
    flags: MessageFlags.Ephemeral,
    allowed_mentions: { parse: [] },
  });
});

test("a result's note (words the model does not know) follows the summary line", () => {
  const base = { kind: 'single', width: 8, height: 8, cached: false, timings: { total: 1000 } } as const;
  const request: EditRequest = { instruction: 'make it zorblax', strength: { kind: 'single', value: 0.5 } };
  const withNote = buildResultMessage(
    'discord-8',
    request,
    { ...base, note: 'Note: m does not know "zorblax"' },
    [],
  );
  assert.match(withNote.content ?? '', /\nNote: m does not know "zorblax"$/);
  assert.doesNotMatch(buildResultMessage('discord-8', request, base, []).content ?? '', /Note/);
});

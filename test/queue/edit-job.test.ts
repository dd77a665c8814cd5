import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  jobIdFor,
  jobRequestOf,
  jobStrengths,
  parseEditJobData,
  platformOfJobId,
  resultCacheKey,
  type EditJobData,
} from '../../queue/edit-job.ts';
import { InvalidJobError } from '../../queue/errors.ts';
import { formatQueuePosition } from '../../queue/queue-position.ts';

const valid: EditJobData = {
  v: 1,
  request: { instruction: 'make it snowy', strength: { kind: 'sweep', frames: 5 }, seed: 7, steps: 20 },
  source: { blob: `sha256-${'ab'.repeat(32)}`, bytes: 1234 },
  modelId: 'kk-dev',
  requester: { platform: 'slack', teamId: 'T1', channelId: 'C1', userId: 'U1' },
  replyTo: { responseUrl: 'https://hooks.slack.com/x', threadTs: '1.2' },
  createdAt: 1_700_000_000_000,
};

test('a valid payload parses unchanged', () => {
  assert.deepEqual(parseEditJobData(structuredClone(valid)), valid);
  assert.deepEqual(jobStrengths(valid), [0, 0.25, 0.5, 0.75, 1]);
});

test('bad payloads are rejected with InvalidJobError naming the field', () => {
  const cases: [string, unknown][] = [
    ['v', { ...valid, v: 2 }],
    [
      'request.strength.value',
      { ...valid, request: { ...valid.request, strength: { kind: 'single', value: 1.5 } } },
    ],
    [
      'request.strength.frames',
      { ...valid, request: { ...valid.request, strength: { kind: 'sweep', frames: 1 } } },
    ],
    ['request.seed', { ...valid, request: { ...valid.request, seed: -1 } }],
    ['request.instruction', { ...valid, request: { ...valid.request, instruction: '   ' } }],
    ['source.blob', { ...valid, source: { blob: 'not-a-hash', bytes: 1 } }],
    ['requester.platform', { ...valid, requester: { ...valid.requester, platform: 'irc' } }],
    ['replyTo', { ...valid, replyTo: 'token' }],
    ['(payload)', 'just a string'],
  ];
  for (const [field, payload] of cases) {
    assert.throws(
      () => parseEditJobData(payload),
      (err: unknown) =>
        err instanceof InvalidJobError &&
        err.code === 'invalid_job' &&
        err.issues.some((issue) => issue.startsWith(field)),
      field,
    );
  }
});

test('job ids come from the interaction, are Redis/BullMQ-safe, and name their platform', () => {
  assert.equal(jobIdFor('discord', '1234567890123456789'), 'discord-1234567890123456789');
  assert.equal(jobIdFor('slack', '1234.5678.abcd'), 'slack-1234.5678.abcd');
  const odd = jobIdFor('cli', 'a:b c/d');
  assert.match(odd, /^cli-h[0-9a-f]{40}$/);
  assert.equal(jobIdFor('cli', 'a:b c/d'), odd, 'stable');
  assert.equal(platformOfJobId('discord-123'), 'discord');
  assert.equal(platformOfJobId(odd), 'cli');
  assert.equal(platformOfJobId('irc-1'), undefined);
  assert.throws(() => jobIdFor('discord', ''), InvalidJobError);
});

test('the result cache key covers everything that changes the output', () => {
  const base = resultCacheKey(valid, 'kk-dev', 1000);
  assert.equal(resultCacheKey(structuredClone(valid), 'kk-dev', 1000), base);
  const changed = [
    resultCacheKey({ ...valid, request: { ...valid.request, seed: 8 } }, 'kk-dev', 1000),
    resultCacheKey({ ...valid, request: { ...valid.request, steps: 21 } }, 'kk-dev', 1000),
    resultCacheKey({ ...valid, request: { ...valid.request, instruction: 'make it rainy' } }, 'kk-dev', 1000),
    resultCacheKey(
      { ...valid, request: { ...valid.request, strength: { kind: 'sweep', frames: 6 } } },
      'kk-dev',
      1000,
    ),
    resultCacheKey({ ...valid, source: { blob: `sha256-${'cd'.repeat(32)}`, bytes: 1 } }, 'kk-dev', 1000),
    resultCacheKey(valid, 'kk-other', 1000),
    resultCacheKey(valid, 'kk-dev', 2000),
  ];
  assert.equal(new Set([base, ...changed]).size, 8);
  // Who asked and where to reply do not change the image.
  const otherUser = { ...valid, requester: { ...valid.requester, userId: 'U2' }, replyTo: {} };
  assert.equal(resultCacheKey(otherUser, 'kk-dev', 1000), base);
});

test('queue positions read as short status text', () => {
  assert.equal(formatQueuePosition({ state: 'queued', position: 3 }), '#3 in queue');
  assert.equal(formatQueuePosition({ state: 'queued', position: 1 }), 'next in queue');
  assert.equal(formatQueuePosition({ state: 'running' }), 'running');
});

test("a sweep without a count gets the model's defaults.sweepFrames in the job; a count is kept", () => {
  const request = { instruction: 'x', strength: { kind: 'sweep' } } as const;
  assert.deepEqual(jobRequestOf(request, 7, 8).strength, { kind: 'sweep', frames: 8 });
  assert.deepEqual(jobRequestOf({ ...request, strength: { kind: 'sweep', frames: 4 } }, 7, 8).strength, {
    kind: 'sweep',
    frames: 4,
  });
  assert.deepEqual(
    jobRequestOf({ instruction: 'x', strength: { kind: 'single', value: 0.5 } }, 7, 8).strength,
    {
      kind: 'single',
      value: 0.5,
    },
  );
});

/** Finding and downloading the source image against the stand-in Slack (real HTTP, real WebClient). */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { webApi } from '@slack/bolt';
import { SlackSourceError, downloadSlackFile, findRecentImage } from '../../../bots/slack/index.ts';
import { BlobTooLargeError } from '../../../queue/errors.ts';
import { solidPng } from '../../queue/helpers.ts';
import { standInFileHosts, type FileHostPolicy } from '../../../bots/file-hosts/file-host-policy.ts';
import { StandInSlack } from './stand-in-slack.ts';

const TOKEN = 'xoxb-source-test';
const slack = new StandInSlack({ botToken: TOKEN, signingSecret: 's' });
let client: webApi.WebClient;
let fileHosts: FileHostPolicy;

before(async () => {
  await slack.start();
  // The stand-in serves files over http on loopback; the default policy allows only files.slack.com.
  fileHosts = standInFileHosts(slack.apiUrl);
  client = new webApi.WebClient(TOKEN, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } });
});
after(() => slack.close());

test('the newest supported image of that user in that channel is picked', async () => {
  const now = Math.floor(Date.now() / 1000);
  const png = await solidPng({ r: 1, g: 2, b: 3 });
  slack.addFile({
    user: 'U1',
    channel: 'C1',
    name: 'older.png',
    mimetype: 'image/png',
    data: png,
    created: now - 60,
  });
  const newer = slack.addFile({
    user: 'U1',
    channel: 'C1',
    name: 'newer.png',
    mimetype: 'image/png',
    data: png,
    created: now - 30,
  });
  slack.addFile({
    user: 'U1',
    channel: 'C1',
    name: 'newest.heic',
    mimetype: 'image/heic',
    data: png,
    created: now - 10,
  });
  slack.addFile({
    user: 'U2',
    channel: 'C1',
    name: 'someone-else.png',
    mimetype: 'image/png',
    data: png,
    created: now,
  });
  slack.addFile({
    user: 'U1',
    channel: 'C2',
    name: 'other-channel.png',
    mimetype: 'image/png',
    data: png,
    created: now,
  });
  const found = await findRecentImage(client, { userId: 'U1', channelId: 'C1' });
  assert.equal(found.id, newer.id);
  await assert.rejects(
    findRecentImage(client, { userId: 'U3', channelId: 'C1' }),
    (err: unknown) => err instanceof SlackSourceError && err.code === 'no_recent_image',
  );
});

test('the download needs the bot token: without it Slack serves a sign-in page, which is refused', async () => {
  const data = await solidPng({ r: 9, g: 9, b: 9 });
  const stored = slack.addFile({ user: 'U4', channel: 'C1', name: 'p.png', mimetype: 'image/png', data });
  const file = await findRecentImage(client, { userId: 'U4', channelId: 'C1' });
  assert.equal(file.id, stored.id);
  const bytes = await downloadSlackFile(file, { botToken: TOKEN, maxBytes: 1 << 20, fileHosts });
  assert.deepEqual(Buffer.from(bytes), data);
  await assert.rejects(
    downloadSlackFile(file, { botToken: 'xoxb-wrong', maxBytes: 1 << 20, fileHosts }),
    (err: unknown) => err instanceof SlackSourceError && err.code === 'not_an_image',
  );
});

test('the size cap holds from the listed size and, when none is listed, from the bytes that arrive', async () => {
  const data = await solidPng({ r: 9, g: 9, b: 9 }, 64);
  slack.addFile({ user: 'U5', channel: 'C1', name: 'p.png', mimetype: 'image/png', data });
  const file = await findRecentImage(client, { userId: 'U5', channelId: 'C1' });
  const max = data.byteLength - 1;
  await assert.rejects(
    downloadSlackFile(file, { botToken: TOKEN, maxBytes: max, fileHosts }),
    BlobTooLargeError,
  );
  const { size: _size, ...unsized } = file;
  await assert.rejects(
    downloadSlackFile(unsized, { botToken: TOKEN, maxBytes: max, fileHosts }),
    BlobTooLargeError,
  );
  assert.equal(
    (await downloadSlackFile(unsized, { botToken: TOKEN, maxBytes: data.byteLength, fileHosts })).byteLength,
    data.byteLength,
  );
});

/**
 * Downloads from the platforms' file hosts only: local servers play the file host, a host outside the
 * policy, and a source that trickles a byte at a time. Real HTTP, real fetch.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FileDownloadError, fetchFromFileHost } from '../../bots/file-hosts/fetch-from-file-host.ts';
import {
  DISCORD_FILE_HOSTS,
  SLACK_FILE_HOSTS,
  isAllowedUrl,
  standInFileHosts,
} from '../../bots/file-hosts/file-host-policy.ts';
import { downloadAttachment } from '../../bots/discord/download-attachment.ts';
import { SlackSourceError, downloadSlackFile } from '../../bots/slack/index.ts';

interface Seen {
  url: string;
  authorization: string | undefined;
}

function startServer(handle: (req: IncomingMessage, res: ServerResponse) => void) {
  const seen: Seen[] = [];
  const server: Server = createServer((req, res) => {
    seen.push({ url: req.url ?? '', authorization: req.headers.authorization });
    handle(req, res);
  });
  return new Promise<{ port: number; seen: Seen[]; server: Server }>((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ port: (server.address() as AddressInfo).port, seen, server }),
    ),
  );
}

let host: Awaited<ReturnType<typeof startServer>>;
let other: Awaited<ReturnType<typeof startServer>>;
const PNG = Buffer.from('\x89PNG fake bytes');

before(async () => {
  other = await startServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'image/png' });
    res.end(PNG);
  });
  host = await startServer((req, res) => {
    if (req.url === '/file.png') {
      res.writeHead(200, { 'content-type': 'image/png' });
      return res.end(PNG);
    }
    if (req.url === '/to-localhost') {
      res.writeHead(302, { location: `http://localhost:${other.port}/file.png` });
      return res.end();
    }
    if (req.url === '/to-other-port') {
      res.writeHead(302, { location: `http://127.0.0.1:${other.port}/file.png` });
      return res.end();
    }
    if (req.url === '/same-origin') {
      res.writeHead(301, { location: '/file.png' });
      return res.end();
    }
    if (req.url === '/trickle') {
      // Headers at once, then a byte a second: only a deadline on the whole download ends this.
      res.writeHead(200, { 'content-type': 'image/png' });
      const timer = setInterval(() => res.write('x'), 1000);
      res.on('close', () => clearInterval(timer));
      return;
    }
    res.writeHead(404);
    res.end();
  });
});
after(() => {
  host.server.closeAllConnections();
  other.server.closeAllConnections();
  host.server.close();
  other.server.close();
});

const local = () => standInFileHosts(`http://127.0.0.1:${host.port}`);
const base = () => `http://127.0.0.1:${host.port}`;

test('the production policies allow only the platforms’ own https hosts', () => {
  assert.ok(isAllowedUrl('https://cdn.discordapp.com/attachments/1/2/a.png', DISCORD_FILE_HOSTS));
  assert.ok(isAllowedUrl('https://media.discordapp.net/attachments/1/2/a.png', DISCORD_FILE_HOSTS));
  assert.ok(isAllowedUrl('https://files.slack.com/files-pri/T1-F1/download/a.png', SLACK_FILE_HOSTS));
  for (const url of [
    'http://cdn.discordapp.com/a.png',
    'https://127.0.0.1/a.png',
    'https://cdn.discordapp.com.evil.example/a.png',
    'https://user:pw@cdn.discordapp.com/a.png',
    'https://169.254.169.254/latest/meta-data',
    'not a url',
  ])
    assert.equal(isAllowedUrl(url, DISCORD_FILE_HOSTS), false, url);
  assert.equal(isAllowedUrl('https://evil.example/files-pri/a.png', SLACK_FILE_HOSTS), false);
});

test('with the default policy a loopback URL is refused before any request is made', async () => {
  const before = host.seen.length;
  await assert.rejects(
    downloadAttachment(`${base()}/file.png`, { maxBytes: 1 << 20 }),
    (err: unknown) => err instanceof Error && 'code' in err && err.code === 'attachment_host_refused',
  );
  await assert.rejects(
    downloadSlackFile(
      { id: 'F1', url_private_download: `${base()}/file.png` },
      { botToken: 'xoxb-secret', maxBytes: 1 << 20 },
    ),
    (err: unknown) => err instanceof SlackSourceError && err.code === 'image_host_refused',
  );
  assert.equal(host.seen.length, before);
});

test('a redirect that leaves the allowed hosts is refused, and the token never reaches it', async () => {
  const otherBefore = other.seen.length;
  await assert.rejects(
    fetchFromFileHost(`${base()}/to-localhost`, {
      policy: local(),
      maxBytes: 1 << 20,
      timeoutMs: 5000,
      headers: { Authorization: 'Bearer xoxb-secret' },
    }),
    (err: unknown) => err instanceof FileDownloadError && err.reason === 'host_not_allowed',
  );
  assert.equal(other.seen.length, otherBefore);
});

test('redirects are followed on allowed hosts; the token goes only to the first origin', async () => {
  const headers = { Authorization: 'Bearer xoxb-secret' };
  const opts = { policy: local(), maxBytes: 1 << 20, timeoutMs: 5000, headers };
  assert.deepEqual(Buffer.from(await fetchFromFileHost(`${base()}/same-origin`, opts)), PNG);
  assert.equal(host.seen.at(-1)?.authorization, 'Bearer xoxb-secret');
  assert.deepEqual(Buffer.from(await fetchFromFileHost(`${base()}/to-other-port`, opts)), PNG);
  assert.equal(other.seen.at(-1)?.authorization, undefined);
});

test('a Slack file that trickles is cut at the time limit and the user is told so', async () => {
  const started = Date.now();
  await assert.rejects(
    downloadSlackFile(
      { id: 'F2', url_private_download: `${base()}/trickle` },
      { botToken: 'xoxb-secret', maxBytes: 1 << 20, timeoutMs: 1500, fileHosts: local() },
    ),
    (err: unknown) =>
      err instanceof SlackSourceError &&
      err.code === 'image_download_timeout' &&
      /longer than 1\.5 s/.test(err.userMessage),
  );
  const took = Date.now() - started;
  assert.ok(took >= 1400 && took < 4000, `took ${took} ms`);
});

/**
 * Unauthenticated and malformed requests against both bots' HTTP endpoints (real servers, real Bolt,
 * raw sockets for the slow and oversized bodies): each is refused quickly with a 4xx/5xx and a bounded
 * cost, and a signed but malformed Discord body is a 400, never a 500.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { startInteractionServer, type InteractionServer } from '../../bots/discord/interaction-server.ts';
import { discordPublicKey } from '../../bots/discord/verify-signature.ts';
import { PONG } from '../../bots/discord/payloads.ts';
import { silentLogger } from '../../config/logger.ts';
import { TintRunner } from '../queue/tint-runner.ts';
import { uniquePrefix } from '../queue/helpers.ts';
import { startBotHarness, type BotHarness } from './discord/harness.ts';
import { editInteraction } from './discord/interactions.ts';
import { startSlackHarness, type SlackHarness } from './slack/slack-harness.ts';
import { StandInSlack, signSlackRequest } from './slack/stand-in-slack.ts';

interface RawAnswer {
  status: number;
  ms: number;
}

/**
 * Sends a request head and `body` over a raw socket, then keeps the connection open without sending
 * more (a slow client), and resolves with the first status line the server answers.
 */
function rawRequest(
  port: number,
  path: string,
  headers: Record<string, string>,
  body: Buffer,
): Promise<RawAnswer> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      const match = /^HTTP\/1\.1 (\d{3})/.exec(received);
      if (match) {
        resolve({ status: Number(match[1]), ms: Date.now() - started });
        socket.destroy();
      }
    });
    socket.on('error', (err) => (received ? undefined : reject(err)));
    socket.on('close', () => reject(new Error(`closed without an answer: ${JSON.stringify(received)}`)));
    const head = Object.entries({ host: '127.0.0.1', ...headers })
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('');
    socket.write(`POST ${path} HTTP/1.1\r\n${head}\r\n`);
    socket.write(body, () => undefined);
  });
}

const runner = new TintRunner({ stepMs: 5 });
let discord: BotHarness;
let discordPort: number;
const slackStandIn = new StandInSlack({ botToken: 'xoxb-hostile', signingSecret: 'hostile-secret' });
let slack: SlackHarness;
let slackPort: number;

before(async () => {
  discord = await startBotHarness('hostile-discord', runner);
  discordPort = discord.bot.port;
  slack = await startSlackHarness({
    slack: slackStandIn,
    prefix: uniquePrefix('hostile-slack'),
    runner,
    env: { SLACK_BOT_TOKEN: 'xoxb-hostile', SLACK_SIGNING_SECRET: 'hostile-secret', SLACK_PORT: '0' },
    bot: { bodyGuard: { bodyTimeoutMs: 500 } },
  });
  slackPort = slack.bot.port ?? 0;
});
after(async () => {
  await discord.close();
  await slack.close();
});

test('a signed Discord body that is not an interaction gets 400, not 500', async () => {
  const edit = editInteraction(undefined, { instruction: 'make it snowy' }).payload;
  const odd: unknown[] = [
    null,
    7,
    [],
    { type: 2 },
    { type: 3, id: '1', application_id: '2', token: 't' },
    { ...edit, data: { name: 'edit', type: 1, options: 'strength' } },
    { ...edit, data: { name: 'edit', type: 1, options: [{ name: 'strength', type: 3, value: { x: 1 } }] } },
    { ...edit, data: { name: 'Edit image', type: 3, target_id: '1' } },
  ];
  for (const body of odd) {
    const reply = await discord.standIn.sendInteraction(discord.botUrl, body);
    assert.equal(reply.status, 400, JSON.stringify(body));
  }
});

test('a Discord body over the cap gets 413 at once, declared or not', { timeout: 15_000 }, async () => {
  const big = Buffer.alloc(5 * 1024 * 1024, 0x7b);
  const declared = await rawRequest(
    discordPort,
    '/discord/interactions',
    { 'content-type': 'application/json', 'content-length': String(big.byteLength) },
    Buffer.alloc(0),
  );
  assert.equal(declared.status, 413);
  assert.ok(declared.ms < 2000, `${declared.ms} ms`);
  const chunked = await rawRequest(
    discordPort,
    '/discord/interactions',
    { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
    Buffer.concat([Buffer.from(`${(300 * 1024).toString(16)}\r\n`), Buffer.alloc(300 * 1024, 0x20)]),
  );
  assert.equal(chunked.status, 413);
});

test(
  'slow bodies are cut, and concurrent unauthenticated bodies are bounded',
  { timeout: 15_000 },
  async () => {
    let server: InteractionServer | undefined;
    const hex = discord.standIn.publicKeyHex;
    try {
      server = await startInteractionServer({
        port: 0,
        host: '127.0.0.1',
        publicKey: discordPublicKey(hex),
        handle: () => ({ response: PONG }),
        logger: silentLogger,
        bodyTimeoutMs: 800,
        maxConcurrentBodies: 2,
      });
      const port = server.port;
      const slow = () =>
        rawRequest(port, '/discord/interactions', { 'content-length': '1000' }, Buffer.from('{"type":'));
      const first = slow();
      const second = slow();
      await new Promise((resolve) => setTimeout(resolve, 200));
      const third = await slow();
      assert.equal(third.status, 503);
      for (const answer of await Promise.all([first, second])) {
        assert.equal(answer.status, 408);
        assert.ok(answer.ms >= 700 && answer.ms < 3000, `${answer.ms} ms`);
      }
    } finally {
      await server?.close();
    }
  },
);

test('Slack: a timestamp more than 5 minutes in the future is refused like a stale one', async () => {
  const url = `http://127.0.0.1:${slackPort}/slack/events`;
  const body = new URLSearchParams({
    command: '/edit',
    text: 'help',
    user_id: 'U1',
    channel_id: 'C1',
  }).toString();
  const send = async (offsetSeconds: number) => {
    const timestamp = String(Math.floor(Date.now() / 1000) + offsetSeconds);
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-slack-request-timestamp': timestamp,
        'x-slack-signature': signSlackRequest('hostile-secret', timestamp, body),
      },
      body,
    });
    await response.text();
    return response.status;
  };
  assert.equal(await send(6 * 60), 401);
  assert.equal(await send(-6 * 60), 401);
});

test(
  'Slack: oversized and slow bodies are refused before Bolt buffers them',
  { timeout: 15_000 },
  async () => {
    const path = '/slack/events';
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const big = await rawRequest(
      slackPort,
      path,
      { ...form, 'content-length': String(4 * 1024 * 1024) },
      Buffer.alloc(0),
    );
    assert.equal(big.status, 413);
    assert.ok(big.ms < 2000, `${big.ms} ms`);
    const slow = await rawRequest(
      slackPort,
      path,
      { ...form, 'content-length': '500' },
      Buffer.from('command=%2Fedit'),
    );
    assert.equal(slow.status, 408);
    assert.ok(slow.ms >= 400 && slow.ms < 3000, `${slow.ms} ms`);
  },
);

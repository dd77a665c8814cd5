/**
 * `npm start`, for now: says what the bot does, reports the state of this checkout (configuration,
 * platforms, model, Redis, which parts exist) and parses a sample command with the real grammar.
 * It does not connect to Discord or Slack and never fakes an edit; the bot's main job replaces this.
 *
 *   npm start                                   # status, and a sample command parsed
 *   npm start -- "make it snowy strength:40%"   # parse your own command text
 */
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { ConfigError, loadConfig, type Config } from '../config/config.ts';
import { CommandError, formatEditCommand, parseEditCommand, strengthsOf } from '../commands/index.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SAMPLE_COMMAND = 'make it snowy strength:sweep seed:42';

/** Parts of the product and a file whose presence means the part exists in this checkout. */
const PARTS: ReadonlyArray<[string, string]> = [
  ['/edit grammar (commands/)', 'commands/parse-edit-command.ts'],
  ['editing pipeline (pipeline/)', 'pipeline/edit-pipeline.ts'],
  ['queue and GPU worker (queue/)', 'queue/edit-worker.ts'],
  ['Discord adapter (bots/discord/)', 'bots/discord'],
  ['Slack adapter (bots/slack/)', 'bots/slack'],
];

async function main(): Promise<number> {
  console.log(
    [
      'Kontinuous Kontext bot: `/edit <instruction> strength:<0-1|sweep>` on Discord and Slack edits an image',
      'with FLUX.1 Kontext and a continuous strength slider, run by GPU workers behind a Redis queue, and',
      'replies with the edit (or an animated strength sweep) plus weaker / stronger / sweep / new-seed buttons.',
      '',
    ].join('\n'),
  );

  let config: Config | undefined;
  try {
    config = await loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.log(`Configuration: invalid\n  ${error.issues.join('\n  ')}\n`);
  }

  console.log('Status of this checkout:');
  for (const [name, path] of PARTS) {
    console.log(`  ${existsSync(join(ROOT, path)) ? 'present ' : 'not yet '} ${name}`);
  }
  if (config) {
    console.log(`  config   valid (${describePlatforms(config)})`);
    console.log(`  model    ${describeModel(config)}`);
    console.log(`  redis    ${await describeRedis(config.REDIS_URL)}`);
  }
  console.log(
    '\nThe bot is not wired into `npm start` yet: nothing connects to a chat platform and no image is edited.',
  );

  const text = process.argv.slice(2).join(' ').trim() || SAMPLE_COMMAND;
  console.log(`\nParsing "/edit ${text}" with the real grammar:`);
  try {
    const request = parseEditCommand(text);
    console.log(`  request    ${JSON.stringify(request)}`);
    console.log(`  canonical  /edit ${formatEditCommand(request)}`);
    console.log(
      `  strengths  ${strengthsOf(request)
        .map((s) => Number(s.toFixed(3)))
        .join(', ')}`,
    );
  } catch (error) {
    if (!(error instanceof CommandError)) throw error;
    console.log(`  rejected (${error.code}): ${error.userMessage}${error.hint ? ` - ${error.hint}` : ''}`);
  }

  console.log(
    '\nRun `npm test` to exercise every part that exists (the queue tests need Redis at 127.0.0.1:6379).',
  );
  return config ? 0 : 1;
}

function describePlatforms(config: Config): string {
  const discord = config.DISCORD_TOKEN ? 'Discord token set' : 'no Discord token';
  const slack = config.SLACK_BOT_TOKEN && config.SLACK_APP_TOKEN ? 'Slack tokens set' : 'no Slack tokens';
  return `${discord}, ${slack}`;
}

function describeModel(config: Config): string {
  if (config.KK_MODEL_DIR) {
    const found = existsSync(join(config.KK_MODEL_DIR, 'model.json'));
    return `${config.KK_MODEL_DIR} (${found ? 'model.json found' : 'no model.json there'})`;
  }
  const embedded = join(ROOT, 'models', 'kk-tiny');
  return existsSync(join(embedded, 'model.json'))
    ? `embedded model at ${embedded}`
    : 'no embedded model in this checkout yet (set KK_MODEL_DIR to a bundle)';
}

/** Sends PING and reports what answers, within a second; never throws. */
function describeRedis(url: string): Promise<string> {
  const { hostname, port } = new URL(url);
  const host = hostname.replace(/^\[|\]$/g, '') || '127.0.0.1';
  return new Promise((resolve) => {
    const socket = connect(Number(port || 6379), host, () => socket.write('PING\r\n'));
    const done = (answer: string) => {
      socket.destroy();
      resolve(`${host}:${port || 6379} ${answer}`);
    };
    socket.setTimeout(1000, () => done('did not answer within 1 s'));
    socket.once('data', (data) => {
      const reply = String(data);
      done(reply.startsWith('+PONG') ? 'answers PING' : `answers (${reply.trim().slice(0, 40)})`);
    });
    socket.once('error', (error) => done(`unreachable (${error.message})`));
  });
}

process.exitCode = await main();

/**
 * `npm start`: the main job. With Discord or Slack configured (DISCORD_PUBLIC_KEY, SLACK_BOT_TOKEN) it
 * serves the bots (bin/serve-bots.ts) until stopped. Otherwise, on one machine with zero downloads, it
 * edits a photo with the embedded model through the same path a chat command takes:
 *
 *   /edit grammar -> job on the Redis queue (image as a blob) -> worker running the ONNX pipeline in a
 *   pipeline host child process -> delivery to the local adapter (bots/local), which writes the files to out/
 *
 * When no Redis answers at REDIS_URL it says so and runs the pipeline in-process instead.
 * With KK_WORKER=0 it only enqueues and waits for a worker elsewhere (`npm run worker`).
 *
 * `--web` (or KK_WEB=1) serves the web playground (bots/web) on KK_WEB_HOST:KK_WEB_PORT, with any configured
 * bots, through the same queue: a page with a photo, an instruction and a strength slider.
 *
 *   npm start
 *   npm start -- --image photo.jpg "make it warmer strength:0.7" "add fog strength:sweep:8"
 *   npm start -- --web
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type Config } from '../config/config.ts';
import { createLogger, type Logger } from '../config/logger.ts';
import {
  CommandError,
  UserFacingError,
  formatEditCommand,
  parseEditCommand,
  randomSeed,
  strengthsOf,
} from '../commands/index.ts';
import type { EditRequest } from '../commands/edit-request.ts';
import { PipelineHost, pipelineHostOptionsFromConfig } from '../pipeline/host/pipeline-host.ts';
import { readManifest } from '../models/load-bundle.ts';
import { defaultModelDir } from '../models/default-model-dir.ts';
import type { EditFile, EditRunner } from '../pipeline/types.ts';
import { startQueueServices } from '../queue/queue-services.ts';
import { formatQueuePosition } from '../queue/queue-position.ts';
import { LocalAdapter } from '../bots/local/local-adapter.ts';
import { configuredPlatforms, serveBots } from './serve-bots.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DEFAULT_IMAGE = join(ROOT, 'models/kk-tiny/eval-images/chelsea.jpg');
const DEFAULT_COMMANDS = ['make it sepia strength:0.6 seed:7', 'make it foggy strength:sweep seed:7'];
/** A CPU edit of the embedded model takes about a second; this only guards against a stuck queue. */
const RESULT_TIMEOUT_MS = 10 * 60_000;

interface Outcome {
  text: string;
  files: EditFile[];
  summary: string;
  /** The model's remark, e.g. words of the instruction it does not know. */
  note?: string;
  /** The edit failed for a reason the user can act on (e.g. an edit the model does not make); no files. */
  failure?: string;
}

/** A refused edit (a `UserFacingError`) ends only that request; the demo's other edits still run. */
function failedOutcome(text: string, error: unknown): Outcome {
  if (!(error instanceof UserFacingError)) throw error;
  const failure = `${error.userMessage}${error.hint ? ` - ${error.hint}` : ''}`;
  return { text, files: [], summary: 'failed', failure };
}

/** Resolves with an exit code for a run that ends, or undefined while the bot service keeps running. */
async function main(): Promise<number | undefined> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      image: { type: 'string' },
      out: { type: 'string', default: 'out' },
      web: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(
      'usage: npm start -- [--image <file>] [--out <dir>] ["<instruction> strength:<0-1|sweep[:N]> ..."]\n' +
        '       npm start -- --web     serve the web playground (KK_WEB_HOST:KK_WEB_PORT, default 127.0.0.1:8080)',
    );
    return 0;
  }
  const loaded = await loadConfig();
  const config = values.web ? { ...loaded, KK_WEB: true } : loaded;
  const serving = configuredPlatforms(config).length > 0;
  // The demo's results are the point: quieter logs (on stderr) unless LOG_LEVEL asks for more.
  const level = config.LOG_LEVEL ?? (serving ? 'info' : 'warn');
  const logger = createLogger({ level, format: config.LOG_FORMAT, name: 'kk' });
  if (serving) {
    if (config.KK_WEB && !(await redisAnswers(config)))
      console.log(`No Redis answers at ${config.REDIS_URL}: the playground's edits wait until one does.`);
    const { webUrl } = await serveBots(config, logger);
    if (webUrl) console.log(`Web playground: ${webUrl}`);
    return undefined;
  }
  const requests = (positionals.length > 0 ? positionals : DEFAULT_COMMANDS).map((text) => ({
    text,
    request: parseEditCommand(text),
  }));
  const imagePath = values.image ?? DEFAULT_IMAGE;
  const image = new Uint8Array(await readFile(imagePath));

  // The same runner a served worker uses: the model in a child process, off this event loop.
  const pipeline = await PipelineHost.start(pipelineHostOptionsFromConfig(config, logger));
  // The bundle's sweep length is a manifest fact; the model itself lives in the host's child process.
  const { sweepFrames } = (await readManifest(config.KK_MODEL_DIR ?? defaultModelDir())).defaults;
  try {
    const viaQueue = await redisAnswers(config);
    console.log(
      `Editing ${imagePath} with ${pipeline.modelId} ` +
        (viaQueue
          ? `through the queue at ${config.REDIS_URL}${config.KK_WORKER ? ' (worker in this process)' : ' (waiting for remote workers)'}`
          : `in-process: no Redis answers at ${config.REDIS_URL}, so the queue is skipped`),
    );
    const outcomes = viaQueue
      ? await runThroughQueue(config, logger, pipeline, sweepFrames, image, requests)
      : await runDirectly(pipeline, sweepFrames, image, requests);
    await mkdir(values.out, { recursive: true });
    for (const [index, outcome] of outcomes.entries()) {
      console.log(`\n/edit ${outcome.text}\n  ${outcome.failure ?? outcome.summary}`);
      if (outcome.note) console.log(`  ${outcome.note}`);
      for (const file of outcome.files) {
        const path = join(values.out, `${index + 1}-${file.name}`);
        await writeFile(path, file.data);
        console.log(`  wrote ${path} (${(file.data.byteLength / 1024).toFixed(1)} KiB)`);
      }
    }
    console.log(
      '\nNext: `npm run kk -- edit <photo> "<instruction>" --strength 0.5` for the CLI, `npm run worker` for a ' +
        'long-running worker on the shared queue. See README.md.',
    );
    return outcomes.some((outcome) => outcome.failure !== undefined) ? 1 : 0;
  } finally {
    await pipeline.dispose();
  }
}

async function runThroughQueue(
  config: Config,
  logger: Logger,
  pipeline: EditRunner,
  sweepFrames: number,
  image: Uint8Array,
  requests: { text: string; request: EditRequest }[],
): Promise<Outcome[]> {
  const adapter = new LocalAdapter();
  const services = await startQueueServices({
    // A short-lived run: no metrics server, so it never collides with a worker's port.
    config: { ...config, KK_METRICS_PORT: 0 },
    modelId: pipeline.modelId,
    sweepFrames,
    runner: pipeline,
    adapters: { cli: adapter },
    logger,
  });
  try {
    const outcomes: Outcome[] = [];
    for (const { text, request } of requests) {
      const enqueued = await services.queue.enqueueEdit({
        platform: 'cli',
        interactionId: randomUUID(),
        request,
        image,
        requester: { channelId: 'local', userId: userInfo().username },
        replyTo: {},
      });
      console.log(`  ${enqueued.jobId}: ${formatQueuePosition(enqueued.position)}`);
      const delivered = await adapter.waitFor(enqueued.jobId, RESULT_TIMEOUT_MS).catch((error: unknown) => {
        outcomes.push(failedOutcome(text, error));
      });
      if (!delivered) continue;
      const { result, files } = delivered;
      outcomes.push({
        text: formatEditCommand({ ...request, seed: result.seed }),
        files,
        summary: describe(result.width, result.height, result.strengths, result.timings, result.cached),
        ...(result.note ? { note: result.note } : {}),
      });
    }
    return outcomes;
  } finally {
    await services.close();
  }
}

async function runDirectly(
  pipeline: EditRunner,
  sweepFrames: number,
  image: Uint8Array,
  requests: { text: string; request: EditRequest }[],
): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for (const { text, request } of requests) {
    const seed = request.seed ?? randomSeed();
    const result = await pipeline
      .run({
        image,
        instruction: request.instruction,
        strengths: strengthsOf(request, sweepFrames),
        seed,
        ...(request.steps !== undefined ? { steps: request.steps } : {}),
      })
      .catch((error: unknown) => {
        outcomes.push(failedOutcome(text, error));
      });
    if (!result) continue;
    outcomes.push({
      text: formatEditCommand({ ...request, seed }),
      files: result.files,
      summary: describe(result.width, result.height, result.strengths, result.timings, false),
      ...(result.note ? { note: result.note } : {}),
    });
  }
  return outcomes;
}

function describe(
  width: number,
  height: number,
  strengths: number[],
  timings: Record<string, number>,
  cached: boolean,
): string {
  const total = timings.total !== undefined ? `${Math.round(timings.total)} ms` : 'n/a';
  const shown = strengths.map((s) => Number(s.toFixed(3))).join(', ');
  return `${width}x${height}, strength ${shown}, ${cached ? 'from the result cache' : `model time ${total}`}`;
}

/** A plain TCP PING so a missing Redis is reported in a second instead of ioredis retrying forever. */
function redisAnswers(config: Config): Promise<boolean> {
  // Sentinel and Cluster deployments are taken at their word: their clients handle discovery.
  if (config.REDIS_SENTINELS || config.REDIS_CLUSTER_NODES) return Promise.resolve(true);
  const url = new URL(config.REDIS_URL);
  if (url.protocol === 'rediss:') return Promise.resolve(true);
  return new Promise((resolve) => {
    const socket = connect(Number(url.port || 6379), url.hostname, () => socket.write('PING\r\n'));
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('data', (data) => done(/^(\+PONG|-NOAUTH)/.test(String(data))));
    socket.once('error', () => done(false));
    socket.setTimeout(1500, () => done(false));
  });
}

main().then(
  (code) => {
    if (code !== undefined) process.exit(code);
  },
  (error: unknown) => {
    if (error instanceof ConfigError) console.error(error.message);
    else if (error instanceof CommandError || error instanceof UserFacingError)
      console.error(`${error.userMessage}${error.hint ? ` - ${error.hint}` : ''}`);
    else console.error(error);
    process.exit(error instanceof CommandError ? 2 : 1);
  },
);

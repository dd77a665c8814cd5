/**
 * Bot answer latency while edits run (issue 12): `npx tsx bench/serve-latency.ts [--sweeps 3]
 * [--frames 16] [--interval 50] [--idle-ms 3000]`.
 *
 * The real Discord interactions endpoint (bots/discord), queue services on Redis with a worker in the same
 * process, and the stand-in Discord REST API (test/bots/discord, in its own process, as Discord is) for
 * downloads and replies. A separate
 * process sends a signed PING every `--interval` ms (open loop) and records each answer's latency, while
 * `--sweeps` signed `/edit ... strength:sweep:<frames>` interactions run one after another (a new seed
 * each, so the result cache never answers) on a 1024x1024 photo. Two workloads, each with the worker's
 * runner in-process (the old path) and in a `PipelineHost` child (the new one):
 *
 *   - kk-tiny as shipped: the photo is reduced to the model's 256x256 working size; frames, GIF and
 *     contact sheet are 256x256 per frame.
 *   - render at 1024x1024: the same model stage, then the frames upscaled to 1024x1024 and rendered
 *     (GIF + contact sheet) by the project's renderSweep, as a 1024x1024 model's frames would be
 *     (bench/render-at-size-runner.ts; kk-tiny itself at 1024x1024 takes minutes per sweep on this CPU).
 *
 * Redis: REDIS_URL (default 127.0.0.1:6379); keys go under a fresh prefix, deleted at the end.
 * Prints a markdown table (for BENCHMARKS.md).
 */
import { fork } from 'node:child_process';
import { generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { parseConfig } from '../config/config.ts';
import { createDiscordDelivery, startDiscordBot } from '../bots/discord/index.ts';
import { standInFileHosts } from '../bots/file-hosts/file-host-policy.ts';
import { EMBEDDED_MODEL_DIR } from '../models/default-model-dir.ts';
import { createEditPipeline } from '../pipeline/create-edit-pipeline.ts';
import { PipelineHost, pipelineRunnerSpec } from '../pipeline/host/pipeline-host.ts';
import type { EditRunner } from '../pipeline/types.ts';
import { startQueueServices } from '../queue/queue-services.ts';
import { createRedis } from '../queue/redis-connection.ts';
import type { StandInAttachment } from '../test/bots/discord/stand-in-discord.ts';
import { editInteraction } from '../test/bots/discord/interactions.ts';
import { createRenderAtSizeRunner } from './render-at-size-runner.ts';

const { values } = parseArgs({
  options: {
    sweeps: { type: 'string', default: '3' },
    frames: { type: 'string', default: '16' },
    interval: { type: 'string', default: '50' },
    'idle-ms': { type: 'string', default: '3000' },
  },
});
const SWEEPS = Number(values.sweeps);
const FRAMES = Number(values.frames);
const INTERVAL_MS = Number(values.interval);
const IDLE_MS = Number(values['idle-ms']);
const RENDER_SIDE = 1024;
const RENDER_RUNNER = new URL('./render-at-size-runner.ts', import.meta.url).href;
const PINGER = fileURLToPath(new URL('./serve-latency-pinger.ts', import.meta.url));
const STAND_IN = fileURLToPath(new URL('./serve-latency-stand-in.ts', import.meta.url));

interface Scenario {
  workload: string;
  runner: 'in-process' | 'pipeline host';
  make(): Promise<EditRunner>;
}

const SCENARIOS: Scenario[] = [
  { workload: 'kk-tiny (256x256 frames)', runner: 'in-process', make: () => createEditPipeline() },
  {
    workload: 'kk-tiny (256x256 frames)',
    runner: 'pipeline host',
    make: () => PipelineHost.start({ runner: pipelineRunnerSpec({}) }),
  },
  {
    workload: `render at ${RENDER_SIDE}x${RENDER_SIDE}`,
    runner: 'in-process',
    make: () => createRenderAtSizeRunner({ renderSide: RENDER_SIDE }),
  },
  {
    workload: `render at ${RENDER_SIDE}x${RENDER_SIDE}`,
    runner: 'pipeline host',
    make: () =>
      PipelineHost.start({
        runner: {
          module: RENDER_RUNNER,
          exportName: 'createRenderAtSizeRunner',
          options: { renderSide: RENDER_SIDE },
        },
      }),
  },
];

const { publicKey, privateKey } = generateKeyPairSync('ed25519');
const PUBLIC_KEY_HEX = Buffer.from(publicKey.export({ format: 'jwk' }).x as string, 'base64url').toString(
  'hex',
);
const PRIVATE_KEY_PEM = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();

interface Measured {
  latencies: number[];
  failures: number;
  sweepSeconds: number[];
}

async function main(): Promise<void> {
  const photo = await sharp(`${EMBEDDED_MODEL_DIR}/eval-images/chelsea.jpg`)
    .resize(1024, 1024, { fit: 'cover' })
    .jpeg({ quality: 90 })
    .toBuffer();
  const standIn = await startStandIn(photo);
  const { attachment } = standIn;
  const prefixes: string[] = [];
  const rows: string[] = [];
  try {
    for (const [index, scenario] of SCENARIOS.entries()) {
      const prefix = `kkbench-serve-${randomUUID().slice(0, 8)}`;
      prefixes.push(prefix);
      const measured = await runScenario(scenario, standIn, attachment, prefix, index === 0);
      if (measured.idle) rows.push(row('no edit running', 'idle bot', measured.idle));
      rows.push(row(scenario.workload, scenario.runner, measured.busy));
      console.error(`done: ${scenario.workload}, ${scenario.runner}`);
    }
  } finally {
    await standIn.close();
    await deleteKeys(prefixes);
  }
  console.log(
    `\n${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(
        ' ',
      )}; Node ${process.version}; PING every ${INTERVAL_MS} ms; ${SWEEPS} sweeps of ${FRAMES} frames per row\n`,
  );
  console.log(
    '| workload | worker runner | sweep s (median) | PINGs | p50 ms | p95 ms | p99 ms | max ms | failed |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const line of rows) console.log(line);
}

async function runScenario(
  scenario: Scenario,
  standIn: StandIn,
  attachment: StandInAttachment,
  prefix: string,
  measureIdle: boolean,
): Promise<{ busy: Measured; idle?: Measured }> {
  const runner = await scenario.make();
  const config = parseConfig({
    ...process.env,
    LOG_LEVEL: 'silent',
    KK_QUEUE_PREFIX: prefix,
    KK_METRICS_PORT: '0',
    DISCORD_PUBLIC_KEY: PUBLIC_KEY_HEX,
    DISCORD_PORT: '0',
    DISCORD_API_URL: standIn.apiUrl,
    DISCORD_TOKEN: standIn.botToken,
  });
  const adapter = createDiscordDelivery({ config });
  const services = await startQueueServices({
    config,
    modelId: runner.modelId,
    sweepFrames: 16,
    runner,
    adapters: { discord: adapter },
  });
  // The stand-in's CDN is plain http on loopback: allowed here explicitly, never by configuration.
  const fileHosts = standInFileHosts(standIn.apiUrl);
  const bot = await startDiscordBot({ config, services, adapter, host: '127.0.0.1', fileHosts });
  const url = `http://127.0.0.1:${bot.port}/discord/interactions`;
  try {
    let idle: Measured | undefined;
    if (measureIdle) {
      const pinger = await startPinger(url);
      await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
      idle = { ...(await pinger.stop()), sweepSeconds: [] };
    }
    const pinger = await startPinger(url);
    const sweepSeconds: number[] = [];
    for (let i = 0; i < SWEEPS; i++) {
      const started = performance.now();
      const edit = editInteraction(attachment, {
        instruction: 'make it foggy',
        strength: `sweep:${FRAMES}`,
        seed: 1000 + i,
      });
      const answer = await sendSigned(url, edit.payload);
      if (answer.status !== 200) throw new Error(`/edit answered ${answer.status}`);
      await waitForResult(standIn, edit.token);
      sweepSeconds.push((performance.now() - started) / 1000);
    }
    return { busy: { ...(await pinger.stop()), sweepSeconds }, ...(idle ? { idle } : {}) };
  } finally {
    await bot.close();
    await services.close();
    await runner.dispose();
  }
}

interface PingResult {
  latencies: number[];
  failures: number;
}

/** Forks the PING sender and resolves once it is sending (after its uncounted warm-up PING). */
async function startPinger(url: string): Promise<{ stop(): Promise<PingResult> }> {
  const child = fork(PINGER, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const next = () =>
    new Promise<PingResult & { type: string }>((resolve) =>
      child.once('message', (message) => resolve(message as PingResult & { type: string })),
    );
  const ready = next();
  child.send({ type: 'start', url, privateKeyPem: PRIVATE_KEY_PEM, intervalMs: INTERVAL_MS });
  await ready;
  return {
    async stop() {
      const result = next();
      child.send({ type: 'stop' });
      const { latencies, failures } = await result;
      return { latencies, failures };
    },
  };
}

async function sendSigned(url: string, payload: unknown): Promise<{ status: number }> {
  const body = JSON.stringify(payload);
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = sign(null, Buffer.from(timestamp + body), privateKey).toString('hex');
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-signature-ed25519': signature,
      'x-signature-timestamp': timestamp,
    },
    body,
  });
  await response.arrayBuffer();
  return { status: response.status };
}

interface StandIn {
  apiUrl: string;
  botToken: string;
  attachment: StandInAttachment;
  result(token: string): Promise<{ done: boolean; last: string }>;
  close(): Promise<void>;
}

async function startStandIn(photo: Uint8Array): Promise<StandIn> {
  const child = fork(STAND_IN, [], {
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  // One request at a time: each answer is the next message.
  const ask = <T>(request: object): Promise<T> =>
    new Promise((resolve) => {
      child.once('message', (answer) => resolve(answer as T));
      child.send(request);
    });
  await new Promise((resolve) => child.once('message', resolve));
  const started = await ask<{ apiUrl: string; botToken: string; attachment: StandInAttachment }>({
    type: 'start',
    photo,
  });
  return {
    ...started,
    result: (token) => ask({ type: 'result', token }),
    close: async () => {
      child.send({ type: 'stop' });
      await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}

/** Waits for the accepted webhook edit that carries the result's files. */
async function waitForResult(standIn: StandIn, token: string): Promise<void> {
  const deadline = Date.now() + 10 * 60_000;
  while (Date.now() < deadline) {
    const { done, last } = await standIn.result(token);
    if (done) return;
    if (/went wrong|failed|cancelled/i.test(last)) throw new Error(`the edit failed: ${last}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no result for interaction ${token}`);
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function median(values: number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}

function row(workload: string, runner: string, m: Measured): string {
  const sorted = [...m.latencies].sort((a, b) => a - b);
  const ms = (v: number) => (Number.isNaN(v) ? '-' : v.toFixed(0));
  const sweep = m.sweepSeconds.length > 0 ? median(m.sweepSeconds).toFixed(1) : '-';
  return `| ${workload} | ${runner} | ${sweep} | ${sorted.length} | ${ms(percentile(sorted, 50))} | ${ms(
    percentile(sorted, 95),
  )} | ${ms(percentile(sorted, 99))} | ${ms(sorted.at(-1) ?? Number.NaN)} | ${m.failures} |`;
}

async function deleteKeys(prefixes: string[]): Promise<void> {
  const redis = createRedis(parseConfig(process.env), 'command');
  try {
    for (const prefix of prefixes) {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length > 0) await redis.del(...keys);
      } while (cursor !== '0');
    }
  } finally {
    await redis.quit();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);

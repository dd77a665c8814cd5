/**
 * Soak (issue 13): `npx tsx bench/soak.ts [--edits 1000] [--workers 2] [--kill-at 0.4] [--in-flight 24]`.
 *
 * Runs a mix of edits through the real queue (blob store, admission, BullMQ, delivery with its claims and
 * recovery scan) to worker processes running the real pipeline in a child (bench/soak-worker.ts, tiny-random
 * bundle): single edits and 3-frame sweeps on PNG, JPEG, WebP and GIF sources of random sizes, plus hostile
 * inputs generated here - a nested-<use> SVG, a header-only 100000x100000 PNG, a TIFF, bytes that are no
 * image, and zero-byte files. Once `--kill-at` of the edits are answered, one worker is SIGKILLed (its
 * pipeline child goes with it) and a new one started. At the end it reports, per admitted job, how many
 * times the adapter was handed it: lost = 0 times, duplicate = more than once (target 0/0), plus the
 * answers by kind and the peak RSS of this process (the bot side) and of the worker processes and their
 * pipeline children (from /proc, sampled every 250 ms). Redis: REDIS_URL; keys under a fresh prefix,
 * deleted at the end.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { UserFacingError } from '../commands/errors.ts';
import { parseConfig } from '../config/config.ts';
import { EditDelivery, type DeliveryAdapter } from '../queue/delivery.ts';
import { EditQueue } from '../queue/edit-queue.ts';
import { createQueueMetrics } from '../queue/metrics.ts';
import { createRedis } from '../queue/redis-connection.ts';
import { nestedUseSvg, pngHeaderOnly } from '../test/image/hostile-images.ts';

const { values } = parseArgs({
  options: {
    edits: { type: 'string', default: '1000' },
    workers: { type: 'string', default: '2' },
    'kill-at': { type: 'string', default: '0.4' },
    'in-flight': { type: 'string', default: '24' },
  },
});
const EDITS = Number(values.edits);
const WORKERS = Number(values.workers);
const KILL_AT = Number(values['kill-at']);
const IN_FLIGHT = Number(values['in-flight']);
const prefix = `kksoak-${randomUUID().slice(0, 8)}`;
const queueName = 'edits';
const config = parseConfig({ ...process.env, KK_QUEUE_PREFIX: prefix });

// --- Worker processes ------------------------------------------------------------------------------
interface WorkerProcess {
  child: ChildProcess;
  hostPid: number;
}
const workers: WorkerProcess[] = [];

function startWorker(): Promise<WorkerProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', new URL('./soak-worker.ts', import.meta.url).pathname],
    {
      env: { ...process.env, KK_SOAK_PREFIX: prefix, KK_SOAK_QUEUE: queueName, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`soak worker exited early (${code})`)));
    child.stdout?.setEncoding('utf8').on('data', (text: string) => {
      const ready = /ready (\d+)/.exec(text);
      if (!ready) return;
      const worker = { child, hostPid: Number(ready[1]) };
      workers.push(worker);
      resolve(worker);
    });
  });
}

// --- Memory: peak RSS per role, from /proc (Linux) ---------------------------------------------------
const peakKiB = { bot: 0, worker: 0, pipelineChild: 0 };
function rssKiB(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0; // exited between samples
  }
}
const sampler = setInterval(() => {
  peakKiB.bot = Math.max(peakKiB.bot, Math.round(process.memoryUsage().rss / 1024));
  for (const w of workers) {
    peakKiB.worker = Math.max(peakKiB.worker, rssKiB(w.child.pid));
    peakKiB.pipelineChild = Math.max(peakKiB.pipelineChild, rssKiB(w.hostPid));
  }
}, 250);

// --- Inputs -------------------------------------------------------------------------------------------
type Kind = 'single' | 'sweep' | 'svg' | 'huge-header' | 'tiff' | 'not-an-image' | 'zero-byte';
function kindOf(i: number): Kind {
  const hostile: Kind[] = ['svg', 'huge-header', 'tiff', 'not-an-image', 'zero-byte'];
  if (i % 10 === 7) return hostile[Math.floor(i / 10) % hostile.length]!;
  return i % 5 === 3 ? 'sweep' : 'single';
}

async function sourceFor(i: number, kind: Kind): Promise<Uint8Array> {
  switch (kind) {
    case 'svg':
      return nestedUseSvg(6);
    case 'huge-header':
      return pngHeaderOnly(100_000, 100_000);
    case 'tiff':
      return sharp({ create: { width: 64, height: 48, channels: 3, background: '#884422' } })
        .tiff()
        .toBuffer();
    case 'not-an-image':
      return new TextEncoder().encode(`this is not an image #${i}`);
    case 'zero-byte':
      return new Uint8Array(0);
    default: {
      const width = 48 + ((i * 37) % 160);
      const height = 48 + ((i * 53) % 120);
      const raw = Buffer.alloc(width * height * 3);
      for (let p = 0; p < raw.length; p++) raw[p] = (p * (i + 3) + (p >> 5)) & 255;
      const image = sharp(raw, { raw: { width, height, channels: 3 } });
      const format = i % 4;
      return (
        format === 0 ? image.png() : format === 1 ? image.jpeg() : format === 2 ? image.webp() : image.gif()
      ).toBuffer();
    }
  }
}

// --- Delivery bookkeeping -------------------------------------------------------------------------
const handedOver = new Map<string, number>();
const answers = new Map<string, number>();
const count = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);
const adapter: DeliveryAdapter = {
  async onCompleted({ jobId, result }) {
    count(handedOver, jobId);
    count(answers, `completed ${result.kind}`);
  },
  async onFailed({ jobId, code }) {
    count(handedOver, jobId);
    count(answers, `failed ${code}`);
  },
};

async function main(): Promise<void> {
  const started = performance.now();
  await Promise.all(Array.from({ length: WORKERS }, () => startWorker()));
  const command = createRedis(config, 'command');
  const blocking = createRedis(config, 'blocking');
  const metrics = createQueueMetrics();
  const queue = new EditQueue({
    connection: command,
    prefix,
    queueName,
    modelId: 'tiny-random@seed-7',
    sweepFrames: 3,
    userInflightCap: 1000,
    teamInflightCap: 100_000,
    metrics,
  });
  const delivery = new EditDelivery({
    connection: blocking,
    prefix,
    queueName,
    adapters: { cli: adapter },
    scanIntervalMs: 2000,
    metrics,
  });
  await delivery.start();

  const admitted = new Set<string>();
  const refusedAtEnqueue = new Map<string, number>();
  let killed = false;
  for (let i = 0; i < EDITS; i++) {
    while (admitted.size - handedOver.size >= IN_FLIGHT) await sleep(10);
    if (!killed && handedOver.size + sum(refusedAtEnqueue) >= KILL_AT * EDITS) {
      killed = true;
      const victim = workers.shift()!;
      victim.child.kill('SIGKILL');
      console.error(`soak: SIGKILLed worker ${victim.child.pid} after ${handedOver.size} answers`);
      await startWorker();
    }
    const kind = kindOf(i);
    try {
      const { jobId } = await queue.enqueueEdit({
        platform: 'cli',
        interactionId: `soak-${i}`,
        request: {
          instruction: `make it glow ${i % 7}`,
          strength:
            kind === 'sweep' ? { kind: 'sweep', frames: 3 } : { kind: 'single', value: (i % 10) / 10 },
          seed: i,
          steps: 2,
        },
        image: await sourceFor(i, kind),
        requester: { teamId: `team-${i % 5}`, channelId: 'soak', userId: `user-${i % 50}` },
        replyTo: { i },
      });
      admitted.add(jobId);
    } catch (err) {
      if (!(err instanceof UserFacingError)) throw err;
      count(refusedAtEnqueue, `${kind}: ${err.code}`);
    }
  }
  // Everything admitted must be answered; a stalled job needs a lock expiry plus a stalled check.
  const deadline = performance.now() + 120_000;
  while ([...admitted].some((id) => !handedOver.has(id)) && performance.now() < deadline) await sleep(100);
  await sleep(3000); // a late duplicate would arrive by now (scan period 2 s)
  const seconds = (performance.now() - started) / 1000;

  const lost = [...admitted].filter((id) => !handedOver.has(id));
  // Proof that the kill hit work in hand: jobs that stalled back to the queue or ran more than once.
  let stalledBack = 0;
  let startedTwice = 0;
  for (const id of admitted) {
    const job = await queue.queue.getJob(id);
    if ((job?.stalledCounter ?? 0) > 0) stalledBack += 1;
    if ((job?.attemptsStarted ?? 0) > 1) startedTwice += 1;
  }
  const duplicates = [...handedOver.values()].filter((n) => n > 1).length;
  const mib = (kib: number) => (kib / 1024).toFixed(0);
  console.log(`| edits sent | ${EDITS} (${WORKERS} workers, one SIGKILLed at ${KILL_AT * 100}%) |`);
  console.log(`| admitted / refused at enqueue | ${admitted.size} / ${sum(refusedAtEnqueue)} |`);
  console.log(`| lost / duplicate deliveries | **${lost.length} / ${duplicates}** |`);
  console.log(
    `| jobs stalled back after the kill / started more than once | ${stalledBack} / ${startedTwice} |`,
  );
  for (const [answer, n] of [...answers].sort()) console.log(`| answer: ${answer} | ${n} |`);
  for (const [refusal, n] of [...refusedAtEnqueue].sort())
    console.log(`| refused at enqueue: ${refusal} | ${n} |`);
  console.log(`| peak RSS: bot side (this process) | ${mib(peakKiB.bot)} MiB |`);
  console.log(
    `| peak RSS: worker process / pipeline child | ${mib(peakKiB.worker)} / ${mib(peakKiB.pipelineChild)} MiB |`,
  );
  console.log(`| wall time | ${seconds.toFixed(0)} s |`);
  if (lost.length > 0) console.log(`lost: ${lost.slice(0, 10).join(', ')}`);

  clearInterval(sampler);
  for (const w of workers) w.child.kill('SIGTERM');
  await Promise.all(workers.map((w) => new Promise((resolve) => w.child.once('exit', resolve))));
  await delivery.close();
  await queue.close();
  let cursor = '0';
  do {
    const [next, keys] = await command.scan(cursor, 'MATCH', `*${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await command.del(...keys);
  } while (cursor !== '0');
  await Promise.all([command.quit(), blocking.quit()]);
  process.exit(lost.length === 0 && duplicates === 0 ? 0 : 1);
}

function sum(map: Map<string, number>): number {
  return [...map.values()].reduce((a, b) => a + b, 0);
}
function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

await main();

/**
 * Prometheus metrics of the queue layer (prom-client). One `QueueMetrics` per process is the norm
 * (`sharedQueueMetrics()`); tests make their own with `createQueueMetrics()` to read counts back.
 * Every name is listed in queue/README.md.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Something whose job counts the depth gauge reads at scrape time (a BullMQ Queue fits). */
export interface CountableQueue {
  readonly name: string;
  getJobCounts(...types: string[]): Promise<Record<string, number>>;
}

const DEPTH_STATES = ['waiting', 'prioritized', 'active', 'delayed', 'completed', 'failed'] as const;

export interface QueueMetrics {
  readonly registry: Registry;
  /** kk_queue_jobs{queue,state}: jobs per BullMQ state, read at scrape time. */
  readonly jobs: Gauge<'queue' | 'state'>;
  /** kk_queue_enqueued_total{platform,outcome}: admitted, duplicate, user_cap, team_cap, invalid. */
  readonly enqueued: Counter<'platform' | 'outcome'>;
  /** kk_queue_wait_seconds: enqueue -> a worker starts the job. */
  readonly waitSeconds: Histogram;
  /** kk_queue_run_seconds{outcome}: a worker's time on one attempt (completed, failed, cached, requeued). */
  readonly runSeconds: Histogram<'outcome'>;
  /** kk_queue_failures_total{code,final}: failed attempts by reason code; final="true" when not retried. */
  readonly failures: Counter<'code' | 'final'>;
  /** kk_queue_cache_hits_total / kk_queue_cache_misses_total: result cache lookups. */
  readonly cacheHits: Counter;
  readonly cacheMisses: Counter;
  /** kk_queue_cancellations_total{state}: cancels of queued (removed) and running (signalled) edits. */
  readonly cancellations: Counter<'state'>;
  /** kk_queue_deliveries_total{platform,kind,outcome}: kind completed|failed|lost, outcome ok|error|abandoned. */
  readonly deliveries: Counter<'platform' | 'kind' | 'outcome'>;
  /** kk_queue_delivery_seconds{kind}: job finished -> adapter returned. */
  readonly deliverySeconds: Histogram<'kind'>;
  /** Adds a queue to the depth gauge. */
  watchQueue(queue: CountableQueue): void;
  unwatchQueue(queue: CountableQueue): void;
}

export interface QueueMetricsOptions {
  /** @defaultValue a new Registry */
  registry?: Registry;
  /** Also collect prom-client's process metrics (CPU, memory, event loop). @defaultValue false */
  processMetrics?: boolean;
}

export function createQueueMetrics(options: QueueMetricsOptions = {}): QueueMetrics {
  const registry = options.registry ?? new Registry();
  if (options.processMetrics) collectDefaultMetrics({ register: registry });
  const watched = new Set<CountableQueue>();
  const registers = [registry];
  const jobs = new Gauge({
    name: 'kk_queue_jobs',
    help: 'Jobs per BullMQ state',
    labelNames: ['queue', 'state'] as const,
    registers,
    async collect() {
      this.reset();
      for (const queue of watched) {
        const counts = await queue.getJobCounts(...DEPTH_STATES);
        for (const state of DEPTH_STATES) this.set({ queue: queue.name, state }, counts[state] ?? 0);
      }
    },
  });
  return {
    registry,
    jobs,
    enqueued: new Counter({
      name: 'kk_queue_enqueued_total',
      help: 'Enqueue attempts by outcome',
      labelNames: ['platform', 'outcome'] as const,
      registers,
    }),
    waitSeconds: new Histogram({
      name: 'kk_queue_wait_seconds',
      help: 'Time from enqueue until a worker starts the job',
      buckets: [0.01, 0.05, 0.25, 1, 5, 15, 30, 60, 120, 300, 600],
      registers,
    }),
    runSeconds: new Histogram({
      name: 'kk_queue_run_seconds',
      help: 'Time a worker spends on one attempt',
      labelNames: ['outcome'] as const,
      buckets: [0.05, 0.25, 1, 2.5, 5, 10, 20, 40, 80, 160, 320],
      registers,
    }),
    failures: new Counter({
      name: 'kk_queue_failures_total',
      help: 'Failed attempts by reason code',
      labelNames: ['code', 'final'] as const,
      registers,
    }),
    cacheHits: new Counter({ name: 'kk_queue_cache_hits_total', help: 'Result cache hits', registers }),
    cacheMisses: new Counter({ name: 'kk_queue_cache_misses_total', help: 'Result cache misses', registers }),
    cancellations: new Counter({
      name: 'kk_queue_cancellations_total',
      help: 'Edits cancelled by their user',
      labelNames: ['state'] as const,
      registers,
    }),
    deliveries: new Counter({
      name: 'kk_queue_deliveries_total',
      help: 'Outcomes handed to a platform adapter',
      labelNames: ['platform', 'kind', 'outcome'] as const,
      registers,
    }),
    deliverySeconds: new Histogram({
      name: 'kk_queue_delivery_seconds',
      help: 'Time from a job finishing until its adapter call returned',
      labelNames: ['kind'] as const,
      buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300],
      registers,
    }),
    watchQueue: (queue) => void watched.add(queue),
    unwatchQueue: (queue) => void watched.delete(queue),
  };
}

let shared: QueueMetrics | undefined;

/** The process-wide metrics (with process metrics), created on first use. */
export function sharedQueueMetrics(): QueueMetrics {
  shared ??= createQueueMetrics({ processMetrics: true });
  return shared;
}

/**
 * Shared pieces of the queue tests: a unique key prefix per test file (and its cleanup), Redis clients,
 * test images, a recording delivery adapter and a polling wait.
 */
import { randomUUID } from 'node:crypto';
import sharp from 'sharp';
import { Redis } from 'ioredis';
import type {
  CompletedDelivery,
  DeliveryAdapter,
  FailedDelivery,
  ProgressUpdate,
} from '../../queue/delivery.ts';
import type { EnqueueEditInput } from '../../queue/edit-queue.ts';

export const REDIS_URL = process.env.KK_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export function uniquePrefix(name: string): string {
  return `kktest-${name}-${randomUUID().slice(0, 8)}`;
}

export function commandClient(): Redis {
  return new Redis(REDIS_URL, { maxRetriesPerRequest: 3 });
}

export function blockingClient(): Redis {
  return new Redis(REDIS_URL, { maxRetriesPerRequest: null });
}

/** Deletes every key under `prefix` (queue keys, blobs, markers). */
export async function deleteKeys(redis: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) deleted += await redis.del(...keys);
  } while (cursor !== '0');
  return deleted;
}

export async function solidPng(color: { r: number; g: number; b: number }, side = 48): Promise<Buffer> {
  return sharp({ create: { width: side, height: side, channels: 3, background: color } })
    .png()
    .toBuffer();
}

let interaction = 0;

/** An enqueue input with a fresh interaction id; override any field. */
export function editInput(image: Uint8Array, overrides: Partial<EnqueueEditInput> = {}): EnqueueEditInput {
  interaction += 1;
  return {
    platform: 'discord',
    interactionId: `${Date.now()}${interaction}`,
    request: { instruction: 'make it red', strength: { kind: 'single', value: 0.5 }, seed: 42, steps: 3 },
    image,
    requester: { teamId: 'guild-1', channelId: 'channel-1', userId: 'user-a' },
    replyTo: { token: 'interaction-token' },
    ...overrides,
  };
}

/** A `DeliveryAdapter` that records what it is handed. */
export class RecordingAdapter implements DeliveryAdapter {
  readonly completed: CompletedDelivery[] = [];
  readonly failed: FailedDelivery[] = [];
  readonly progress: ProgressUpdate[] = [];
  /** Throw from onCompleted this many times first (to test retries). */
  failNext = 0;

  onProgress(update: ProgressUpdate): void {
    this.progress.push(update);
  }

  async onCompleted(delivery: CompletedDelivery): Promise<void> {
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new Error('adapter down');
    }
    this.completed.push(delivery);
  }

  async onFailed(delivery: FailedDelivery): Promise<void> {
    this.failed.push(delivery);
  }

  count(jobId: string): number {
    return [...this.completed, ...this.failed].filter((d) => d.jobId === jobId).length;
  }
}

/** Polls `check` until it returns true (or throws after `timeoutMs`). */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 5000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

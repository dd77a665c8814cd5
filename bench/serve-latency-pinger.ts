/**
 * The PING sender of bench/serve-latency.ts, in its own process: a sender on the bot's event loop would
 * be held up by the same blocking it measures (its timer would fire late and the latency look small).
 * Sends a signed Discord PING every `intervalMs` without waiting for answers (open loop, as Discord
 * does) after one uncounted warm-up PING ('ready'), and on 'stop' replies with each answer's latency in ms.
 */
import { createPrivateKey, sign } from 'node:crypto';
import { performance } from 'node:perf_hooks';

interface Start {
  type: 'start';
  url: string;
  privateKeyPem: string;
  intervalMs: number;
}

const latencies: number[] = [];
let failures = 0;
let timer: NodeJS.Timeout | undefined;
const inFlight = new Set<Promise<void>>();

async function ping(url: string, key: ReturnType<typeof createPrivateKey>): Promise<void> {
  const body = JSON.stringify({ id: '1', application_id: '1', type: 1, token: 'bench', version: 1 });
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = sign(null, Buffer.from(timestamp + body), key).toString('hex');
  const sentAt = performance.now();
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-signature-ed25519': signature,
        'x-signature-timestamp': timestamp,
      },
      body,
    });
    const answer = (await response.json()) as { type?: number };
    if (response.status === 200 && answer.type === 1) latencies.push(performance.now() - sentAt);
    else failures += 1;
  } catch {
    failures += 1;
  }
}

process.on('message', (message: Start | { type: 'stop' }) => {
  if (message.type === 'start') {
    const key = createPrivateKey(message.privateKeyPem);
    // One PING first, not counted: connection set-up and first-call compilation are not the bot's latency.
    void ping(message.url, key).then(() => {
      latencies.length = 0;
      failures = 0;
      process.send?.({ type: 'ready' });
      schedule(message, key);
    });
    return;
  }
  clearInterval(timer);
  void Promise.all(inFlight).then(() => {
    process.send?.({ type: 'result', latencies, failures }, () => process.exit(0));
  });
});

function schedule(message: Start, key: ReturnType<typeof createPrivateKey>): void {
  timer = setInterval(() => {
    const sent = ping(message.url, key);
    inFlight.add(sent);
    void sent.finally(() => inFlight.delete(sent));
  }, message.intervalMs);
}

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { Registry } from 'prom-client';
import { startHealthServer, type HealthCheck } from '../../queue/health-server.ts';
import { runEntryPoint } from './run-entry-point.ts';

/** Runs the image's HEALTHCHECK command (plain node, no loader) against a real health server. */
async function healthcheckWith(checks: Record<string, HealthCheck>) {
  const server = await startHealthServer({ port: 0, host: '127.0.0.1', registry: new Registry(), checks });
  try {
    const run = runEntryPoint('healthcheck.mjs', { KK_METRICS_PORT: String(server.port) });
    const code = await run.exited;
    run.removeCwd();
    return { code, output: run.output() };
  } finally {
    await server.close();
  }
}

test('healthy when /healthz answers 200', async () => {
  const { code, output } = await healthcheckWith({ redis: () => true, worker: () => true });
  assert.equal(code, 0, output);
  assert.match(output, /200 .*"ok":true/);
});

test('unhealthy when a check fails (503)', async () => {
  const { code, output } = await healthcheckWith({ redis: () => true, worker: () => false });
  assert.equal(code, 1, output);
  assert.match(output, /503 .*"worker":false/);
});

test('unhealthy when nothing listens on the port', async () => {
  // A port that was free a moment ago: bound, read, released.
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const run = runEntryPoint('healthcheck.mjs', { KK_METRICS_PORT: String(port) });
  assert.equal(await run.exited, 1, run.output());
  run.removeCwd();
  assert.match(run.output(), new RegExp(`no answer on port ${port}`));
});

test('KK_METRICS_PORT=0 (no health server) reports healthy and says why', async () => {
  const run = runEntryPoint('healthcheck.mjs', { KK_METRICS_PORT: '0' });
  assert.equal(await run.exited, 0);
  run.removeCwd();
  assert.match(run.output(), /KK_METRICS_PORT=0/);
});

#!/usr/bin/env node
// The container image's HEALTHCHECK: exit 0 when `GET /healthz` on KK_METRICS_PORT answers 200 (Redis
// answers PING and, where one runs, the worker is running), 1 otherwise. Plain JavaScript rather than
// TypeScript because it runs every 30 s and should not pay for the tsx loader (about 1.5 s of CPU).
const port = Number(process.env.KK_METRICS_PORT || 9464);
if (port === 0) {
  // No health server to ask (the operator turned it off); reporting unhealthy forever would help nobody.
  console.log('healthcheck: KK_METRICS_PORT=0, so there is no /healthz to ask');
  process.exit(0);
}
try {
  const response = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(4000) });
  console.log(`healthcheck: ${response.status} ${await response.text()}`);
  process.exit(response.ok ? 0 : 1);
} catch (error) {
  console.log(`healthcheck: no answer on port ${port} (${error instanceof Error ? error.message : error})`);
  process.exit(1);
}

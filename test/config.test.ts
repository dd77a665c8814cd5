import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, parseConfig } from '../config/config.ts';

test('defaults apply when the environment is empty', () => {
  const config = parseConfig({});
  assert.equal(config.REDIS_URL, 'redis://127.0.0.1:6379');
  assert.deepEqual(config.KK_EXECUTION_PROVIDERS, ['cpu']);
  assert.equal(config.KK_WORKER, true);
});

test('a malformed variable is named in the error', () => {
  assert.throws(
    () => parseConfig({ KK_EXECUTION_PROVIDERS: 'cuda,tpu', KK_MAX_BATCH: 'lots' }),
    (err: unknown) =>
      err instanceof ConfigError &&
      err.issues.some((i) => i.startsWith('KK_EXECUTION_PROVIDERS')) &&
      err.issues.some((i) => i.startsWith('KK_MAX_BATCH')),
  );
});

test('lists are split and trimmed', () => {
  const config = parseConfig({ KK_EXECUTION_PROVIDERS: ' webgpu , cpu ', KK_WORKER: 'off' });
  assert.deepEqual(config.KK_EXECUTION_PROVIDERS, ['webgpu', 'cpu']);
  assert.equal(config.KK_WORKER, false);
});

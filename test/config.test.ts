import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ConfigError, configSchema, parseConfig } from '../config/config.ts';

test('defaults apply when the environment is empty', () => {
  const config = parseConfig({});
  assert.equal(config.REDIS_URL, 'redis://127.0.0.1:6379');
  assert.deepEqual(config.KK_EXECUTION_PROVIDERS, [{ name: 'cpu' }]);
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
  assert.deepEqual(config.KK_EXECUTION_PROVIDERS, [{ name: 'webgpu' }, { name: 'cpu' }]);
  assert.equal(config.KK_WORKER, false);
});

test('cuda:N pins a worker to one GPU; cuda alone is device 0 by default', () => {
  const config = parseConfig({ KK_EXECUTION_PROVIDERS: 'cuda:3' });
  assert.deepEqual(config.KK_EXECUTION_PROVIDERS, [{ name: 'cuda', deviceId: 3 }]);
  assert.deepEqual(parseConfig({ KK_EXECUTION_PROVIDERS: 'CUDA,cpu' }).KK_EXECUTION_PROVIDERS, [
    { name: 'cuda' },
    { name: 'cpu' },
  ]);
});

test('a device index anywhere but after cuda, or a bad one, is refused with the accepted forms', () => {
  for (const [value, detail] of [
    ['cpu:1', 'only cuda takes a device index'],
    ['cuda:-1', 'whole number 0..255'],
    ['cuda:1.5', 'whole number 0..255'],
    ['cuda:256', 'whole number 0..255'],
    ['cuda:', 'whole number 0..255'],
    ['cuda:1:2', 'only cuda takes a device index'],
    ['gpu:0', 'expected one of cuda, webgpu, cpu'],
  ] as const)
    assert.throws(
      () => parseConfig({ KK_EXECUTION_PROVIDERS: value }),
      (err: unknown) =>
        err instanceof ConfigError &&
        err.issues.some((i) => i.startsWith('KK_EXECUTION_PROVIDERS') && i.includes(detail)),
      value,
    );
});

/** Rows of the README's configuration table: name -> the Default column as written. */
function readmeConfigTable(): Map<string, string> {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const section = readme.split('\n## Configuration\n')[1]?.split('\n## ')[0] ?? '';
  const rows = new Map<string, string>();
  for (const match of section.matchAll(/^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|\s*([^|]*?)\s*\|/gm)) {
    rows.set(match[1] ?? '', match[2] ?? '');
  }
  return rows;
}

test('the README configuration table lists every variable, and nothing else', () => {
  const documented = [...readmeConfigTable().keys()].sort();
  const defined = Object.keys(configSchema.shape).sort();
  assert.deepEqual(documented, defined);
});

test('each default in the README is the one the code applies', () => {
  const defaults = parseConfig({}) as Record<string, unknown>;
  for (const [name, written] of readmeConfigTable()) {
    if (written === 'unset') {
      assert.equal(defaults[name], undefined, `${name} is documented as unset`);
      continue;
    }
    const literal = /^`([^`]*)`$/.exec(written)?.[1];
    assert.ok(literal !== undefined, `${name}: default should be \`value\` or unset, got ${written}`);
    // Feeding the documented default back in must give exactly what an empty environment gives.
    const fromDocumented = (parseConfig({ [name]: literal }) as Record<string, unknown>)[name];
    assert.deepEqual(fromDocumented, defaults[name], name);
  }
});

test('.env.example names every variable, once each, and nothing else', () => {
  const example = readFileSync(new URL('../.env.example', import.meta.url), 'utf8');
  const assignments = example
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'))
    .map((line) => /^([A-Z][A-Z0-9_]*)=/.exec(line)?.[1] ?? `not an assignment: ${line}`);
  assert.deepEqual([...assignments].sort(), Object.keys(configSchema.shape).sort());
});

test('.env.example as it stands configures nothing: every value is empty, so each default applies', () => {
  const example = readFileSync(new URL('../.env.example', import.meta.url), 'utf8');
  const env = Object.fromEntries(
    example
      .split('\n')
      .filter((line) => /^[A-Z]/.test(line))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
  assert.deepEqual(parseConfig(env), parseConfig({}));
});

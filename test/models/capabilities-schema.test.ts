/** model.json `capabilities`: the fields a closed, one-edit bundle adds, and manifests from before them. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { bundleManifestSchema, capabilitiesSchema } from '../../models/bundle-manifest.ts';
import { EMBEDDED_MODEL_DIR, TINY_RANDOM_MODEL_DIR } from '../../models/default-model-dir.ts';

const manifestOf = async (dir: string): Promise<Record<string, unknown>> =>
  JSON.parse(await readFile(`${dir}/model.json`, 'utf8')) as Record<string, unknown>;

test('manifests without cues, opposites or flags still load (the tiny random bundle); kk-tiny 4 has them', async () => {
  const old = bundleManifestSchema.parse(await manifestOf(TINY_RANDOM_MODEL_DIR));
  assert.ok(old.capabilities);
  assert.equal(old.capabilities.closed, undefined);
  assert.ok(old.capabilities.edits.every((edit) => edit.cues === undefined));
  const embedded = bundleManifestSchema.parse(await manifestOf(EMBEDDED_MODEL_DIR));
  assert.equal(embedded.capabilities?.closed, true);
  assert.ok(embedded.capabilities?.edits.every((edit) => (edit.cues?.length ?? 0) > 0));
  const { capabilities: _, ...withoutCapabilities } = await manifestOf(TINY_RANDOM_MODEL_DIR);
  assert.equal(bundleManifestSchema.parse(withoutCapabilities).capabilities, undefined);
});

test('the retrained kk-tiny fields parse', () => {
  const capabilities = capabilitiesSchema.parse({
    summary: 'sixteen edits',
    closed: true,
    oneEditPerInstruction: true,
    edits: [
      { name: 'brighter', examples: ['make it brighter'], cues: ['brighter', 'light'], opposite: 'darker' },
      {
        name: 'darker',
        examples: ['make it darker'],
        cues: ['darker', 'dim', 'light'],
        opposite: 'brighter',
      },
      { name: 'sepia', examples: ['make it sepia'] },
    ],
    generic: ['make', 'it', 'the', 'and'],
  });
  assert.deepEqual(capabilities.edits[1]?.cues, ['darker', 'dim', 'light']);
  assert.equal(capabilities.oneEditPerInstruction, true);
});

test('a cue that is not one lower-case word, or an opposite that names no other edit, is refused', () => {
  const issues = (edits: unknown[]) => {
    const parsed = capabilitiesSchema.safeParse({ summary: '', edits });
    assert.equal(parsed.success, false);
    return z.prettifyError(parsed.error!);
  };
  const sepia = { name: 'sepia', examples: ['make it sepia'] };
  assert.match(issues([{ ...sepia, cues: ['old photo'] }]), /one lower-case word, a-z only/);
  assert.match(issues([{ ...sepia, cues: ['Sepia'] }]), /one lower-case word/);
  assert.match(issues([{ ...sepia, opposite: 'vivid' }]), /"vivid" must name another edit .*\(sepia\)/);
  assert.match(issues([{ ...sepia, opposite: 'sepia' }]), /"sepia" must name another edit/);
});

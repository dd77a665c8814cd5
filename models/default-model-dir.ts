/**
 * Where the model bundle is when none is configured: the trained embedded model `models/kk-tiny/` if it
 * has been added to the checkout, else the tiny random test bundle (which runs, but edits nothing useful).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

export const EMBEDDED_MODEL_DIR = join(REPO_ROOT, 'models', 'kk-tiny');
export const TINY_RANDOM_MODEL_DIR = join(REPO_ROOT, 'test', 'fixtures', 'tiny-random');

export function defaultModelDir(): string {
  return existsSync(join(EMBEDDED_MODEL_DIR, 'model.json')) ? EMBEDDED_MODEL_DIR : TINY_RANDOM_MODEL_DIR;
}

/**
 * A model bundle that works at another area: the same files (symlinked) with `defaults.maxArea` changed,
 * in a temporary directory. Lets a test or benchmark give kk-tiny a heavier working size without a
 * second copy of its weights.
 */
import { mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ResizedBundle {
  dir: string;
  remove(): Promise<void>;
}

export async function bundleWithWorkingArea(sourceDir: string, maxArea: number): Promise<ResizedBundle> {
  const dir = await mkdtemp(join(tmpdir(), 'kk-bundle-'));
  for (const entry of await readdir(sourceDir))
    if (entry !== 'model.json') await symlink(join(sourceDir, entry), join(dir, entry));
  const manifest = JSON.parse(await readFile(join(sourceDir, 'model.json'), 'utf8')) as {
    defaults: { maxArea: number };
  };
  manifest.defaults.maxArea = maxArea;
  await writeFile(join(dir, 'model.json'), JSON.stringify(manifest, null, 2));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

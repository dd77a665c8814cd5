/**
 * A copy of a model bundle with some of its JSON files changed (model.json's capabilities, edits.json's
 * phrasing checks): the other files are symlinked, in a temporary directory, so the real weights run.
 * Like resized-bundle.ts, for tests that need a bundle the repository does not ship yet.
 */
import { mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PatchedBundle {
  dir: string;
  remove(): Promise<void>;
}

/** JSON file name -> a function that changes its parsed content in place. */
export type JsonPatches = Record<string, (json: Record<string, unknown>) => void>;

export async function bundleWithPatches(sourceDir: string, patches: JsonPatches): Promise<PatchedBundle> {
  const dir = await mkdtemp(join(tmpdir(), 'kk-patched-'));
  for (const entry of await readdir(sourceDir))
    if (!(entry in patches)) await symlink(join(sourceDir, entry), join(dir, entry));
  for (const [file, patch] of Object.entries(patches)) {
    const json = JSON.parse(await readFile(join(sourceDir, file), 'utf8')) as Record<string, unknown>;
    patch(json);
    await writeFile(join(dir, file), JSON.stringify(json, null, 1));
  }
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * The bundled example photos a visitor can edit without uploading one: the embedded model's evaluation
 * photos (`models/kk-tiny/eval-images/`, a few KiB each), read once at start. Names are the file names;
 * nothing outside the folder can be named (a lookup is by exact name in a map, never a path join).
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EMBEDDED_MODEL_DIR } from '../../models/default-model-dir.ts';

export const DEFAULT_EXAMPLES_DIR = join(EMBEDDED_MODEL_DIR, 'eval-images');

export interface ExampleImage {
  bytes: Uint8Array;
  type: string;
}

const TYPES: Readonly<Record<string, string>> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
};

export class ExampleImages {
  private constructor(private readonly images: ReadonlyMap<string, ExampleImage>) {}

  /** The JPEG, PNG and WebP files of `dir`; none (an empty set) when the folder does not exist. */
  static async load(dir: string = DEFAULT_EXAMPLES_DIR): Promise<ExampleImages> {
    const images = new Map<string, ExampleImage>();
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names.sort()) {
      const type = /^[\w-]+\.(jpe?g|png|webp)$/i.exec(name)?.[1]?.toLowerCase();
      if (type)
        images.set(name, {
          bytes: new Uint8Array(await readFile(join(dir, name))),
          type: TYPES[type] ?? 'application/octet-stream',
        });
    }
    return new ExampleImages(images);
  }

  get names(): string[] {
    return [...this.images.keys()];
  }

  get(name: string): ExampleImage | undefined {
    return this.images.get(name);
  }
}

/**
 * The page itself: the files of `bots/web/static/`, read once at start and served as they are (plain HTML,
 * CSS and browser JavaScript; nothing is built). `/` is index.html.
 */
import { readFile } from 'node:fs/promises';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
} as const;

/** The page's files, by the path they are served at. */
export const PAGE_FILES = [
  'index.html',
  'app.css',
  'app.js',
  'api.js',
  'page.js',
  'photo-picker.js',
  'model-info.js',
  'result-view.js',
  'sweep-view.js',
  'gif-frames.js',
  'types.js',
] as const;

export interface StaticFile {
  type: string;
  body: Buffer;
}

export class StaticFiles {
  private constructor(private readonly files: ReadonlyMap<string, StaticFile>) {}

  static async load(dir: URL = new URL('./static/', import.meta.url)): Promise<StaticFiles> {
    const files = new Map<string, StaticFile>();
    for (const name of PAGE_FILES) {
      const extension = name.slice(name.lastIndexOf('.')) as keyof typeof TYPES;
      const file = { type: TYPES[extension], body: await readFile(new URL(name, dir)) };
      files.set(`/${name}`, file);
      if (name === 'index.html') files.set('/', file);
    }
    return new StaticFiles(files);
  }

  get(path: string): StaticFile | undefined {
    return this.files.get(path);
  }
}

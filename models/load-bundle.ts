/**
 * Opening a model bundle: `model.json` validated with zod, every listed file checked, the tokenizers
 * loaded, and one onnxruntime session per component (opened in parallel; the VAE encoder only when a new
 * source image first needs it, since re-edits of a cached source never do).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, join, normalize, resolve } from 'node:path';
import { z } from 'zod';
import type { ExecutionProviderChoice } from '../config/execution-provider.ts';
import { silentLogger, type Logger } from '../config/logger.ts';
import {
  BUNDLE_FORMAT,
  BUNDLE_FORMAT_VERSION,
  bundleManifestSchema,
  type BundleManifest,
  type ComponentName,
} from './bundle-manifest.ts';
import {
  BundleChecksumError,
  BundleFileMissingError,
  BundleFileSizeError,
  BundleManifestError,
  BundleVersionError,
  TensorNameError,
} from './bundle-errors.ts';
import { COMPONENT_IO, COMPONENT_NAMES, type ComponentIo } from './component-io.ts';
import { openSession } from './execution-providers.ts';
import { ModelSession } from './model-session.ts';
import { loadTokenizer, type FixedLengthTokenizer } from './tokenizer.ts';

export interface LoadBundleOptions {
  /** Execution providers tried in order for each session. @defaultValue ['cpu'] */
  executionProviders?: readonly ExecutionProviderChoice[];
  /** onnxruntime intra-op threads per session; 0 = onnxruntime's default. @defaultValue 0 */
  intraOpThreads?: number;
  /** Components whose session opens on first use rather than at load. @defaultValue ['vaeEncoder'] */
  lazyComponents?: readonly ComponentName[];
  /**
   * Also compare each file's sha256 with model.json's `files` list (sizes are always compared). Reads every
   * byte, so it is off by default: tens of GB for the real model.
   * @defaultValue false
   */
  verifyChecksums?: boolean;
  /** @defaultValue silentLogger */
  logger?: Logger;
}

export interface ModelBundle {
  /** Absolute bundle directory. */
  readonly dir: string;
  readonly manifest: BundleManifest;
  /** "id@version": identifies the weights in cache keys and results. */
  readonly key: string;
  readonly sessions: Readonly<Record<ComponentName, ModelSession>>;
  readonly tokenizers: { readonly clip: FixedLengthTokenizer; readonly t5: FixedLengthTokenizer };
  /** Releases every session; idempotent. */
  dispose(): Promise<void>;
}

/** Reads and validates `dir/model.json` without opening anything else. */
export async function readManifest(dir: string): Promise<BundleManifest> {
  let text: string;
  try {
    text = await readFile(join(dir, 'model.json'), 'utf8');
  } catch (error) {
    const hint =
      (error as NodeJS.ErrnoException).code === 'ENOENT'
        ? 'not found: is this a model bundle directory?'
        : String(error);
    throw new BundleManifestError(dir, hint, { cause: error });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new BundleManifestError(dir, `not valid JSON (${(error as Error).message})`, { cause: error });
  }
  // The version is checked before the schema: a newer bundle should say "too new", not list schema issues.
  const head = z.object({ format: z.literal(BUNDLE_FORMAT), formatVersion: z.number() }).safeParse(raw);
  if (head.success && head.data.formatVersion !== BUNDLE_FORMAT_VERSION)
    throw new BundleVersionError(dir, head.data.formatVersion, BUNDLE_FORMAT_VERSION);
  const parsed = bundleManifestSchema.safeParse(raw);
  if (!parsed.success)
    throw new BundleManifestError(dir, z.prettifyError(parsed.error), { cause: parsed.error });
  checkPipelineTensors(dir, parsed.data);
  return parsed.data;
}

/** The manifest must list every tensor the pipeline feeds or reads (see component-io.ts). */
function checkPipelineTensors(dir: string, manifest: BundleManifest): void {
  for (const component of COMPONENT_NAMES) {
    const spec = manifest.components[component];
    const io: ComponentIo = COMPONENT_IO[component];
    const inputs = new Set(spec.inputs.map((t) => t.name));
    const outputs = new Set(spec.outputs.map((t) => t.name));
    const allowed = new Set([...io.inputs, ...(io.optionalInputs ?? [])]);
    for (const name of io.inputs)
      if (!inputs.has(name))
        throw new TensorNameError(
          dir,
          component,
          name,
          'is a required input but model.json does not list it',
        );
    for (const name of inputs)
      if (!allowed.has(name))
        throw new TensorNameError(dir, component, name, 'is an input the pipeline does not know how to feed');
    for (const name of io.outputs)
      if (!outputs.has(name))
        throw new TensorNameError(
          dir,
          component,
          name,
          'is a required output but model.json does not list it',
        );
  }
}

/** Every file the manifest names, relative to the bundle directory. */
function listedFiles(manifest: BundleManifest): string[] {
  const files = new Set<string>();
  for (const component of COMPONENT_NAMES) files.add(manifest.components[component].file);
  files.add(manifest.tokenizers.clip.file);
  files.add(manifest.tokenizers.t5.file);
  for (const file of Object.keys(manifest.files ?? {})) files.add(file);
  return [...files];
}

async function sha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function checkFiles(dir: string, manifest: BundleManifest, verifyChecksums: boolean): Promise<void> {
  await Promise.all(
    listedFiles(manifest).map(async (file) => {
      const normal = normalize(file);
      if (isAbsolute(file) || normal.startsWith('..'))
        throw new BundleManifestError(dir, `"${file}" must be a path inside the bundle directory`);
      let size: number;
      try {
        size = (await stat(join(dir, normal))).size;
      } catch {
        throw new BundleFileMissingError(dir, file);
      }
      const recorded = manifest.files?.[file];
      if (recorded && recorded.bytes !== size) throw new BundleFileSizeError(dir, file, size, recorded.bytes);
      if (recorded && verifyChecksums && (await sha256(join(dir, normal))) !== recorded.sha256.toLowerCase())
        throw new BundleChecksumError(dir, file);
    }),
  );
}

/** Opens the bundle in `dir`; see `LoadBundleOptions` for the defaults. */
export async function loadBundle(dir: string, options: LoadBundleOptions = {}): Promise<ModelBundle> {
  const bundleDir = resolve(dir);
  const logger = options.logger ?? silentLogger;
  const lazy = new Set(options.lazyComponents ?? ['vaeEncoder']);
  const manifest = await readManifest(bundleDir);
  await checkFiles(bundleDir, manifest, options.verifyChecksums ?? false);

  const [clip, t5] = await Promise.all([
    loadTokenizer(join(bundleDir, manifest.tokenizers.clip.file), manifest.tokenizers.clip),
    loadTokenizer(join(bundleDir, manifest.tokenizers.t5.file), manifest.tokenizers.t5),
  ]);

  const sessions = Object.fromEntries(
    COMPONENT_NAMES.map((component) => {
      const spec = manifest.components[component];
      const session = new ModelSession({
        component,
        spec,
        bundleDir,
        open: () =>
          openSession(join(bundleDir, spec.file), {
            component,
            bundleDir,
            providers: options.executionProviders ?? ['cpu'],
            intraOpThreads: options.intraOpThreads ?? 0,
            logger,
          }),
      });
      return [component, session];
    }),
  ) as Record<ComponentName, ModelSession>;

  const disposeAll = () => Promise.all(Object.values(sessions).map((s) => s.dispose())).then(() => undefined);
  try {
    await Promise.all(COMPONENT_NAMES.filter((c) => !lazy.has(c)).map((c) => sessions[c].open()));
  } catch (error) {
    await disposeAll();
    throw error;
  }
  logger.info({ bundle: bundleDir, id: manifest.id, version: manifest.version }, 'model bundle loaded');

  let disposing: Promise<void> | undefined;
  return {
    dir: bundleDir,
    manifest,
    key: `${manifest.id}@${manifest.version}`,
    sessions,
    tokenizers: { clip, t5 },
    dispose: () => (disposing ??= disposeAll()),
  };
}

/**
 * Errors from opening or running a model bundle. They are operator errors (a bad bundle, a missing file), but
 * they can reach chat users through the bot's error reply, so the user-facing part is generic: a stable `code`,
 * a short `userMessage` and a `hint` with nothing about the server in it. The operator's details (paths,
 * tensor names, the fix) are in `detail`, which is also what `message` says (logs and the CLI show it).
 */
import { UserFacingError } from '../commands/errors.ts';

const USER_MESSAGE = 'The image model is not set up correctly.';
const USER_HINT = "This is a problem on the bot's side, not with your request.";

/** Base class: anything wrong with a bundle on disk or its ONNX sessions. */
export class BundleError extends UserFacingError {
  /** The bundle directory. */
  readonly bundleDir: string;
  /** What is wrong and how to fix it, for the operator. */
  readonly detail: string;
  constructor(code: string, bundleDir: string, detail: string, options: { cause?: unknown } = {}) {
    super(code, USER_MESSAGE, { hint: USER_HINT, cause: options.cause });
    this.bundleDir = bundleDir;
    this.detail = detail;
    this.message = `${USER_MESSAGE} ${detail}`;
  }
}

/** `model.json` is missing, is not JSON, or does not match the schema. */
export class BundleManifestError extends BundleError {
  constructor(bundleDir: string, detail: string, options: { cause?: unknown } = {}) {
    super('bundle_manifest', bundleDir, `${bundleDir}/model.json: ${detail}`, options);
  }
}

/** `formatVersion` is one this code does not read. */
export class BundleVersionError extends BundleError {
  readonly formatVersion: number;
  constructor(bundleDir: string, formatVersion: number, supported: number) {
    super(
      'bundle_version',
      bundleDir,
      `${bundleDir}/model.json has formatVersion ${formatVersion}, but this version of kk reads only ` +
        `formatVersion ${supported}; re-export the bundle or upgrade kk`,
    );
    this.formatVersion = formatVersion;
  }
}

/** A file the manifest lists is not on disk. */
export class BundleFileMissingError extends BundleError {
  readonly file: string;
  constructor(bundleDir: string, file: string) {
    super(
      'bundle_file_missing',
      bundleDir,
      `${bundleDir}/${file} is listed in model.json but does not exist`,
    );
    this.file = file;
  }
}

/** A session's inputs or outputs do not match the manifest, or a tensor the pipeline needs is absent. */
export class TensorNameError extends BundleError {
  readonly component: string;
  readonly tensor: string;
  constructor(bundleDir: string, component: string, tensor: string, detail: string) {
    super('bundle_tensor_name', bundleDir, `${component}: tensor "${tensor}" ${detail}`);
    this.component = component;
    this.tensor = tensor;
  }
}

/** An input tensor's shape or dtype does not match the manifest (checked before every run). */
export class TensorShapeError extends BundleError {
  readonly component: string;
  readonly tensor: string;
  readonly shape: readonly number[];
  constructor(
    bundleDir: string,
    component: string,
    tensor: string,
    shape: readonly number[],
    detail: string,
  ) {
    super(
      'bundle_tensor_shape',
      bundleDir,
      `${component}: input "${tensor}" has shape [${shape.join(', ')}]; ${detail}`,
    );
    this.component = component;
    this.tensor = tensor;
    this.shape = shape;
  }
}

/** No execution provider in the configured list could open a session. */
export class ExecutionProviderError extends BundleError {
  readonly failures: readonly { provider: string; reason: string }[];
  constructor(
    bundleDir: string,
    component: string,
    failures: readonly { provider: string; reason: string }[],
    cause: unknown,
  ) {
    super(
      'execution_provider',
      bundleDir,
      `${component}: no configured execution provider worked: ` +
        failures.map(({ provider, reason }) => `${provider}: ${reason}`).join('; ') +
        '. Fix that, or list a fallback in KK_EXECUTION_PROVIDERS (e.g. "cuda,cpu") if running slower is acceptable',
      { cause },
    );
    this.failures = failures;
  }
}

/** An ONNX file exists but onnxruntime cannot load it (even on the CPU provider). */
export class BundleModelLoadError extends BundleError {
  readonly file: string;
  constructor(bundleDir: string, file: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super('bundle_model_load', bundleDir, `onnxruntime could not load ${file}: ${reason}`, { cause });
    this.file = file;
  }
}

/** A file's size differs from the one `model.json`'s `files` list records (truncated download, wrong file). */
export class BundleFileSizeError extends BundleError {
  readonly file: string;
  constructor(bundleDir: string, file: string, actual: number, expected: number) {
    super(
      'bundle_file_size',
      bundleDir,
      `${bundleDir}/${file} is ${actual} bytes but model.json records ${expected}; copy the file again`,
    );
    this.file = file;
  }
}

/** A file's sha256 differs from the one `model.json`'s `files` list records (only with `verifyChecksums`). */
export class BundleChecksumError extends BundleError {
  readonly file: string;
  constructor(bundleDir: string, file: string) {
    super(
      'bundle_checksum',
      bundleDir,
      `${bundleDir}/${file} does not match the sha256 in model.json; copy the file again`,
    );
    this.file = file;
  }
}

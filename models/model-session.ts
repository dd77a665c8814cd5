/**
 * One bundle component (e.g. the transformer) behind its manifest entry: the session opens on first use
 * (or eagerly via `open()`), its input/output names are checked against the manifest when it opens, and
 * every run checks the fed tensors' names, dtypes and shapes first, so a mistake names the tensor and the
 * shape instead of surfacing as an onnxruntime message from deep inside a graph.
 */
import type * as ort from 'onnxruntime-node';
import type { ComponentSpec, TensorSpec } from './bundle-manifest.ts';
import { TensorNameError, TensorShapeError } from './bundle-errors.ts';
import type { OpenedSession } from './execution-providers.ts';
import { elementCount, fromOrtTensor, toOrtTensor, type HostTensor } from './host-tensor.ts';
import type { ExecutionProviderName } from '../config/execution-provider.ts';

export interface ModelSessionOptions {
  /** Component name, e.g. "transformer" (used in errors and logs). */
  component: string;
  spec: ComponentSpec;
  bundleDir: string;
  /** Opens the ONNX session (on the first provider that works). */
  open: () => Promise<OpenedSession>;
}

function dtypeMatches(spec: TensorSpec, data: HostTensor['data']): boolean {
  if (spec.dtype === 'int64' || spec.dtype === 'int32')
    return data instanceof BigInt64Array || data instanceof Int32Array;
  return data instanceof Float32Array;
}

export class ModelSession {
  readonly component: string;
  readonly spec: ComponentSpec;
  private readonly bundleDir: string;
  private readonly opener: () => Promise<OpenedSession>;
  private opening: Promise<OpenedSession> | undefined;
  private opened: OpenedSession | undefined;
  private disposed = false;
  /** Completed `run` calls since the bundle loaded (tests and benchmarks count work with it). */
  runCount = 0;

  constructor(options: ModelSessionOptions) {
    this.component = options.component;
    this.spec = options.spec;
    this.bundleDir = options.bundleDir;
    this.opener = options.open;
  }

  /** The provider the session runs on, once open. */
  get provider(): ExecutionProviderName | undefined {
    return this.opened?.provider;
  }

  get isOpen(): boolean {
    return this.opened !== undefined;
  }

  /** Opens the session if needed and checks its tensor names against the manifest. Safe to call repeatedly. */
  open(): Promise<OpenedSession> {
    if (this.disposed) return Promise.reject(new Error(`${this.component}: session used after dispose()`));
    this.opening ??= this.opener().then(
      (opened) => {
        try {
          this.checkNames(opened.session);
        } catch (error) {
          void opened.session.release();
          throw error;
        }
        if (this.disposed) {
          void opened.session.release();
          throw new Error(`${this.component}: session disposed while opening`);
        }
        this.opened = opened;
        return opened;
      },
      (error: unknown) => {
        this.opening = undefined; // allow a retry after e.g. a transient provider failure
        throw error;
      },
    );
    return this.opening;
  }

  private checkNames(session: ort.InferenceSession): void {
    const graphInputs = new Set(session.inputNames);
    const listed = new Set(this.spec.inputs.map((t) => t.name));
    for (const name of listed)
      if (!graphInputs.has(name))
        throw new TensorNameError(
          this.bundleDir,
          this.component,
          name,
          `is listed in model.json but the ONNX graph has no such input (it has: ${[...graphInputs].join(', ')})`,
        );
    for (const name of graphInputs)
      if (!listed.has(name))
        throw new TensorNameError(
          this.bundleDir,
          this.component,
          name,
          'is an input of the ONNX graph but not listed in model.json',
        );
    const graphOutputs = new Set(session.outputNames);
    for (const { name } of this.spec.outputs)
      if (!graphOutputs.has(name))
        throw new TensorNameError(
          this.bundleDir,
          this.component,
          name,
          `is listed in model.json but the ONNX graph has no such output (it has: ${[...graphOutputs].join(', ')})`,
        );
  }

  /**
   * Checks `feeds` against the manifest: every listed input present and nothing else, dtype family,
   * rank, fixed dimensions, and symbolic dimensions (e.g. "batch") equal wherever the same name appears.
   */
  checkFeeds(feeds: Readonly<Record<string, HostTensor>>): void {
    const bound = new Map<string, { size: number; tensor: string }>();
    for (const spec of this.spec.inputs) {
      const tensor = feeds[spec.name];
      if (!tensor)
        throw new TensorNameError(this.bundleDir, this.component, spec.name, 'was not fed (pipeline bug)');
      const { dims, data } = tensor;
      const fail = (detail: string) =>
        new TensorShapeError(this.bundleDir, this.component, spec.name, dims, detail);
      if (!dtypeMatches(spec, data)) throw fail(`expected dtype ${spec.dtype}, got ${data.constructor.name}`);
      if (dims.length !== spec.shape.length)
        throw fail(`expected rank ${spec.shape.length} ([${spec.shape.join(', ')}])`);
      if (elementCount(dims) !== data.length) throw fail(`but holds ${data.length} values`);
      spec.shape.forEach((want, axis) => {
        const got = dims[axis]!;
        if (typeof want === 'number') {
          if (got !== want) throw fail(`expected ${want} on axis ${axis} ([${spec.shape.join(', ')}])`);
          return;
        }
        const seen = bound.get(want);
        if (seen && seen.size !== got)
          throw fail(`axis ${axis} is "${want}" = ${got}, but "${seen.tensor}" has "${want}" = ${seen.size}`);
        bound.set(want, { size: got, tensor: spec.name });
      });
    }
    for (const name of Object.keys(feeds))
      if (!this.spec.inputs.some((s) => s.name === name))
        throw new TensorNameError(
          this.bundleDir,
          this.component,
          name,
          'was fed but is not an input in model.json',
        );
  }

  /** Runs the component; returns the manifest's outputs as host tensors (floats as float32). */
  async run(feeds: Readonly<Record<string, HostTensor>>): Promise<Record<string, HostTensor>> {
    this.checkFeeds(feeds);
    const { session } = await this.open();
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const spec of this.spec.inputs) ortFeeds[spec.name] = toOrtTensor(feeds[spec.name]!, spec);
    const fetches = this.spec.outputs.map((o) => o.name);
    const results = await session.run(ortFeeds, fetches);
    const out: Record<string, HostTensor> = {};
    for (const name of fetches) {
      const value = results[name];
      if (!value)
        throw new TensorNameError(this.bundleDir, this.component, name, 'was not returned by the session');
      out[name] = fromOrtTensor(value);
    }
    this.runCount++;
    return out;
  }

  /** Releases the session; idempotent, and safe while the session is still opening. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    const opening = this.opening;
    const opened = this.opened;
    this.opened = undefined;
    if (opened) await opened.session.release();
    else if (opening) await opening.then((o) => o.session.release()).catch(() => undefined);
  }
}

/**
 * `PipelineHost`: an `EditRunner` that runs the edit pipeline in a child Node process, so that ONNX
 * inference (onnxruntime-node's `run` is synchronous on the calling thread), sharp and the GIF encoder never
 * block the event loop of the bots that share the parent process with the worker.
 *
 * The child (`pipeline-host-child.ts`) builds the runner once and keeps it loaded. Each `run()` sends the
 * input over IPC ('advanced' serialization: bytes travel as bytes), progress comes back as it happens and
 * the result files come back at the end. Cancel is soft first (the child's AbortSignal fires and the
 * pipeline stops at its next step), then hard: after `cancelGraceMs` the child is killed. A child that dies
 * fails its jobs with `PipelineHostExitError` (retried by the queue's rules) and is started again by the
 * next `run()`. `kill(reason)` ends the child at once from outside. Every run has a wall-clock limit
 * (`jobTimeoutMs`): past it the child is killed, even inside a native call, and the run fails with the
 * user-facing (so never retried) `JobTimeoutError`.
 *
 * One host is one child: a GPU worker runs one host per GPU, each with its own execution providers. Jobs
 * run concurrently in the child (KK_WORKER_CONCURRENCY > 1) share its fate: killing it for one job's
 * cancel or deadline fails the others with the retryable `PipelineHostExitError`.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { constants, setPriority } from 'node:os';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../../config/config.ts';
import { silentLogger, type Logger } from '../../config/logger.ts';
import { editPipelineOptionsFromConfig, type CreateEditPipelineOptions } from '../create-edit-pipeline.ts';
import { EditCancelledError } from '../errors.ts';
import type { EditInput, EditProgress, EditResult, EditRunner } from '../types.ts';
import { JobTimeoutError, PipelineHostExitError, deserializeError } from './errors.ts';
import {
  childMessageSchema,
  type ChildMessage,
  type HostEditInput,
  type ParentMessage,
  type RunnerSpec,
} from './messages.ts';

// The same extension as this module, so a build step that compiles .ts to .js keeps working.
const EXT = extname(fileURLToPath(import.meta.url));
const CHILD_MODULE = fileURLToPath(new URL(`./pipeline-host-child${EXT}`, import.meta.url));

export interface PipelineHostOptions {
  /** What the child builds and runs. @defaultValue pipelineRunnerSpec({}) (the real pipeline, defaults) */
  runner?: RunnerSpec;
  /** After a cancel, how long a job may take to stop on its own before the child is killed. @defaultValue 5000 */
  cancelGraceMs?: number;
  /**
   * Wall-clock limit of one run, from the moment it is handed to the child; past it the child is killed
   * and the run fails with `JobTimeoutError`. 0: no limit. @defaultValue 300000 (KK_JOB_TIMEOUT_MS)
   */
  jobTimeoutMs?: number;
  /** How long `dispose()` waits for the child to release its sessions and exit. @defaultValue 5000 */
  disposeTimeoutMs?: number;
  /**
   * The child's scheduling priority (nice value, -20..19). Below normal by default: when the model and
   * the bots share CPU cores, the bots' answers (Discord's 3 s deadline) matter more than a second of edit
   * time. @defaultValue os.constants.priority.PRIORITY_BELOW_NORMAL (10)
   */
  priority?: number;
  /** The child's own logger (it cannot share the parent's). @defaultValue { level: 'silent' } */
  log?: { level: string; format?: 'pretty' | 'json' };
  /** @defaultValue silentLogger */
  logger?: Logger;
}

/** A runner spec for the real pipeline (`createEditPipeline`) with these options. */
export function pipelineRunnerSpec(options: Omit<CreateEditPipelineOptions, 'logger'>): RunnerSpec {
  return {
    module: new URL(`../create-edit-pipeline${EXT}`, import.meta.url).href,
    exportName: 'createEditPipeline',
    options: { ...options },
  };
}

/** The host's options from config: the pipeline settings, KK_CANCEL_GRACE_MS and the log settings. */
export function pipelineHostOptionsFromConfig(config: Config, logger?: Logger): PipelineHostOptions {
  const { logger: _dropped, ...pipeline } = editPipelineOptionsFromConfig(config);
  return {
    runner: pipelineRunnerSpec(pipeline),
    cancelGraceMs: config.KK_CANCEL_GRACE_MS,
    jobTimeoutMs: config.KK_JOB_TIMEOUT_MS,
    // The child logs at the parent's level (the demo lowers it to warnings when LOG_LEVEL is unset).
    log: {
      level: config.LOG_LEVEL ?? (logger?.level as Config['LOG_LEVEL']) ?? 'info',
      ...(config.LOG_FORMAT ? { format: config.LOG_FORMAT } : {}),
    },
    ...(logger ? { logger: logger.child({ component: 'pipeline-host' }) } : {}),
  };
}

interface PendingRun {
  resolve(result: EditResult): void;
  reject(error: Error): void;
  onProgress: ((progress: EditProgress) => void) | undefined;
}

interface HostedChild {
  readonly process: ChildProcess;
  /** The model id the child serves, once its runner is built. */
  readonly ready: Promise<string>;
  readonly pending: Map<number, PendingRun>;
  readonly exited: Promise<void>;
  /** Set when the process has exited: a run added after that would never be answered. */
  exit?: PipelineHostExitError;
}

export class PipelineHost implements EditRunner {
  private readonly options: Required<Omit<PipelineHostOptions, 'log'>> & Pick<PipelineHostOptions, 'log'>;
  private servedModelId = '';
  private child: HostedChild | undefined;
  private nextRunId = 1;
  private disposing: Promise<void> | undefined;

  /** Starts the child and waits until its runner is built (model loaded); throws what building threw. */
  static async start(options: PipelineHostOptions = {}): Promise<PipelineHost> {
    const host = new PipelineHost(options);
    try {
      host.servedModelId = await host.ensureChild().ready;
    } catch (err) {
      await host.dispose();
      throw err;
    }
    return host;
  }

  private constructor(options: PipelineHostOptions) {
    this.options = {
      runner: pipelineRunnerSpec({}),
      cancelGraceMs: 5000,
      jobTimeoutMs: 300_000,
      disposeTimeoutMs: 5000,
      priority: constants.priority.PRIORITY_BELOW_NORMAL,
      logger: silentLogger,
      ...options,
    };
    if (!(this.options.cancelGraceMs >= 0)) throw new RangeError('cancelGraceMs must be >= 0');
    if (!(this.options.jobTimeoutMs >= 0)) throw new RangeError('jobTimeoutMs must be >= 0');
    if (!(this.options.disposeTimeoutMs >= 0)) throw new RangeError('disposeTimeoutMs must be >= 0');
    const { priority } = this.options;
    if (!(Number.isInteger(priority) && priority >= -20 && priority <= 19))
      throw new RangeError('priority must be a whole number from -20 to 19');
  }

  get modelId(): string {
    return this.servedModelId;
  }

  /** The current child's pid; undefined between a crash and the next `run()`. */
  get pid(): number | undefined {
    return this.child?.process.pid;
  }

  async run(input: EditInput): Promise<EditResult> {
    if (this.disposing) throw new Error('PipelineHost used after dispose()');
    const { signal } = input;
    if (signal?.aborted) throw new EditCancelledError({ cause: signal.reason });
    const child = this.ensureChild();
    const modelId = await child.ready;
    if (modelId !== this.servedModelId)
      throw new Error(`the restarted pipeline host serves ${modelId}, not ${this.servedModelId}`);
    if (signal?.aborted) throw new EditCancelledError({ cause: signal.reason });

    const id = this.nextRunId++;
    return new Promise<EditResult>((resolve, reject) => {
      if (child.exit) return reject(child.exit);
      let grace: NodeJS.Timeout | undefined;
      let deadline: NodeJS.Timeout | undefined;
      const done = () => {
        clearTimeout(grace);
        clearTimeout(deadline);
        signal?.removeEventListener('abort', onAbort);
        child.pending.delete(id);
      };
      const onAbort = () => {
        this.post(child, { type: 'abort', id });
        grace = setTimeout(() => {
          // The job did not stop at a step boundary in time (a long native call): end the process.
          this.options.logger.warn(
            { runId: id },
            'cancelled edit still running after the grace period: killing',
          );
          done();
          reject(new EditCancelledError({ cause: signal?.reason }));
          void this.killChild(child);
        }, this.options.cancelGraceMs);
      };
      child.pending.set(id, {
        resolve: (result) => {
          done();
          resolve(result);
        },
        reject: (error) => {
          done();
          // As in-process: a run whose signal fired fails as cancelled, whatever stopped it.
          reject(signal?.aborted ? new EditCancelledError({ cause: error }) : error);
        },
        onProgress: input.onProgress,
      });
      signal?.addEventListener('abort', onAbort, { once: true });
      const { jobTimeoutMs } = this.options;
      if (jobTimeoutMs > 0)
        deadline = setTimeout(() => {
          // Killing is the only stop that works inside a native call (libvips, onnxruntime).
          this.options.logger.warn({ runId: id, jobTimeoutMs }, 'edit ran past its time limit: killing');
          done();
          reject(new JobTimeoutError(jobTimeoutMs));
          void this.killChild(child);
        }, jobTimeoutMs);
      this.post(child, { type: 'run', id, input: hostInput(input) });
    });
  }

  /**
   * Kills the child now (SIGKILL): its running jobs fail with `reason` (default: `PipelineHostExitError`),
   * and the next `run()` starts a new child. Resolves once the process has exited.
   */
  kill(reason?: Error): Promise<void> {
    const child = this.child;
    if (!child) return Promise.resolve();
    if (reason) for (const run of [...child.pending.values()]) run.reject(reason);
    return this.killChild(child);
  }

  /** Disposes the runner in the child and ends it (killed after `disposeTimeoutMs`); idempotent. */
  dispose(): Promise<void> {
    this.disposing ??= (async () => {
      const child = this.child;
      this.child = undefined;
      if (!child) return;
      const kill = setTimeout(() => child.process.kill('SIGKILL'), this.options.disposeTimeoutMs);
      this.post(child, { type: 'dispose' });
      await child.exited;
      clearTimeout(kill);
    })();
    return this.disposing;
  }

  private ensureChild(): HostedChild {
    this.child ??= this.spawn();
    return this.child;
  }

  private spawn(): HostedChild {
    const { logger } = this.options;
    const proc = fork(CHILD_MODULE, [], {
      serialization: 'advanced',
      execArgv: childExecArgv(process.execArgv),
      env: childEnv(process.env),
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    try {
      if (proc.pid !== undefined) setPriority(proc.pid, this.options.priority);
    } catch (err) {
      // Raising priority needs privileges; lowering it may be refused in some sandboxes. Not fatal.
      logger.warn({ err, priority: this.options.priority }, 'could not set the pipeline host priority');
    }
    let markReady!: (modelId: string) => void;
    let failReady!: (error: Error) => void;
    const ready = new Promise<string>((resolve, reject) => {
      markReady = resolve;
      failReady = reject;
    });
    // Nobody may be waiting on `ready` when the child dies; the rejection is reported through runs.
    ready.catch(() => undefined);
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    const child: HostedChild = { process: proc, ready, pending: new Map(), exited };

    proc.on('message', (raw: unknown) => this.onMessage(child, raw, markReady, failReady));
    proc.on('error', (err) => logger.error({ err }, 'pipeline host process error'));
    proc.once('exit', (code, signal) => {
      if (this.child === child) this.child = undefined;
      const error = new PipelineHostExitError(code, signal);
      child.exit = error;
      failReady(error);
      for (const run of [...child.pending.values()]) run.reject(error);
      if (!this.disposing) logger.warn({ code, signal, pid: proc.pid }, 'pipeline host exited');
    });
    this.post(child, {
      type: 'init',
      runner: this.options.runner,
      log: this.options.log ?? { level: 'silent' },
    });
    logger.info({ pid: proc.pid }, 'pipeline host started');
    return child;
  }

  private onMessage(
    child: HostedChild,
    raw: unknown,
    markReady: (modelId: string) => void,
    failReady: (error: Error) => void,
  ): void {
    const parsed = childMessageSchema.safeParse(raw);
    if (!parsed.success) {
      this.options.logger.error({ issues: parsed.error.issues }, 'unreadable message from the pipeline host');
      void this.killChild(child);
      return;
    }
    const message: ChildMessage = parsed.data;
    switch (message.type) {
      case 'ready':
        markReady(message.modelId);
        return;
      case 'init-failed':
        failReady(deserializeError(message.error));
        return;
      case 'progress':
        try {
          child.pending.get(message.id)?.onProgress?.(message.progress);
        } catch (err) {
          this.options.logger.debug({ err }, 'progress callback threw');
        }
        return;
      case 'result':
        child.pending.get(message.id)?.resolve(message.result);
        return;
      case 'failed':
        child.pending.get(message.id)?.reject(deserializeError(message.error));
        return;
    }
  }

  private post(child: HostedChild, message: ParentMessage): void {
    if (!child.process.connected) return; // its exit handler fails what is pending
    child.process.send(message, (err) => {
      if (err) this.options.logger.warn({ err, type: message.type }, 'could not reach the pipeline host');
    });
  }

  private killChild(child: HostedChild): Promise<void> {
    if (this.child === child) this.child = undefined;
    if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGKILL');
    return child.exited;
  }
}

/** `EditInput` minus what cannot be cloned (signal, onProgress) and minus unset fields. */
function hostInput(input: EditInput): HostEditInput {
  const { signal: _signal, onProgress: _onProgress, ...data } = input;
  return Object.fromEntries(Object.entries(data).filter(([, v]) => v !== undefined)) as HostEditInput;
}

/** The parent's loader flags (tsx) carry over; test-runner and inspector flags would misfire in a child. */
function childExecArgv(execArgv: readonly string[]): string[] {
  return execArgv.filter((arg) => !/^--(test|inspect|debug)/.test(arg));
}

function childEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  // Set by `node --test` in each test file's process; a child carrying it would talk the test protocol.
  const { NODE_TEST_CONTEXT: _testContext, ...rest } = env;
  return rest;
}

/**
 * The pipeline host's child process (forked by `PipelineHost`): builds the runner once from the `init`
 * message, keeps it loaded, and runs each `run` message's edit, sending progress and then the result (or
 * the error) back. All model, sharp and GIF work of the worker happens here, off the bots' event loop.
 * It exits when the parent says `dispose` or when the IPC channel closes (the parent died).
 */
import { createLogger, type Logger } from '../../config/logger.ts';
import type { EditRunner } from '../types.ts';
import {
  parentMessageSchema,
  serializeError,
  type ChildMessage,
  type HostEditInput,
  type RunnerSpec,
} from './messages.ts';

type RunnerFactory = (options: Record<string, unknown>) => Promise<EditRunner>;

/** Resolves once the message is handed to the channel (so a disconnect after it loses nothing). */
function send(message: ChildMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.connected || !process.send) return resolve();
    process.send(message, undefined, {}, () => resolve());
  });
}

async function createRunner(spec: RunnerSpec, logger: Logger): Promise<EditRunner> {
  const module = (await import(spec.module)) as Record<string, unknown>;
  const factory = module[spec.exportName];
  if (typeof factory !== 'function')
    throw new TypeError(`${spec.module} does not export a function "${spec.exportName}"`);
  return (factory as RunnerFactory)({ ...spec.options, logger });
}

function main(): void {
  if (!process.send)
    throw new Error('pipeline-host-child.ts must be started by PipelineHost (no IPC channel)');
  let runner: Promise<EditRunner> | undefined;
  let logger: Logger | undefined;
  const running = new Map<number, AbortController>();

  async function run(id: number, input: HostEditInput): Promise<void> {
    const controller = new AbortController();
    running.set(id, controller);
    try {
      if (!runner) throw new Error('run before init');
      const result = await (
        await runner
      ).run({
        ...input,
        signal: controller.signal,
        onProgress: (progress) => void send({ type: 'progress', id, progress }),
      });
      await send({ type: 'result', id, result });
    } catch (err) {
      logger?.debug({ err, id }, 'edit failed in the pipeline host');
      await send({ type: 'failed', id, error: serializeError(err) });
    } finally {
      running.delete(id);
    }
  }

  process.on('message', (raw: unknown) => {
    const parsed = parentMessageSchema.safeParse(raw);
    if (!parsed.success) {
      // A parent on another version of the protocol: say so loudly; the job times out or is cancelled.
      (logger ?? console).error({ issues: parsed.error.issues }, 'pipeline host: unreadable message');
      return;
    }
    const message = parsed.data;
    switch (message.type) {
      case 'init': {
        logger = createLogger({ ...message.log, name: 'kk-pipeline-host' });
        runner = createRunner(message.runner, logger);
        runner.then(
          (ready) => send({ type: 'ready', modelId: ready.modelId, pid: process.pid }),
          async (err: unknown) => {
            await send({ type: 'init-failed', error: serializeError(err) });
            process.disconnect();
          },
        );
        return;
      }
      case 'run':
        void run(message.id, message.input);
        return;
      case 'abort':
        running.get(message.id)?.abort(new Error('cancelled by the parent'));
        return;
      case 'dispose':
        void (async () => {
          await (await runner?.catch(() => undefined))?.dispose();
          process.disconnect();
        })();
        return;
    }
  });
  // The parent is gone (or disposed us): nothing will read a result any more.
  process.on('disconnect', () => process.exit(0));
}

main();

/**
 * The execution providers a worker may run the model on, and the grammar of KK_EXECUTION_PROVIDERS entries:
 * `cpu`, `webgpu`, `cuda` (device 0) or `cuda:N` (the N-th GPU as CUDA numbers them), so each worker of an
 * N-GPU host can be pinned to its own card. Pure: no onnxruntime import, so config parsing stays cheap.
 */
export const EXECUTION_PROVIDERS = ['cuda', 'webgpu', 'cpu'] as const;
export type ExecutionProviderName = (typeof EXECUTION_PROVIDERS)[number];

export interface ExecutionProvider {
  readonly name: ExecutionProviderName;
  /** The GPU to use (CUDA only). @defaultValue 0 */
  readonly deviceId?: number;
}

/** A provider as code may name it: just the name, or the name with a device. */
export type ExecutionProviderChoice = ExecutionProviderName | ExecutionProvider;

/** The largest device index accepted; far beyond any one host, it only catches typos such as `cuda:10000`. */
export const MAX_DEVICE_ID = 255;

export class ExecutionProviderSyntaxError extends RangeError {
  readonly code = 'execution_provider_syntax';
  constructor(
    readonly text: string,
    detail: string,
  ) {
    super(`${JSON.stringify(text)} is not an execution provider: ${detail}`);
    this.name = 'ExecutionProviderSyntaxError';
  }
}

/** "cuda:1" -> { name: 'cuda', deviceId: 1 }; throws ExecutionProviderSyntaxError with the accepted forms. */
export function parseExecutionProvider(text: string): ExecutionProvider {
  const [name, device, ...rest] = text.trim().toLowerCase().split(':');
  if (!(EXECUTION_PROVIDERS as readonly string[]).includes(name ?? ''))
    throw new ExecutionProviderSyntaxError(
      text,
      `expected one of ${EXECUTION_PROVIDERS.join(', ')} (or cuda:N)`,
    );
  const known = name as ExecutionProviderName;
  if (device === undefined) return { name: known };
  if (known !== 'cuda' || rest.length > 0)
    throw new ExecutionProviderSyntaxError(text, 'only cuda takes a device index, as cuda:N');
  if (!/^\d+$/.test(device) || Number(device) > MAX_DEVICE_ID)
    throw new ExecutionProviderSyntaxError(
      text,
      `the device index must be a whole number 0..${MAX_DEVICE_ID}`,
    );
  return { name: 'cuda', deviceId: Number(device) };
}

export function toExecutionProvider(choice: ExecutionProviderChoice): ExecutionProvider {
  return typeof choice === 'string' ? { name: choice } : choice;
}

/** The inverse of parseExecutionProvider, for logs: "cuda:1", "cpu". */
export function formatExecutionProvider(choice: ExecutionProviderChoice): string {
  const { name, deviceId } = toExecutionProvider(choice);
  return deviceId === undefined ? name : `${name}:${deviceId}`;
}

/**
 * Turning onnxruntime's CUDA provider failures into a sentence that names what is missing and how to get
 * it. onnxruntime reports a missing dependency as a dlopen message deep inside its own error
 * ("... libcublasLt.so.13: cannot open shared object file ..."), which tells a user nothing about which
 * package to install. Pure: the mapping is tested here without a GPU, on the messages onnxruntime prints.
 */

/** What provides each library the CUDA 13 provider of onnxruntime 1.29 links, and how to get it. */
const LIBRARIES: readonly { prefix: string; what: string }[] = [
  {
    prefix: 'libonnxruntime_providers_cuda',
    what: "onnxruntime's CUDA provider itself: run `npm run cuda:install`",
  },
  {
    prefix: 'libonnxruntime_providers_shared',
    what: "onnxruntime's provider bridge: run `npm run cuda:install`",
  },
  {
    prefix: 'libcudart',
    what: 'the CUDA runtime (Debian/Ubuntu: cuda-cudart-13-0 from NVIDIA; pip: nvidia-cuda-runtime)',
  },
  { prefix: 'libcublasLt', what: 'cuBLAS (libcublas-13-0 from NVIDIA; pip: nvidia-cublas)' },
  { prefix: 'libcublas', what: 'cuBLAS (libcublas-13-0 from NVIDIA; pip: nvidia-cublas)' },
  { prefix: 'libcurand', what: 'cuRAND (libcurand-13-0 from NVIDIA; pip: nvidia-curand)' },
  { prefix: 'libcufft', what: 'cuFFT (libcufft-13-0 from NVIDIA; pip: nvidia-cufft)' },
  { prefix: 'libcudnn', what: 'cuDNN 9 for CUDA 13 (libcudnn9-cuda-13 from NVIDIA; pip: nvidia-cudnn-cu13)' },
  { prefix: 'libnvrtc', what: 'NVRTC (cuda-nvrtc-13-0 from NVIDIA; pip: nvidia-cuda-nvrtc)' },
  {
    prefix: 'libcuda.so',
    what: "the NVIDIA driver's CUDA library (install the NVIDIA driver, 580 or newer)",
  },
];

const MISSING_LIBRARY = /([\w.+-]+\.so(?:\.\d+)*): cannot open shared object file/;

/** The libraries `ldd` reports as "not found" (onnxruntime's own error only says "Failed to load shared library"). */
export function parseLddMissing(lddOutput: string): string[] {
  return [...lddOutput.matchAll(/^\s*(\S+) => not found/gm)].map((match) => match[1]!);
}

/** One sentence for a set of missing libraries: each named, with what provides it. */
export function explainMissingLibraries(libraries: readonly string[]): string {
  const groups = new Map<string, string[]>();
  for (const library of libraries) {
    const what = LIBRARIES.find((entry) => library.startsWith(entry.prefix))?.what ?? 'an unknown package';
    groups.set(what, [...(groups.get(what) ?? []), library]);
  }
  const parts = [...groups].map(([what, names]) => `${names.join(', ')} (${what})`);
  return (
    `the CUDA provider needs ${parts.join('; ')}, which the dynamic loader cannot find. ` +
    'Put their folders on LD_LIBRARY_PATH (or install them system-wide) and check with `npm run cuda:install -- --check`'
  );
}

export interface CudaFailure {
  /** The library the dynamic loader could not find, if that was the failure. */
  missingLibrary?: string;
  /** A user-facing sentence: what is wrong and how to fix it. */
  explanation: string;
}

/** Explains a CUDA provider failure from onnxruntime's message, or returns undefined if it is not recognised. */
export function explainCudaFailure(message: string): CudaFailure | undefined {
  const missing = MISSING_LIBRARY.exec(message)?.[1];
  if (missing) return { missingLibrary: missing, explanation: explainMissingLibraries([missing]) };
  if (/version mismatch/i.test(message))
    return {
      explanation:
        "the CUDA provider library was built for another onnxruntime version than onnxruntime-node's; " +
        'run `npm run cuda:install` again after changing onnxruntime-node',
    };
  if (/no CUDA-capable device|cudaErrorNoDevice|CUDA failure 100/i.test(message))
    return {
      explanation:
        'no CUDA-capable GPU is visible to this process (check nvidia-smi and CUDA_VISIBLE_DEVICES)',
    };
  if (/invalid device ordinal|cudaErrorInvalidDevice|CUDA failure 101/i.test(message))
    return {
      explanation:
        'that GPU index does not exist on this host (cuda:N counts from 0 over the GPUs CUDA_VISIBLE_DEVICES leaves visible)',
    };
  if (/insufficient driver|cudaErrorInsufficientDriver|CUDA failure 35/i.test(message))
    return { explanation: 'the NVIDIA driver is older than CUDA 13 needs (580 or newer); update the driver' };
  return undefined;
}

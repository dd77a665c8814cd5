/**
 * Step "encode-text": the instruction through both text encoders, as FluxKontextPipeline.encode_prompt
 * does: CLIP's pooled output (the hidden state at the EOS token) and T5's full sequence, no attention mask.
 */
import type { ModelBundle } from '../models/load-bundle.ts';
import { floatOutput, type FloatTensor } from '../models/host-tensor.ts';

export interface TextEncoding {
  /** T5 `last_hidden_state`, [1, t5Seq, jointAttentionDim]. */
  promptEmbeds: FloatTensor;
  /** CLIP pooled output, [1, pooledDim]. */
  pooled: FloatTensor;
  /** The token ids fed to each encoder (kept for tests and logs). */
  clipIds: number[];
  t5Ids: number[];
}

type TextBundle = Pick<ModelBundle, 'sessions' | 'tokenizers'>;

export async function encodeInstruction(bundle: TextBundle, instruction: string): Promise<TextEncoding> {
  const clipIds = bundle.tokenizers.clip.encode(instruction);
  const t5Ids = bundle.tokenizers.t5.encode(instruction);
  const toInt64 = (ids: number[]) => BigInt64Array.from(ids, (id) => BigInt(id));
  // The two encoders are independent; onnxruntime runs them concurrently on its own threads.
  const [clip, t5] = await Promise.all([
    bundle.sessions.clipTextEncoder.run({ input_ids: { data: toInt64(clipIds), dims: [1, clipIds.length] } }),
    bundle.sessions.t5TextEncoder.run({ input_ids: { data: toInt64(t5Ids), dims: [1, t5Ids.length] } }),
  ]);
  return {
    promptEmbeds: floatOutput(t5, 'last_hidden_state', 't5TextEncoder'),
    pooled: floatOutput(clip, 'pooled', 'clipTextEncoder'),
    clipIds,
    t5Ids,
  };
}

/** Bytes a cached encoding holds. */
export function textEncodingBytes(encoding: TextEncoding): number {
  return (
    encoding.promptEmbeds.data.byteLength +
    encoding.pooled.data.byteLength +
    8 * (encoding.clipIds.length + encoding.t5Ids.length)
  );
}

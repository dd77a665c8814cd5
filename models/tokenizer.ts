/**
 * Fixed-length tokenization, matching Hugging Face's
 * `tokenizer(text, padding="max_length", max_length=L, truncation=True)`: the text's tokens are cut so that
 * the sequence *with* its special tokens (CLIP: <|startoftext|> ... <|endoftext|>; T5: ... </s>) fits in L,
 * the special tokens are kept, and the rest is right-padded with `padTokenId`.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';

export interface FixedLengthTokenizerOptions {
  maxLength: number;
  padTokenId: number;
  /** The vocabulary's unknown token (tokenizer.json `model.unk_token`), if it has one. */
  unkToken?: string;
}

export class FixedLengthTokenizer {
  readonly maxLength: number;
  readonly padTokenId: number;
  readonly unkToken: string | undefined;
  private readonly tokenizer: Tokenizer;

  constructor(tokenizer: Tokenizer, options: FixedLengthTokenizerOptions) {
    if (!Number.isInteger(options.maxLength) || options.maxLength < 1)
      throw new RangeError(`maxLength must be a positive integer, got ${options.maxLength}`);
    this.tokenizer = tokenizer;
    this.maxLength = options.maxLength;
    this.padTokenId = options.padTokenId;
    this.unkToken = options.unkToken;
  }

  /**
   * The words of `text` the vocabulary cannot represent (each becomes the unknown token, so the model
   * never sees it). Always empty for byte-level BPE such as FLUX's CLIP tokenizer; a small word-level
   * vocabulary like kk-tiny's misses many words, and users should be told.
   */
  unknownWords(text: string): string[] {
    const unk = this.unkToken;
    if (unk === undefined) return [];
    const words = text
      .split(/\s+/)
      .map((word) => word.replace(/^[\p{P}\p{S}]+|[\p{P}\p{S}]+$/gu, ''))
      .filter((word) => word.length > 0);
    const unknown = words.filter((word) =>
      this.tokenizer.tokenize(word, { add_special_tokens: false }).includes(unk),
    );
    return [...new Set(unknown)];
  }

  /** Token ids of `text`, exactly `maxLength` of them. */
  encode(text: string): number[] {
    const full = this.tokenizer.encode(text).ids;
    let ids = full;
    if (full.length > this.maxLength) {
      const content = this.tokenizer.encode(text, { add_special_tokens: false }).ids;
      const prefix = findPrefixLength(full, content);
      const suffix = full.length - prefix - content.length;
      const keep = this.maxLength - prefix - suffix;
      if (keep < 0)
        throw new RangeError(`maxLength ${this.maxLength} cannot hold the ${prefix + suffix} special tokens`);
      ids = [...full.slice(0, prefix), ...content.slice(0, keep), ...full.slice(prefix + content.length)];
    }
    const padded = new Array<number>(this.maxLength).fill(this.padTokenId);
    for (let i = 0; i < ids.length; i++) padded[i] = ids[i]!;
    return padded;
  }

  /** `encode` as the int64 tensor data a text encoder takes. */
  encodeToInt64(text: string): BigInt64Array {
    return BigInt64Array.from(this.encode(text), (id) => BigInt(id));
  }
}

/** Where `content` (the text's tokens) starts inside `full` (the same plus special tokens). */
function findPrefixLength(full: readonly number[], content: readonly number[]): number {
  for (let k = 0; k + content.length <= full.length; k++) {
    let match = true;
    for (let i = 0; i < content.length && match; i++) match = full[k + i] === content[i];
    if (match) return k;
  }
  throw new Error("the tokenizer's special tokens are not a prefix/suffix around the text; cannot truncate");
}

/**
 * Loads a `tokenizer.json` (and a `tokenizer_config.json` next to it, if present: it carries options such
 * as `clean_up_tokenization_spaces` that tokenizer.json does not).
 */
export async function loadTokenizer(
  file: string,
  options: FixedLengthTokenizerOptions,
): Promise<FixedLengthTokenizer> {
  const json: unknown = JSON.parse(await readFile(file, 'utf8'));
  let config: unknown = {};
  try {
    config = JSON.parse(await readFile(join(dirname(file), 'tokenizer_config.json'), 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const unkToken = (json as { model?: { unk_token?: unknown } }).model?.unk_token;
  return new FixedLengthTokenizer(new Tokenizer(json as object, config as object), {
    ...options,
    ...(typeof unkToken === 'string' ? { unkToken } : {}),
  });
}

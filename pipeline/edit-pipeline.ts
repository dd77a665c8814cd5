/**
 * `EditPipeline`: FluxKontextPipeline with the Kontinuous Kontext slider, over an ONNX bundle. `run()`
 * reads as numbered steps; the stages live in their own modules (encode-instruction, encode-source,
 * project-strengths, sampler/denoise, decode-latents, render-files). All strengths of a sweep share the
 * instruction encoding, the source latents and the initial noise, and go through the transformer as one
 * batch (split at `maxBatch`).
 */
import type { EditInput, EditResult, EditRunner } from './types.ts';
import type { ModelBundle } from '../models/load-bundle.ts';
import type { RgbFrame } from './image/rgb-frame.ts';
import { prepareSource } from './image/preprocess.ts';
import { tensorToRgb } from './image/postprocess.ts';
import { EditInputError, throwIfAborted } from './errors.ts';
import { attentionBatchLimit } from './attention-limit.ts';
import {
  EditCaches,
  imageHash,
  photoCacheKey,
  referenceCacheKey,
  sourceCacheKey,
  textCacheKey,
} from './cache/edit-caches.ts';
import { encodeInstruction, type TextEncoding } from './encode-instruction.ts';
import { encodeSource, type SourceEncoding } from './encode-source.ts';
import { projectStrengths } from './project-strengths.ts';
import { decodeLatents } from './decode-latents.ts';
import { denoise } from './sampler/denoise.ts';
import { packLatents, packedTokenCount, transformerImageIds } from './sampler/latent-packing.ts';
import { seededNormal } from './sampler/seeded-normal.ts';
import { makeSigmas } from './scheduler/flow-match-euler.ts';
import { renderSingle, renderSweep } from './render-files.ts';
import { decodeAtOutputSize, transferSweep } from './transfer-to-source-size.ts';
import { checkInstruction } from './instruction-check.ts';
import { StageClock } from './stage-clock.ts';
import {
  resolveEditPipelineOptions,
  type EditPipelineOptions,
  type ResolvedEditPipelineOptions,
} from './edit-pipeline-options.ts';

export interface GenerateOptions {
  /** Initial noise for one image, [1, C, h, w] as diffusers' `randn_tensor`, instead of the seeded noise. */
  noise?: Float32Array;
  /** Keep the final packed latents and decoded tensors in the result (tests). @defaultValue false */
  keepTensors?: boolean;
  /** After each denoising step of each batch: the batch's first strength index, the step and its velocity. */
  onStep?: (info: { batchStart: number; step: number; velocity: Float32Array }) => void;
  /** `imageHash(input.image)` when the caller has it already (`run` does). */
  imageHash?: string;
}

export interface Generation {
  strengths: number[];
  seed: number;
  steps: number;
  /** Working size (the frames' size) and the source's size. */
  width: number;
  height: number;
  sourceWidth: number;
  sourceHeight: number;
  sigmas: Float32Array;
  frames: RgbFrame[];
  /** With `keepTensors`: final packed latents [S, N, F] and decoded images [S, 3, H, W] in [-1, 1]. */
  latents?: Float32Array;
  decoded?: Float32Array;
  clock: StageClock;
}

export class EditPipeline implements EditRunner {
  readonly modelId: string;
  readonly bundle: ModelBundle;
  readonly caches: EditCaches;
  private readonly options: ResolvedEditPipelineOptions;
  private disposing: Promise<void> | undefined;

  constructor(options: EditPipelineOptions) {
    this.options = resolveEditPipelineOptions(options);
    this.bundle = options.bundle;
    this.modelId = this.bundle.key;
    this.caches = new EditCaches({
      textBytes: this.options.textCacheBytes,
      sourceBytes: this.options.sourceCacheBytes,
      transferBytes: this.options.transferCacheBytes,
    });
  }

  async run(input: EditInput): Promise<EditResult> {
    // 0. Read the instruction: a closed bundle refuses an edit it does not make before any model runs.
    const { note, modelInstruction } = checkInstruction(this.bundle, input.instruction);
    // The inputs' checks, before the image is hashed and decoded below (generate() repeats them for its own callers).
    const { steps, guidance } = this.schedule(input);
    checkInput(input, steps, guidance);
    const modelInput: EditInput = { ...input, instruction: modelInstruction };
    const single = input.strengths.length === 1;
    // A photometric bundle's frames are carried onto the photo itself: the transfer fits the change between
    // each strength and strength 0 and applies it to the photo at the output size (a sweep's is smaller).
    const transfer = this.bundle.manifest.defaults.fullResolution === 'guided-transfer';
    const maxSide = single ? this.options.maxOutputSide : this.options.maxSweepSide;
    const hash = imageHash(input.image);
    // The photo at the output size decodes on a libvips thread while the model runs (or comes from the cache).
    const photo = transfer ? this.photoAtOutputSize(input.image, hash, maxSide) : undefined;
    // The strength-0 frame is the same for every strength of one photo, instruction, seed and schedule: a
    // re-edit takes it from the cache, a first edit runs it in the same batch as the asked strengths.
    const referenceKey = transfer
      ? referenceCacheKey({
          sourceKey: sourceCacheKey(this.bundle.key, hash, this.bundle.manifest.defaults.maxArea),
          instruction: modelInstruction,
          seed: input.seed,
          steps,
          guidance,
        })
      : undefined;
    const zeroIndex = input.strengths.indexOf(0);
    const cachedReference =
      referenceKey && zeroIndex < 0 ? this.caches.transfer.get(referenceKey) : undefined;
    const withReference = transfer && zeroIndex < 0 && !cachedReference;
    const generation = await this.generate(
      withReference ? { ...modelInput, strengths: [...input.strengths, 0] } : modelInput,
      { imageHash: hash },
    );
    const reference =
      cachedReference ?? generation.frames[zeroIndex < 0 ? input.strengths.length : zeroIndex];
    if (referenceKey && reference && !cachedReference) this.caches.transfer.set(referenceKey, reference);
    const { clock } = generation;
    const maxBytes = input.maxBytes ?? this.options.maxBytes;
    // 8. Render the reply's files: one image at the source's size, or a GIF and a contact sheet.
    const rendered = await clock.time('render', async () => {
      const asked = generation.frames.slice(0, input.strengths.length);
      const frames = photo && reference ? await transferSweep(await photo, asked, reference) : asked;
      if (!single)
        return {
          files: await renderSweep(frames, input.strengths, { maxBytes }),
          width: frames[0]!.width,
          height: frames[0]!.height,
        };
      const { file, width, height } = await renderSingle(frames[0]!, {
        format: input.format ?? 'png',
        sourceWidth: generation.sourceWidth,
        sourceHeight: generation.sourceHeight,
        maxSide: this.options.maxOutputSide,
        maxBytes,
      });
      return { files: [file], width, height };
    });
    return {
      kind: single ? 'single' : 'sweep',
      files: rendered.files,
      width: rendered.width,
      height: rendered.height,
      strengths: [...input.strengths],
      seed: generation.seed,
      steps: generation.steps,
      modelId: this.modelId,
      timings: clock.finish(),
      ...(note ? { note } : {}),
    };
  }

  /** Words of `instruction` the model's vocabulary lacks (see FixedLengthTokenizer.unknownWords). */
  unknownWords(instruction: string): string[] {
    return this.bundle.tokenizers.clip.unknownWords(instruction);
  }

  /** Steps 1-7 of `run()`: everything up to the decoded frames. */
  async generate(input: EditInput, options: GenerateOptions = {}): Promise<Generation> {
    if (this.disposing) throw new Error('EditPipeline used after dispose()');
    const { manifest } = this.bundle;
    const clock = new StageClock(input.onProgress, input.signal);

    // 1. Check inputs.
    const { steps, guidance } = this.schedule(input);
    checkInput(input, steps, guidance);

    // 2. Encode the instruction (cached per instruction: a "stronger" re-edit skips both text encoders).
    const text = await this.encodeText(input.instruction, clock);
    // 3-4. Preprocess and VAE-encode the source (cached per image: a re-edit skips decoding and the VAE).
    const source = await this.encodeImage(input.image, options.imageHash ?? imageHash(input.image), clock);
    throwIfAborted(input.signal);

    // 5. Initial noise (one draw shared by every strength), position ids and the sigma schedule.
    const features = manifest.vae.latentChannels * 4;
    const latent = source.latent;
    const noiseCount = latent.channels * latent.height * latent.width;
    if (options.noise && options.noise.length !== noiseCount)
      throw new RangeError(`injected noise has ${options.noise.length} values, expected ${noiseCount}`);
    const noise = packLatents(options.noise ?? seededNormal(input.seed, noiseCount), 1, latent);
    const noisyTokens = packedTokenCount(latent);
    const imageIds = transformerImageIds(latent, latent);
    const sigmas = makeSigmas(steps, noisyTokens, manifest.scheduler);
    // Fed whenever the graph takes it (a graph exported without guidance embeddings may not).
    const feedsGuidance = manifest.components.transformer.inputs.some((t) => t.name === 'guidance');
    const batchSize = await this.batchLimit(text.promptEmbeds.dims[1]! + 2 * noisyTokens);

    // 6-7. Per batch of strengths: project, denoise, decode.
    const strengths = input.strengths;
    const batches = Math.ceil(strengths.length / batchSize);
    const frames: RgbFrame[] = [];
    const latents = options.keepTensors ? new Float32Array(strengths.length * noise.length) : undefined;
    const pixelsPerImage = 3 * source.width * source.height;
    const decoded = options.keepTensors ? new Float32Array(strengths.length * pixelsPerImage) : undefined;
    for (let start = 0; start < strengths.length; start += batchSize) {
      const chunk = strengths.slice(start, start + batchSize);
      const batchIndex = start / batchSize;
      const packed = await clock.time(
        'denoise',
        async () => {
          const modulation = await projectStrengths(this.bundle, chunk, text.pooled);
          return denoise({
            transformer: this.bundle.sessions.transformer,
            batch: chunk.length,
            noise,
            contextTokens: source.contextTokens,
            features,
            imageIds,
            promptEmbeds: text.promptEmbeds,
            pooled: text.pooled,
            modulation,
            sigmas,
            guidance: feedsGuidance ? guidance : undefined,
            signal: input.signal,
            onStep: (step, velocity) => {
              clock.progress({
                stage: 'denoise',
                step: batchIndex * steps + step + 1,
                total: batches * steps,
              });
              options.onStep?.({ batchStart: start, step, velocity });
            },
          });
        },
        false,
      );
      latents?.set(packed, start * noise.length);
      await clock.time(
        'decode',
        async () => {
          // One image at a time: at full size the VAE decoder's activations dominate memory.
          for (let b = 0; b < chunk.length; b++) {
            throwIfAborted(input.signal);
            const image = await decodeLatents(
              this.bundle,
              packed.subarray(b * noise.length, (b + 1) * noise.length),
              latent,
            );
            decoded?.set(image.data, (start + b) * pixelsPerImage);
            frames.push(tensorToRgb(image.data, 0, source.width, source.height));
          }
        },
        start + batchSize >= strengths.length,
      );
    }
    return {
      strengths: [...strengths],
      seed: input.seed,
      steps,
      width: source.width,
      height: source.height,
      sourceWidth: source.sourceWidth,
      sourceHeight: source.sourceHeight,
      sigmas,
      frames,
      latents,
      decoded,
      clock,
    };
  }

  private async encodeText(instruction: string, clock: StageClock): Promise<TextEncoding> {
    const key = textCacheKey(this.bundle.key, instruction);
    const cached = this.caches.text.get(key);
    if (cached) {
      // Like a cached source below: reported, but not timed, so a re-edit's timings show what it skipped.
      clock.progress({ stage: 'encode-text', step: 1, total: 1 });
      return cached;
    }
    return clock.time('encode-text', async () => {
      const encoding = await encodeInstruction(this.bundle, instruction);
      this.caches.text.set(key, encoding);
      return encoding;
    });
  }

  private async encodeImage(image: Uint8Array, hash: string, clock: StageClock): Promise<SourceEncoding> {
    const { manifest } = this.bundle;
    const key = sourceCacheKey(this.bundle.key, hash, manifest.defaults.maxArea);
    const cached = this.caches.source.get(key);
    if (cached) {
      // Report the skipped stages so progress consumers see every stage once.
      clock.progress({ stage: 'preprocess', step: 1, total: 1 });
      clock.progress({ stage: 'encode-image', step: 1, total: 1 });
      return cached;
    }
    const prepared = await clock.time('preprocess', () =>
      prepareSource(image, {
        maxArea: manifest.defaults.maxArea,
        multiple: manifest.vae.scaleFactor * 2,
        maxInputPixels: this.options.maxInputPixels,
      }),
    );
    const encoding = await clock.time('encode-image', () => encodeSource(this.bundle, prepared));
    this.caches.source.set(key, encoding);
    return encoding;
  }

  /** The step count and guidance an input runs with (the bundle's defaults where it names none). */
  private schedule(input: EditInput): { steps: number; guidance: number } {
    const { defaults } = this.bundle.manifest;
    return { steps: input.steps ?? defaults.steps, guidance: input.guidance ?? defaults.guidance };
  }

  /** The photo decoded with its longest side at most `maxSide`, from the transfer cache when an earlier edit decoded it. */
  private photoAtOutputSize(image: Uint8Array, hash: string, maxSide: number): Promise<RgbFrame> {
    const key = photoCacheKey(hash, maxSide);
    const cached = this.caches.transfer.get(key);
    if (cached) return Promise.resolve(cached);
    const decoded = decodeAtOutputSize(image, { maxSide, maxInputPixels: this.options.maxInputPixels });
    // A failed decode is reported by the edit that awaits it; this branch only keeps a good one.
    decoded.then((frame) => this.caches.transfer.set(key, frame)).catch(() => undefined);
    return decoded;
  }

  /** The largest batch to send the transformer (see attention-limit.ts for the WebGPU case). */
  private async batchLimit(sequenceLength: number): Promise<number> {
    const { manifest, sessions } = this.bundle;
    await sessions.transformer.open();
    return attentionBatchLimit({
      attention: manifest.attention,
      provider: sessions.transformer.provider,
      numHeads: manifest.transformer.numHeads,
      sequenceLength,
      maxBatch: this.options.maxBatch,
    });
  }

  /** Releases the sessions (when the pipeline owns the bundle) and the caches; idempotent. */
  dispose(): Promise<void> {
    this.disposing ??= (async () => {
      this.caches.clear();
      if (this.options.ownsBundle) await this.bundle.dispose();
    })();
    return this.disposing;
  }
}

function checkInput(input: EditInput, steps: number, guidance: number): void {
  if (!(input.image instanceof Uint8Array) || input.image.length === 0)
    throw new EditInputError('image', 'the image is empty');
  if (typeof input.instruction !== 'string' || input.instruction.trim() === '')
    throw new EditInputError('instruction', 'the instruction is empty');
  if (input.strengths.length === 0) throw new EditInputError('strengths', 'no strength was given');
  for (const s of input.strengths)
    if (!(Number.isFinite(s) && s >= 0 && s <= 1))
      throw new EditInputError('strengths', `strength ${s} is not in [0, 1]`);
  if (!Number.isSafeInteger(input.seed) || input.seed < 0)
    throw new EditInputError('seed', `seed ${input.seed} is not a whole number >= 0`);
  if (!Number.isInteger(steps) || steps < 1)
    throw new EditInputError('steps', `steps ${steps} is not a whole number >= 1`);
  if (!(Number.isFinite(guidance) && guidance >= 0))
    throw new EditInputError('guidance', `guidance ${guidance} is not >= 0`);
}

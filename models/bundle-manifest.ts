/**
 * The schema of a model bundle's `model.json` (format version 1). The Python exporter
 * (`models/export/`) writes it; `loadBundle` validates it before opening any ONNX file.
 * The format is documented in `models/README.md`; keep the two in step.
 */
import { z } from 'zod';

export const BUNDLE_FORMAT = 'kontinuous-kontext-bundle';
export const BUNDLE_FORMAT_VERSION = 1;

/** A dimension is a fixed size or a symbolic name shared across tensors (e.g. "batch", "img_seq"). */
const dimension = z.union([z.number().int().nonnegative(), z.string().min(1)]);

export const tensorSpecSchema = z.object({
  name: z.string().min(1),
  dtype: z.enum(['float32', 'float16', 'bfloat16', 'int64', 'int32']),
  shape: z.array(dimension),
});
export type TensorSpec = z.infer<typeof tensorSpecSchema>;

export const componentSchema = z.object({
  /** ONNX file, relative to the bundle directory. External data, if any, sits beside it. */
  file: z.string().min(1),
  inputs: z.array(tensorSpecSchema).min(1),
  outputs: z.array(tensorSpecSchema).min(1),
  /**
   * The dtype this component's weights and arithmetic use, chosen per component by measurement (issue 11):
   * e.g. an fp16 transformer beside an fp32 T5, whose activations overflow fp16. Absent in bundles exported
   * before the field existed: then the bundle-wide `dtype` says how the weights are stored.
   */
  precision: z.enum(['fp32', 'fp16', 'bf16']).optional(),
  /** Graph rewrites applied after export, e.g. onnxruntime's transformer optimizer, as the exporter logged them. */
  optimizations: z.array(z.string().min(1)).optional(),
});
export type ComponentSpec = z.infer<typeof componentSchema>;

export const tokenizerSchema = z.object({
  /** A Hugging Face `tokenizer.json`, relative to the bundle directory. */
  file: z.string().min(1),
  /** Sequences are truncated to, and padded up to, exactly this many tokens (CLIP 77, T5 512 for FLUX). */
  maxLength: z.number().int().positive(),
  padTokenId: z.number().int().nonnegative(),
});

/** One edit a bundle offers. `cues` and `opposite` let the pipeline read instructions before the model runs. */
const capabilityEditSchema = z.object({
  name: z.string().min(1),
  examples: z.array(z.string()).min(1),
  /**
   * Single lower-case words (a-z, as the word-level tokenizer sees them) that name this edit; a word may be a
   * cue of several edits. Absent: the edit is never recognised by name (bundles exported before cues).
   */
  cues: z.array(z.string().regex(/^[a-z]+$/, 'a cue is one lower-case word, a-z only')).optional(),
  /** The edit that undoes this one (brighter / darker): the pair is one axis, "too bright, darken it" one edit. */
  opposite: z.string().min(1).optional(),
});

export const capabilitiesSchema = z
  .object({
    summary: z.string(),
    /** The bundle can make only the listed edits (kk-tiny): an instruction with no cue is refused. FLUX: absent. */
    closed: z.boolean().optional(),
    /** The bundle applies one edit per instruction, the first one named; the others get a note. */
    oneEditPerInstruction: z.boolean().optional(),
    edits: z.array(capabilityEditSchema),
    /** Words the trainer found in every kind of instruction (never cues). Informational: nothing reads it. */
    generic: z.array(z.string()).optional(),
  })
  .superRefine((capabilities, ctx) => {
    const names = new Set(capabilities.edits.map((edit) => edit.name));
    capabilities.edits.forEach((edit, i) => {
      if (edit.opposite !== undefined && (edit.opposite === edit.name || !names.has(edit.opposite)))
        ctx.addIssue({
          code: 'custom',
          path: ['edits', i, 'opposite'],
          message: `"${edit.opposite}" must name another edit of capabilities.edits (${[...names].join(', ')})`,
        });
    });
  });
export type BundleCapabilities = z.infer<typeof capabilitiesSchema>;

export const bundleManifestSchema = z.object({
  format: z.literal(BUNDLE_FORMAT),
  formatVersion: z.number().int().positive(),
  id: z.string().min(1),
  version: z.string().min(1),
  /** Always "flux-kontext-slider" for now: a FLUX.1 Kontext transformer with the slider projector. */
  architecture: z.literal('flux-kontext-slider'),
  /** The licence of the weights in this bundle (FLUX.1 Kontext dev is non-commercial). */
  license: z.string().min(1),
  /** Storage dtype of the weights; tensor dtypes are given per input and output below. */
  dtype: z.enum(['fp32', 'fp16', 'bf16']),
  /** "decomposed": MatMul-Softmax-MatMul (materialises [batch, heads, N, N]); "multi-head": com.microsoft.MultiHeadAttention. */
  attention: z.enum(['decomposed', 'multi-head']),
  components: z.object({
    /** input_ids [batch, 77] int64 -> pooled [batch, pooledDim]: CLIP pooled output (hidden state at the EOS token). */
    clipTextEncoder: componentSchema,
    /** input_ids [batch, t5_seq] int64 -> last_hidden_state [batch, t5_seq, jointDim]; no attention mask. */
    t5TextEncoder: componentSchema,
    /** strength [batch], pooled [batch, pooledDim] -> modulation [batch, 2 * innerDim] = [delta_scale, delta_shift]. */
    sliderProjector: componentSchema,
    /**
     * hidden_states [batch, img_seq, C*4], encoder_hidden_states, pooled_projections, timestep [batch] (sigma),
     * img_ids [img_seq, 3], txt_ids [txt_seq, 3], guidance [batch], modulation -> sample [batch, img_seq, C*4].
     */
    transformer: componentSchema,
    /** sample [batch, 3, H, W] in [-1, 1] -> latent_mean [batch, C, H/f, W/f] (the distribution's mean). */
    vaeEncoder: componentSchema,
    /** latent [batch, C, H/f, W/f] (unscaled) -> sample [batch, 3, H, W] in [-1, 1]. */
    vaeDecoder: componentSchema,
  }),
  tokenizers: z.object({ clip: tokenizerSchema, t5: tokenizerSchema }),
  vae: z.object({
    latentChannels: z.number().int().positive(),
    /** Spatial downsampling of the VAE (8 for FLUX); image sides are multiples of 2x this (2x2 packing). */
    scaleFactor: z.number().int().positive(),
    scalingFactor: z.number().positive(),
    shiftFactor: z.number(),
  }),
  transformer: z.object({
    innerDim: z.number().int().positive(),
    pooledDim: z.number().int().positive(),
    jointAttentionDim: z.number().int().positive(),
    numHeads: z.number().int().positive(),
    doubleBlocks: z.number().int().nonnegative(),
    singleBlocks: z.number().int().nonnegative(),
    guidanceEmbeds: z.boolean(),
  }),
  scheduler: z.object({
    type: z.literal('flow-match-euler'),
    numTrainTimesteps: z.number().int().positive(),
    shift: z.number().positive(),
    useDynamicShifting: z.boolean(),
    baseImageSeqLen: z.number().int().positive(),
    maxImageSeqLen: z.number().int().positive(),
    baseShift: z.number(),
    maxShift: z.number(),
  }),
  defaults: z.object({
    steps: z.number().int().positive(),
    guidance: z.number().nonnegative(),
    /** Target pixel area the source is resized to (aspect kept, sides multiples of 2 * vae.scaleFactor). */
    maxArea: z.number().int().positive(),
    sweepFrames: z.number().int().min(2),
    /**
     * How a single edit reaches the source's size. "guided-transfer": the bundle's edits are photometric
     * (colour, tone, vignette: a local colour change of the source), so the change between the model's
     * strength-0 and asked-strength outputs is fitted at the working size and applied to the full-size source
     * (pipeline/transfer-to-source-size.ts). Absent: the model's working-size pixels are resized (FLUX-style
     * bundles, whose edits add or move content).
     */
    fullResolution: z.literal('guided-transfer').optional(),
  }),
  /** What the bundle does, for users: `/edit help`, notes and refusals (commands/instruction-reading.ts). */
  capabilities: capabilitiesSchema.optional(),
  /** Optional integrity list written by the exporter: file -> sha256 and size. */
  files: z
    .record(z.string(), z.object({ sha256: z.string().length(64), bytes: z.number().int() }))
    .optional(),
});

export type BundleManifest = z.infer<typeof bundleManifestSchema>;
export type ComponentName = keyof BundleManifest['components'];

/**
 * The tensor names the pipeline feeds and reads, per component (see the comments in bundle-manifest.ts).
 * `loadBundle` checks that a bundle's manifest lists each of them, so a bundle exported with other names
 * fails at load time with the tensor's name, not halfway through an edit.
 */
import type { ComponentName } from './bundle-manifest.ts';

export interface ComponentIo {
  inputs: readonly string[];
  /** Inputs fed only when the manifest lists them. */
  optionalInputs?: readonly string[];
  outputs: readonly string[];
}

export const COMPONENT_IO = {
  clipTextEncoder: { inputs: ['input_ids'], outputs: ['pooled'] },
  t5TextEncoder: { inputs: ['input_ids'], outputs: ['last_hidden_state'] },
  sliderProjector: { inputs: ['strength', 'pooled'], outputs: ['modulation'] },
  transformer: {
    inputs: [
      'hidden_states',
      'encoder_hidden_states',
      'pooled_projections',
      'timestep',
      'img_ids',
      'txt_ids',
      'modulation',
    ],
    // Only guidance-distilled transformers (FLUX.1 dev and Kontext dev are) take a guidance scale.
    optionalInputs: ['guidance'],
    outputs: ['sample'],
  },
  vaeEncoder: { inputs: ['sample'], outputs: ['latent_mean'] },
  vaeDecoder: { inputs: ['latent'], outputs: ['sample'] },
} as const satisfies Record<ComponentName, ComponentIo>;

export const COMPONENT_NAMES = Object.keys(COMPONENT_IO) as ComponentName[];

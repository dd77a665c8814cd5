/**
 * Hand-written cues for some of kk-tiny's edits, in the shape the retrained bundle's model.json carries
 * (`capabilities.edits[].cues` / `opposite`). Edit names are kk-tiny's, so the pipeline tests can patch
 * these into a copy of the real bundle. Not the trainer's cue lists: enough words for the tests' sentences.
 */
import type { ReadingCapabilities } from '../../commands/instruction-reading.ts';

export const CUES: Readonly<Record<string, { cues: string[]; opposite?: string }>> = {
  grayscale: { cues: ['black', 'white', 'grayscale', 'greyscale', 'monochrome', 'noir'], opposite: 'vivid' },
  sepia: { cues: ['sepia', 'antique', 'vintage', 'brownish'] },
  brighter: {
    cues: ['brighter', 'brighten', 'bright', 'light', 'lighter', 'brightness'],
    opposite: 'darker',
  },
  darker: { cues: ['darker', 'darken', 'dark', 'dim', 'dimmer', 'shade'] },
  contrast: { cues: ['contrast', 'contrasty', 'punchy', 'flat'], opposite: 'faded' },
  faded: { cues: ['faded', 'fade', 'washed', 'matte', 'flat'] },
  warmer: { cues: ['warmer', 'warm', 'warmth', 'golden'], opposite: 'cooler' },
  cooler: { cues: ['cooler', 'cool', 'cold', 'colder', 'icy', 'chilly'] },
  vivid: { cues: ['vivid', 'vibrant', 'saturated', 'saturation', 'colourful'] },
  blur: { cues: ['blur', 'blurry', 'blurred', 'fuzzy', 'focus'] },
  vignette: { cues: ['vignette', 'corners', 'edges'] },
  night: { cues: ['night', 'nighttime', 'moonlit', 'dark'] },
  fog: { cues: ['fog', 'foggy', 'haze', 'hazy', 'mist', 'misty'] },
};

/** A closed, one-edit model with the cues above (edits without cues in CUES get none). */
export function closedCapabilities(
  names: readonly string[] = Object.keys(CUES),
  flags: { closed?: boolean; oneEditPerInstruction?: boolean } = {
    closed: true,
    oneEditPerInstruction: true,
  },
): ReadingCapabilities & { summary: string; edits: { name: string; examples: string[] }[] } {
  return {
    summary: 'test edits',
    ...flags,
    edits: names.map((name) => ({ name, examples: [`make it ${name}`], ...CUES[name] })),
  };
}

/**
 * A model.json patch (test/pipeline/patched-bundle.ts) that makes kk-tiny closed and one-edit with the hand
 * cues above, so the tests' sentences read the same whatever cue lists the shipped bundle carries.
 */
export function closedOneEditManifest(manifest: Record<string, unknown>): void {
  const capabilities = manifest.capabilities as { edits: { name: string }[] } & Record<string, unknown>;
  Object.assign(capabilities, { closed: true, oneEditPerInstruction: true });
  for (const edit of capabilities.edits) Object.assign(edit, CUES[edit.name]);
}

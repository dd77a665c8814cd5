/**
 * The numbers and names the `/edit` grammar is built from. The parser, the formatter, the help
 * text and both platforms' command definitions read them from here, so a limit changes in one place.
 */

/** The command's name on every platform (`/edit`). */
export const EDIT_COMMAND_NAME = 'edit';

/** The option names the text grammar knows, in canonical order (the formatter writes them in this order). */
export const OPTION_NAMES = ['strength', 'seed', 'steps'] as const;
export type OptionName = (typeof OPTION_NAMES)[number];

/** Longest instruction, in Unicode code points, after whitespace folding. */
export const INSTRUCTION_MAX_LENGTH = 500;

/**
 * Longest raw command text, in UTF-16 code units, before anything else is looked at. Generous
 * (options and runs of whitespace fit easily) but it bounds the parser's work on hostile input.
 */
export const COMMAND_MAX_LENGTH = 2000;

/**
 * Longest strength value text (`0.30000000000000004`, `sweep:16`). Any number the formatter writes
 * fits; the cap only keeps Discord's option short and the parser's work bounded.
 */
export const STRENGTH_MAX_LENGTH = 32;

/** Strength when none is given: the full edit, what users expect from a plain `/edit`. */
export const DEFAULT_STRENGTH = 1;

/** How far the weaker / stronger buttons move a single edit's strength. */
export const STRENGTH_STEP = 0.25;

// `strength:sweep` without a count has the model's default frames: `defaults.sweepFrames` in model.json.
/** Fewest frames in a sweep: fewer is not a sweep (and 2 frames is just "off" and "full"). */
export const MIN_SWEEP_FRAMES = 3;
/** Most frames in a sweep: each frame is a full denoising run, and GIF size grows with frames. */
export const MAX_SWEEP_FRAMES = 16;

/** Seeds are unsigned 32-bit integers (what every RNG in the pipeline accepts). */
export const MIN_SEED = 0;
export const MAX_SEED = 2 ** 32 - 1;

/** Denoising steps a user may ask for; the model bundle's default applies when unset. */
export const MIN_STEPS = 1;
export const MAX_STEPS = 50;

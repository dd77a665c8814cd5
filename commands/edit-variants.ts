/**
 * New requests derived from a finished one, for the buttons under a result: weaker, stronger,
 * sweep and new seed. Pure functions; each returns a new request and validates what it is given.
 */
import type { EditRequest } from './edit-request.ts';
import { CommandError } from './command-error.ts';
import { MAX_SEED, MIN_SEED, STRENGTH_STEP } from './limits.ts';
import { checkStrengthValue, parseSeed } from './option-values.ts';

/** The buttons a result can carry, in display order. `action` is stable (used in button ids). */
export const EDIT_ACTIONS = [
  { action: 'weaker', label: 'Weaker' },
  { action: 'stronger', label: 'Stronger' },
  { action: 'sweep', label: 'Sweep' },
  { action: 'new-seed', label: 'New seed' },
] as const;
export type EditAction = (typeof EDIT_ACTIONS)[number]['action'];

/** The single edit STRENGTH_STEP weaker (clamped at 0). Throws `not_single` for a sweep. */
export function weaker(request: EditRequest): EditRequest {
  return withStrength(request, stepped(singleStrength(request) - STRENGTH_STEP));
}

/** The single edit STRENGTH_STEP stronger (clamped at 1). Throws `not_single` for a sweep. */
export function stronger(request: EditRequest): EditRequest {
  return withStrength(request, stepped(singleStrength(request) + STRENGTH_STEP));
}

/** Clamps to [0, 1] and rounds to 3 decimals, so repeated steps don't drift (0.3 - 0.25 is 0.04999…). */
function stepped(value: number): number {
  return Math.min(1, Math.max(0, Math.round(value * 1000) / 1000));
}

/** Whether weaker / stronger would change anything (adapters disable the button otherwise). */
export function canWeaken(request: EditRequest): boolean {
  return request.strength.kind === 'single' && request.strength.value > 0;
}
export function canStrengthen(request: EditRequest): boolean {
  return request.strength.kind === 'single' && request.strength.value < 1;
}

/** The same edit as a sweep; a sweep keeps its frame count, a single edit gets the model's default. */
export function asSweep(request: EditRequest): EditRequest {
  if (request.strength.kind === 'sweep') return request;
  return { ...request, strength: { kind: 'sweep' } };
}

/** The same request as a single edit at `value` in [0, 1], e.g. a frame picked from a sweep (kept exact). */
export function withStrength(request: EditRequest, value: number): EditRequest {
  return { ...request, strength: checkStrengthValue(value) };
}

/** The same request with another seed (in MIN_SEED..MAX_SEED). */
export function withNewSeed(request: EditRequest, seed: number): EditRequest {
  return { ...request, seed: parseSeed(seed) };
}

/** A uniformly random seed in MIN_SEED..MAX_SEED. */
export function randomSeed(): number {
  const [seed] = globalThis.crypto.getRandomValues(new Uint32Array(1));
  return Math.min(MAX_SEED, Math.max(MIN_SEED, seed ?? 0));
}

/**
 * Whether a result's button would do anything: weaker/stronger only from a single edit that can still move
 * that way, sweep only from a single edit (on a sweep it would repeat the same frames and seed), new seed
 * always. Adapters disable (Discord) or leave out (Slack) the others.
 */
export function canApplyAction(action: EditAction, request: EditRequest): boolean {
  switch (action) {
    case 'weaker':
      return canWeaken(request);
    case 'stronger':
      return canStrengthen(request);
    case 'sweep':
      return request.strength.kind === 'single';
    case 'new-seed':
      return true;
  }
}

/** Applies a button's action; `new-seed` uses `seed` (default: a fresh random one). */
export function applyEditAction(action: EditAction, request: EditRequest, seed?: number): EditRequest {
  switch (action) {
    case 'weaker':
      return weaker(request);
    case 'stronger':
      return stronger(request);
    case 'sweep':
      return asSweep(request);
    case 'new-seed':
      return withNewSeed(request, seed ?? randomSeed());
  }
}

function singleStrength(request: EditRequest): number {
  if (request.strength.kind !== 'single') {
    throw new CommandError('not_single', 'A sweep has no single strength to change', {
      hint: 'pick a frame from the sweep, or run /edit again with strength:0-1',
    });
  }
  return request.strength.value;
}

/**
 * Renders an EditRequest as canonical `/edit` text (without the leading `/edit`):
 * the instruction, then strength (always), seed and steps when set, e.g.
 * `make it snowy strength:0.3 seed:42`. `parseEditCommand(formatEditCommand(r))` deep-equals `r`
 * for every request the parser can produce (property-tested).
 */
import type { EditRequest, StrengthSpec } from './edit-request.ts';

export function formatEditCommand(request: EditRequest): string {
  const parts = [request.instruction, `strength:${formatStrength(request.strength)}`];
  if (request.seed !== undefined) parts.push(`seed:${request.seed}`);
  if (request.steps !== undefined) parts.push(`steps:${request.steps}`);
  return parts.join(' ');
}

/**
 * A strength as the grammar writes it: `0.3`, `sweep` (default frames) or `sweep:8`.
 * `String(number)` is the shortest text that reads back as the same number, so nothing is lost.
 */
export function formatStrength(strength: StrengthSpec): string {
  if (strength.kind === 'single') return String(strength.value);
  return strength.frames === undefined ? 'sweep' : `sweep:${strength.frames}`;
}

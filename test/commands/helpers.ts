import assert from 'node:assert/strict';
import { CommandError, type CommandErrorCode } from '../../commands/command-error.ts';

/** Asserts that `fn` throws a CommandError with `code` and a non-empty user message and hint. */
export function assertCommandError(fn: () => unknown, code: CommandErrorCode, label = ''): CommandError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof CommandError, `${label}: expected a CommandError, got ${String(caught)}`);
  assert.equal(caught.code, code, `${label}: ${caught.message}`);
  assert.ok(caught.userMessage.length > 0 && caught.userMessage.length <= 120, `${label}: message length`);
  assert.ok(caught.hint && caught.hint.length > 0, `${label}: every rejection carries a hint`);
  return caught;
}

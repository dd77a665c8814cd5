/**
 * Errors that reach a user are typed values: a stable `code` to branch on and a short
 * `userMessage` (plus an optional `hint`) that adapters show as-is. Match on `instanceof` or `code`,
 * never on `message`.
 */
export class UserFacingError extends Error {
  readonly code: string;
  readonly userMessage: string;
  readonly hint: string | undefined;

  constructor(code: string, userMessage: string, options: { hint?: string; cause?: unknown } = {}) {
    super(options.hint ? `${userMessage} - ${options.hint}` : userMessage, { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.userMessage = userMessage;
    this.hint = options.hint;
  }
}

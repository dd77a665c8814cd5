// @ts-check
/**
 * The page's one way to call the server: same-origin fetch, JSON back, and every refusal turned into an
 * `ApiRefusal` carrying the server's user-facing error (the chat bots' wording) and the control it belongs to.
 */

/** @typedef {import('./types.js').ApiError} ApiError */

export class ApiRefusal extends Error {
  /** @param {ApiError} error */
  constructor(error) {
    super(error.userMessage);
    this.error = error;
  }
}

/**
 * @param {string} path
 * @param {RequestInit} [init]
 * @returns {Promise<unknown>} the JSON answer (null for 204); callers cast it to the route's type
 */
export async function api(path, init) {
  let response;
  try {
    response = await fetch(path, { credentials: 'same-origin', ...init });
  } catch {
    throw new ApiRefusal({
      code: 'network',
      userMessage: 'The playground did not answer.',
      hint: 'check that it is still running, then try again',
      field: 'form',
    });
  }
  if (response.status === 204) return null;
  const body = await response.json().catch(() => null);
  if (response.ok) return body;
  const error = body && typeof body === 'object' && 'error' in body ? body.error : undefined;
  throw new ApiRefusal(
    isApiError(error)
      ? error
      : {
          code: `http_${response.status}`,
          userMessage: `The request failed (${response.status}).`,
          field: 'form',
        },
  );
}

/**
 * @param {unknown} value
 * @returns {value is ApiError}
 */
function isApiError(value) {
  return (
    typeof value === 'object' &&
    value !== null &&
    'userMessage' in value &&
    typeof value.userMessage === 'string' &&
    'field' in value
  );
}

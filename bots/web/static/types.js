// @ts-check
/**
 * The shapes the playground's API answers and its event stream sends (bots/web/web-views.ts), for the page's
 * JSDoc. Types only: the other modules import them with `import('./types.js')`.
 */

/** @typedef {'image' | 'instruction' | 'strength' | 'form'} Field */
/** @typedef {{ code: string, userMessage: string, hint?: string, field: Field }} ApiError */
/** @typedef {{ state: 'queued', position: number } | { state: 'running' | 'retrying' | 'finished' | 'unknown' }} Position */
/** @typedef {{ kind: 'single', value: number } | { kind: 'sweep', frames: number }} Strength */
/**
 * @typedef {object} JobView
 * @property {string} jobId
 * @property {string} command
 * @property {{ instruction: string, strength: Strength, seed: number }} request
 * @property {Position} position
 * @property {string} statusText
 */
/** @typedef {{ name: string, mime: string, bytes: number, url: string, downloadUrl: string }} FileView */
/**
 * @typedef {object} ResultView
 * @property {string} jobId
 * @property {string} command
 * @property {'single' | 'sweep'} kind
 * @property {number} width
 * @property {number} height
 * @property {number[]} strengths
 * @property {number} seed
 * @property {Record<string, number>} timings
 * @property {boolean} cached
 * @property {string[]} reusedStages
 * @property {string} [note]
 * @property {FileView[]} files
 */
/** @typedef {{ jobId: string, label: string, step: number, total: number }} ProgressView */
/** @typedef {{ jobId: string, position: Position, statusText: string }} PositionView */
/** @typedef {{ jobId: string, code: string, userMessage: string, hint?: string, field: Field }} FailureView */
/** @typedef {{ summary?: string, edits: { name: string, examples: string[] }[] }} Capabilities */
/**
 * @typedef {object} Info
 * @property {{ id: string, sweepFrames: number, capabilities: Capabilities | null }} model
 * @property {{ maxImageBytes: number, instructionMaxLength: number }} limits
 * @property {{ name: string, url: string }[]} examples
 */
/** @typedef {{ action: 'strength', value: number } | { action: 'sweep' } | { action: 'new-seed' }} Variant */

export {};

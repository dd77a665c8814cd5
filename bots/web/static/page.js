// @ts-check
/**
 * The page's elements, and the small things every part does to them: errors next to their control, the
 * status line, the slider's value.
 */

/** @typedef {import('./types.js').Field} Field */
/** @typedef {import('./types.js').ApiError} ApiError */

/**
 * @template {HTMLElement} T
 * @param {string} id
 * @param {{ new (): T }} type
 * @returns {T}
 */
function byId(id, type) {
  const element = document.getElementById(id);
  if (!(element instanceof type)) throw new Error(`#${id} is missing`);
  return element;
}

export const ui = {
  form: byId('edit-form', HTMLFormElement),
  dropZone: byId('drop-zone', HTMLDivElement),
  imageInput: byId('image-input', HTMLInputElement),
  preview: byId('source-preview', HTMLImageElement),
  examples: byId('examples', HTMLDivElement),
  instruction: byId('instruction', HTMLInputElement),
  instructionLimit: byId('instruction-limit', HTMLElement),
  note: byId('note', HTMLParagraphElement),
  strength: byId('strength', HTMLInputElement),
  strengthValue: byId('strength-value', HTMLOutputElement),
  editButton: byId('edit-button', HTMLButtonElement),
  sweepButton: byId('sweep-button', HTMLButtonElement),
  seedButton: byId('seed-button', HTMLButtonElement),
  cancelButton: byId('cancel-button', HTMLButtonElement),
  statusText: byId('status-text', HTMLParagraphElement),
  progress: byId('progress', HTMLProgressElement),
  single: byId('single-result', HTMLElement),
  resultImage: byId('result-image', HTMLImageElement),
  resultCaption: byId('result-caption', HTMLElement),
  sweep: byId('sweep-result', HTMLDivElement),
  sweepGif: byId('sweep-gif', HTMLImageElement),
  sweepFrame: byId('sweep-frame', HTMLCanvasElement),
  frameScrub: byId('frame-scrub', HTMLInputElement),
  frameValue: byId('frame-value', HTMLOutputElement),
  strip: byId('strip', HTMLDivElement),
  useFrame: byId('use-frame', HTMLButtonElement),
  sweepCaption: byId('sweep-caption', HTMLParagraphElement),
  download: byId('download', HTMLAnchorElement),
  downloadSheet: byId('download-sheet', HTMLAnchorElement),
  timingsBox: byId('timings-box', HTMLDetailsElement),
  timings: byId('timings', HTMLDListElement),
  modelSummary: byId('model-summary', HTMLParagraphElement),
  capabilities: byId('capabilities', HTMLUListElement),
  modelId: byId('model-id', HTMLElement),
};

/** @type {Record<Field, { message: HTMLElement, control: HTMLElement }>} */
const errorSlots = {
  image: { message: byId('image-error', HTMLParagraphElement), control: ui.imageInput },
  instruction: { message: byId('instruction-error', HTMLParagraphElement), control: ui.instruction },
  strength: { message: byId('strength-error', HTMLParagraphElement), control: ui.strength },
  form: { message: byId('form-error', HTMLParagraphElement), control: ui.editButton },
};

/**
 * Shows `error` next to the control that caused it, as the chat bots word it: message - hint.
 * @param {ApiError} error
 */
export function showError(error) {
  const slot = errorSlots[error.field] ?? errorSlots.form;
  slot.message.textContent = error.hint ? `${error.userMessage} - ${error.hint}` : error.userMessage;
  slot.message.dataset.code = error.code;
  slot.message.hidden = false;
  slot.control.setAttribute('aria-invalid', 'true');
}

/** @param {Field} field */
export function clearError(field) {
  const slot = errorSlots[field];
  slot.message.hidden = true;
  slot.message.textContent = '';
  delete slot.message.dataset.code;
  slot.control.removeAttribute('aria-invalid');
}

export function clearErrors() {
  for (const field of /** @type {Field[]} */ (['image', 'instruction', 'strength', 'form']))
    clearError(field);
}

/**
 * @param {string} text
 * @param {{ step: number, total: number } | null} [progress]
 */
export function setStatus(text, progress = null) {
  ui.statusText.textContent = text;
  ui.progress.hidden = progress === null;
  if (progress) {
    ui.progress.max = progress.total;
    ui.progress.value = progress.step;
  }
}

/** @param {number} value */
export function setSlider(value) {
  ui.strength.value = String(value);
  ui.strengthValue.value = value.toFixed(2);
  ui.strength.setAttribute('aria-valuetext', value.toFixed(2));
}

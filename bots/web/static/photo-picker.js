// @ts-check
/**
 * Choosing the photo: a file (the file control, or dropped on the photo area) or a bundled example. A file
 * is checked by the server at once from its size and first 16 bytes (POST /api/uploads/check), so a wrong
 * type or an over-size file is refused next to the file control before anything is uploaded.
 */
import { api, ApiRefusal } from './api.js';
import { clearError, showError, ui } from './page.js';

/** The photo an Edit would send. `accepted`: the server's check passed (examples always do). */
export const photo = {
  /** @type {File | null} */
  file: null,
  /** @type {string | null} */
  example: null,
  accepted: false,
};

/** @type {() => void} */
let changed = () => {};

/**
 * @param {{ changed: () => void }} hooks  called whenever the photo changes (a new edit is then due)
 */
export function wirePhotoPicker(hooks) {
  changed = hooks.changed;
  ui.imageInput.addEventListener('change', () => {
    const file = ui.imageInput.files?.[0];
    if (file) void chooseFile(file);
  });
  ui.dropZone.addEventListener('dragover', (event) => {
    event.preventDefault();
    ui.dropZone.classList.add('dragging');
  });
  ui.dropZone.addEventListener('dragleave', () => ui.dropZone.classList.remove('dragging'));
  ui.dropZone.addEventListener('drop', (event) => {
    event.preventDefault();
    ui.dropZone.classList.remove('dragging');
    const file = event.dataTransfer?.files[0];
    if (file) void chooseFile(file);
  });
}

/** @param {File} file */
export async function chooseFile(file) {
  clearError('image');
  Object.assign(photo, { file, example: null, accepted: false });
  changed();
  markExample(null);
  showPreview(URL.createObjectURL(file));
  try {
    await api(`/api/uploads/check?bytes=${file.size}`, { method: 'POST', body: file.slice(0, 16) });
    if (photo.file === file) photo.accepted = true;
  } catch (err) {
    if (!(err instanceof ApiRefusal)) throw err;
    if (photo.file !== file) return;
    ui.preview.hidden = true;
    showError({ ...err.error, field: 'image' });
  }
}

/**
 * @param {string} name
 * @param {string} url
 */
export function chooseExample(name, url) {
  clearError('image');
  Object.assign(photo, { file: null, example: name, accepted: true });
  changed();
  ui.imageInput.value = '';
  markExample(name);
  showPreview(url);
}

/** @param {string | null} name */
function markExample(name) {
  for (const button of ui.examples.querySelectorAll('button'))
    button.setAttribute(
      'aria-pressed',
      String(button instanceof HTMLElement && button.dataset.example === name),
    );
}

/** @param {string} url */
function showPreview(url) {
  ui.preview.hidden = false;
  ui.preview.onerror = () => (ui.preview.hidden = true);
  ui.preview.src = url;
}

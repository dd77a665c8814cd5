// @ts-check
/**
 * The playground page: plain JavaScript modules, served as they are (tsc checks them from their JSDoc; nothing
 * is built). Every edit goes through the server's API (bots/web/web-api.ts), which queues it exactly as the chat
 * bots do; outcomes arrive on the session's event stream (GET /api/events).
 *
 * The slider re-edits the shown result when it is let go (its "change" event: a pointer release, or each key
 * press) through the path the chat buttons use, so the worker reuses the instruction's and the photo's
 * encodings. One slider re-edit runs at a time: a release while one runs is kept, and sent when it ends, so
 * the queue never holds a backlog of strengths nobody wants any more.
 */
import { api, ApiRefusal } from './api.js';
import { showInfo } from './model-info.js';
import { clearError, clearErrors, setSlider, setStatus, showError, ui } from './page.js';
import { chooseExample, chooseFile, photo, wirePhotoPicker } from './photo-picker.js';
import { showResult } from './result-view.js';
import { pickedStrength, showFrame } from './sweep-view.js';

/** @typedef {import('./types.js').JobView} JobView */
/** @typedef {import('./types.js').ResultView} ResultView */
/** @typedef {import('./types.js').ProgressView} ProgressView */
/** @typedef {import('./types.js').PositionView} PositionView */
/** @typedef {import('./types.js').FailureView} FailureView */
/** @typedef {import('./types.js').Info} Info */
/** @typedef {import('./types.js').Variant} Variant */
/**
 * @typedef {object} TrackedJob
 * @property {'edit' | Variant['action']} kind
 * @property {number} seq         submission order: an older result never replaces a newer one
 * @property {boolean} done
 * @property {number} releasedAt  performance.now() when the slider was let go or the button pressed
 * @property {number} [strength]
 */

const state = {
  /** @type {Info | null} */
  info: null,
  /** The photo or the instruction changed since the last Edit: the slider then starts a new edit. */
  dirty: true,
  /** @type {Map<string, TrackedJob>} */
  jobs: new Map(),
  seq: 0,
  shownSeq: 0,
  /** @type {string | null} */
  shownJobId: null,
  /** The edit re-edits derive from: the result shown, or the edit asked for since. @type {string | null} */
  parentJobId: null,
  /** The slider re-edit in flight. @type {string | null} */
  sliderJobId: null,
  /** The strength the slider was let go at while that one ran. @type {number | null} */
  sliderWanted: null,
};

/** The newest edit still queued or running: the one the status line and Cancel are about. */
function activeJobId() {
  let newest = null;
  let newestSeq = -1;
  for (const [jobId, job] of state.jobs)
    if (!job.done && job.seq > newestSeq) [newest, newestSeq] = [jobId, job.seq];
  return newest;
}

function updateButtons() {
  ui.sweepButton.disabled = state.parentJobId === null;
  ui.seedButton.disabled = state.parentJobId === null;
  ui.cancelButton.disabled = activeJobId() === null;
}

/** @param {TrackedJob['kind']} kind */
function kindLabel(kind) {
  return { edit: 'Edit', strength: 'Re-edit', sweep: 'Sweep', 'new-seed': 'New seed' }[kind];
}

/**
 * Reports a refusal next to its control (as `field`, when given); anything else is a bug and is rethrown.
 * @param {unknown} err
 * @param {import('./types.js').Field} [field]
 */
function report(err, field) {
  if (!(err instanceof ApiRefusal)) throw err;
  showError(field && err.error.field === 'form' ? { ...err.error, field } : err.error);
}

// ---- Asking for edits -----------------------------------------------------------------------------------

/**
 * @param {JobView} job
 * @param {TrackedJob['kind']} kind
 * @param {number} releasedAt
 */
function track(job, kind, releasedAt) {
  const strength = job.request.strength.kind === 'single' ? job.request.strength.value : undefined;
  state.jobs.set(job.jobId, { kind, seq: ++state.seq, done: false, releasedAt, strength });
  setStatus(`${kindLabel(kind)}: ${job.statusText} - ${job.command}`);
  updateButtons();
  // Its outcome may have come first: a result-cache answer can beat the answer to the request itself.
  const early = earlyEvents.get(job.jobId) ?? [];
  earlyEvents.delete(job.jobId);
  for (const replay of early) replay();
}

/** Events of jobs this page has not heard of yet, by job id (bounded: a reloaded page gets old ones too). */
/** @type {Map<string, (() => void)[]>} */
const earlyEvents = new Map();

/**
 * Runs `handle` now for a job this page tracks, or keeps it until `track` registers the job.
 * @param {string} jobId
 * @param {() => void} handle
 */
function whenTracked(jobId, handle) {
  if (state.jobs.has(jobId)) return handle();
  earlyEvents.set(jobId, [...(earlyEvents.get(jobId) ?? []), handle]);
  if (earlyEvents.size > 50) earlyEvents.delete(earlyEvents.keys().next().value ?? '');
}

async function submitEdit() {
  clearErrors();
  if (!photo.file && !photo.example) {
    showError({
      code: 'no_image',
      userMessage: 'Choose a photo to edit first.',
      hint: 'upload or drop a PNG, JPEG, WebP or GIF, or pick an example',
      field: 'image',
    });
    return;
  }
  // A file the check refused is not uploaded: checking again shows why once more.
  if (photo.file && !photo.accepted) await chooseFile(photo.file);
  if (photo.file && !photo.accepted) return;
  const params = new URLSearchParams({ text: ui.instruction.value, strength: ui.strength.value });
  if (photo.example) params.set('example', photo.example);
  const releasedAt = performance.now();
  try {
    const { job } = /** @type {{ job: JobView }} */ (
      await api(`/api/edits?${params}`, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream' },
        body: photo.file ?? '',
      })
    );
    Object.assign(state, { dirty: false, parentJobId: job.jobId, sliderWanted: null });
    // The instruction may name a strength (strength:0.7): the slider follows it.
    if (job.request.strength.kind === 'single') setSlider(job.request.strength.value);
    track(job, 'edit', releasedAt);
  } catch (err) {
    report(err);
  }
}

/**
 * A re-edit of the parent, as the chat buttons make one: the slider, Sweep and New seed.
 * @param {Variant} variant
 * @param {number} releasedAt
 * @returns {Promise<string | null>} the new edit's job id
 */
async function submitVariant(variant, releasedAt) {
  const parent = state.parentJobId;
  if (!parent) return null;
  const field = variant.action === 'strength' ? 'strength' : 'form';
  clearError(field);
  try {
    const { job } = /** @type {{ job: JobView }} */ (
      await api(`/api/edits/${encodeURIComponent(parent)}/variants`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(variant),
      })
    );
    track(job, variant.action, releasedAt);
    if (variant.action === 'new-seed') state.parentJobId = job.jobId;
    return job.jobId;
  } catch (err) {
    report(err, field);
    return null;
  }
}

/**
 * The slider was let go at `value`.
 * @param {number} value
 * @param {number} releasedAt
 */
async function onSliderRelease(value, releasedAt) {
  if (state.parentJobId === null) return; // nothing edited yet: the strength waits for Edit
  if (state.dirty) return submitEdit(); // a new photo or instruction: a new edit at this strength
  if (state.sliderJobId !== null) {
    state.sliderWanted = value;
    return;
  }
  state.sliderWanted = null;
  state.sliderJobId = await submitVariant({ action: 'strength', value }, releasedAt);
}

/** A slider re-edit ended: send the strength let go at meanwhile, unless it is the one that just ran. */
function sliderJobEnded(/** @type {string} */ jobId) {
  if (state.sliderJobId !== jobId) return;
  const wanted = state.sliderWanted;
  Object.assign(state, { sliderJobId: null, sliderWanted: null });
  if (wanted !== null && wanted !== state.jobs.get(jobId)?.strength)
    void onSliderRelease(wanted, performance.now());
}

async function cancelActive() {
  const jobId = activeJobId();
  if (!jobId) return;
  clearError('form');
  try {
    const { outcome } = /** @type {{ outcome: 'removed' | 'signalled' | 'already_finished' }} */ (
      await api(`/api/edits/${encodeURIComponent(jobId)}/cancel`, { method: 'POST' })
    );
    // Removed from the queue: nothing more will come for it. Signalled: the 'cancelled' failure will.
    if (outcome === 'removed') ended(jobId, 'Cancelled.');
    else if (outcome === 'signalled') setStatus('Cancelling...');
  } catch (err) {
    report(err);
  }
}

// ---- Outcomes, from the event stream --------------------------------------------------------------------

/**
 * The job is over without a result: the status says `text`, and re-edits fall back to the result shown.
 * @param {string} jobId
 * @param {string} text
 */
function ended(jobId, text) {
  const job = state.jobs.get(jobId);
  if (job) job.done = true;
  setStatus(text);
  if (state.parentJobId === jobId) state.parentJobId = state.shownJobId;
  sliderJobEnded(jobId);
  updateButtons();
}

/** @param {string} jobId */
function pending(jobId) {
  const job = state.jobs.get(jobId);
  return job && !job.done && jobId === activeJobId() ? job : undefined;
}

/** @param {PositionView} view */
function onPosition(view) {
  const job = pending(view.jobId);
  if (job) setStatus(`${kindLabel(job.kind)}: ${view.statusText}`);
}

/** @param {ProgressView} view */
function onProgress(view) {
  const job = pending(view.jobId);
  if (job) setStatus(`${kindLabel(job.kind)}: running - ${view.label}`, view);
}

/** @param {ResultView} result */
function onResult(result) {
  const job = state.jobs.get(result.jobId);
  if (!job || job.done) return;
  job.done = true;
  if (job.seq > state.shownSeq) {
    Object.assign(state, { shownSeq: job.seq, shownJobId: result.jobId, parentJobId: result.jobId });
    if (result.kind === 'single' && state.sliderWanted === null) setSlider(result.strengths[0] ?? 0);
    const seq = job.seq;
    const shown = {
      releasedAt: job.releasedAt,
      eventAt: performance.now(),
      fromSlider: job.kind === 'strength',
    };
    void showResult(result, { ...shown, stillNewest: () => state.shownSeq === seq });
  }
  if (activeJobId() === null) setStatus(result.cached ? 'Done (from the result cache).' : 'Done.');
  sliderJobEnded(result.jobId);
  updateButtons();
}

/** @param {FailureView} failure */
function onFailed(failure) {
  const job = state.jobs.get(failure.jobId);
  if (!job || job.done) return;
  if (failure.code !== 'cancelled') showError(failure);
  ended(failure.jobId, failure.code === 'cancelled' ? 'Edit cancelled.' : `${kindLabel(job.kind)} failed.`);
}

function listen() {
  const events = new EventSource('/api/events');
  /**
   * @template T
   * @param {string} name
   * @param {(data: T) => void} handle
   */
  const on = (name, handle) =>
    events.addEventListener(name, (event) =>
      handle(JSON.parse(/** @type {MessageEvent<string>} */ (event).data)),
    );
  on('position', (/** @type {PositionView} */ view) => whenTracked(view.jobId, () => onPosition(view)));
  on('progress', (/** @type {ProgressView} */ view) => whenTracked(view.jobId, () => onProgress(view)));
  on('result', (/** @type {ResultView} */ view) => whenTracked(view.jobId, () => onResult(view)));
  on('failed', (/** @type {FailureView} */ view) => whenTracked(view.jobId, () => onFailed(view)));
}

// ---- Wiring ---------------------------------------------------------------------------------------------

function wire() {
  ui.form.addEventListener('submit', (event) => {
    event.preventDefault();
    void submitEdit();
  });
  wirePhotoPicker({ changed: () => (state.dirty = true) });
  ui.instruction.addEventListener('input', () => {
    state.dirty = true;
    clearError('instruction');
  });
  ui.strength.addEventListener('input', () => setSlider(Number(ui.strength.value)));
  ui.strength.addEventListener('change', () => {
    clearError('strength');
    void onSliderRelease(Number(ui.strength.value), performance.now());
  });
  ui.sweepButton.addEventListener('click', () => void submitVariant({ action: 'sweep' }, performance.now()));
  ui.seedButton.addEventListener(
    'click',
    () => void submitVariant({ action: 'new-seed' }, performance.now()),
  );
  ui.cancelButton.addEventListener('click', () => void cancelActive());
  ui.frameScrub.addEventListener('input', () => showFrame(Number(ui.frameScrub.value)));
  ui.useFrame.addEventListener('click', () => {
    const strength = pickedStrength();
    if (strength === undefined) return;
    const value = Math.round(strength * 1000) / 1000;
    setSlider(value);
    void onSliderRelease(value, performance.now());
  });
}

async function start() {
  wire();
  setSlider(Number(ui.strength.value));
  try {
    // First: this answer sets the session cookie that the event stream and every edit are asked under.
    state.info = /** @type {Info} */ (await api('/api/info'));
    ui.instructionLimit.textContent = String(state.info.limits.instructionMaxLength);
    showInfo(state.info, {
      useInstruction: (text) => {
        ui.instruction.value = text;
        state.dirty = true;
        ui.instruction.focus();
      },
      useExample: (name) => {
        const example = state.info?.examples.find((e) => e.name === name);
        if (example) chooseExample(name, example.url);
      },
    });
  } catch (err) {
    report(err);
  }
  listen();
  document.body.dataset.ready = 'true';
}

void start();

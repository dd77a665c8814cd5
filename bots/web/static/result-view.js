// @ts-check
/**
 * Showing a finished edit: the image (or the sweep, sweep-view.js), its caption, the download links, the
 * model's note about the instruction, and the per-stage timings. The caption says how long after the slider
 * was let go (or the button pressed) the new image was on screen; `data-shown-after-ms` keeps the number.
 */
import { ui } from './page.js';
import { showSweep } from './sweep-view.js';

/** @typedef {import('./types.js').ResultView} ResultView */
/** @typedef {import('./types.js').FileView} FileView */

/**
 * @param {ResultView} result
 * @param {{ releasedAt: number, eventAt: number, fromSlider: boolean, stillNewest: () => boolean }} shown
 *   when the slider was let go (or the button pressed) and the result's event came, both performance.now()
 */
export async function showResult(result, shown) {
  ui.note.hidden = !result.note;
  ui.note.textContent = result.note ?? '';
  showDownloads(result);
  showTimings(result);
  const first = result.files[0];
  if (!first) return;
  if (result.kind === 'sweep') {
    ui.single.hidden = true;
    ui.sweep.hidden = false;
    ui.sweepCaption.textContent = `${result.command} - ${describeRun(result)}.`;
    await showSweep(result, first);
    return;
  }
  // Decoded before it replaces the shown image, so the swap is instant and the time measured is real.
  const loaded = new Image();
  loaded.src = first.url;
  await loaded.decode().catch(() => undefined);
  if (!shown.stillNewest()) return;
  ui.resultImage.src = first.url;
  ui.resultImage.alt = `The photo edited: ${result.command}`;
  ui.resultImage.dataset.jobId = result.jobId;
  ui.single.hidden = false;
  ui.sweep.hidden = true;
  const shownAfterMs = performance.now() - shown.releasedAt;
  // The measure of bench/web-slider.ts: the release as wall-clock time (to line up with the job's own
  // timestamps), when the result's event came, and when the new image was on screen.
  Object.assign(ui.resultImage.dataset, {
    releasedAtEpochMs: (performance.timeOrigin + shown.releasedAt).toFixed(1),
    eventAfterMs: (shown.eventAt - shown.releasedAt).toFixed(1),
    shownAfterMs: shownAfterMs.toFixed(1),
  });
  ui.resultCaption.textContent =
    `${result.command} - ${result.width}x${result.height}, ${describeRun(result)}; ` +
    `shown ${(shownAfterMs / 1000).toFixed(2)} s after ${shown.fromSlider ? 'the slider was let go' : 'the click'}.`;
}

/** @param {ResultView} result */
function showDownloads(result) {
  const [first, sheet] = result.files;
  ui.download.hidden = !first;
  if (first) {
    ui.download.href = first.downloadUrl;
    ui.download.download = `kk-${result.jobId}-${first.name}`;
    ui.download.textContent = result.kind === 'sweep' ? 'Download the animation' : 'Download';
  }
  ui.downloadSheet.hidden = !sheet;
  if (sheet) {
    ui.downloadSheet.href = sheet.downloadUrl;
    ui.downloadSheet.download = `kk-${result.jobId}-${sheet.name}`;
  }
}

/** @param {ResultView} result */
function describeRun(result) {
  if (result.cached) return 'from the result cache (no model run)';
  const total = result.timings.total;
  const reused = result.reusedStages;
  const note =
    reused.length === 0
      ? ''
      : reused.includes('encode-text') && reused.includes('encode-image')
        ? ', instruction and photo encodings reused'
        : `, reused: ${reused.join(', ')}`;
  return `model time ${total === undefined ? 'n/a' : `${Math.round(total)} ms`}${note}, seed ${result.seed}`;
}

/** @param {ResultView} result */
function showTimings(result) {
  ui.timings.replaceChildren();
  /** @param {string} stage @param {string} text */
  const row = (stage, text) => {
    const term = document.createElement('dt');
    term.textContent = stage;
    const value = document.createElement('dd');
    value.textContent = text;
    ui.timings.append(term, value);
  };
  for (const [stage, ms] of Object.entries(result.timings)) row(stage, `${ms.toFixed(1)} ms`);
  for (const stage of result.reusedStages) row(stage, 'cached (skipped)');
  ui.timingsBox.dataset.jobId = result.jobId;
  ui.timingsBox.hidden = result.cached;
}

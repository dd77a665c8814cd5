// @ts-check
/**
 * A sweep's result: the animation, and its frames as a strip you can scrub (the range input, the arrow keys
 * on it, or a click on a frame). The frames come from the GIF itself (gif-frames.js), labelled with the
 * strengths the sweep ran; "Edit at this strength" re-edits the picked frame's strength as a single edit.
 */
import { decodeGif } from './gif-frames.js';
import { ui } from './page.js';

/** @typedef {import('./types.js').ResultView} ResultView */
/** @typedef {import('./types.js').FileView} FileView */

/** @type {{ strengths: number[], canvases: HTMLCanvasElement[] } | null} */
let shown = null;

/**
 * @param {ResultView} result
 * @param {FileView} gif
 */
export async function showSweep(result, gif) {
  ui.sweepGif.src = gif.url;
  const bytes = new Uint8Array(await (await fetch(gif.url)).arrayBuffer());
  const decoded = decodeGif(bytes);
  const canvases = decoded.frames.map((rgba) => {
    const canvas = document.createElement('canvas');
    canvas.width = decoded.width;
    canvas.height = decoded.height;
    canvas.getContext('2d')?.putImageData(new ImageData(rgba, decoded.width, decoded.height), 0, 0);
    return canvas;
  });
  // One frame per strength, unless the GIF's byte budget dropped some: then frames go unlabelled.
  shown = { strengths: canvases.length === result.strengths.length ? result.strengths : [], canvases };
  ui.strip.replaceChildren(
    ...canvases.map((canvas, index) => {
      const button = document.createElement('button');
      button.type = 'button';
      button.dataset.frame = String(index);
      button.setAttribute('aria-label', `Frame ${frameLabel(index)}`);
      button.append(canvas);
      button.addEventListener('click', () => showFrame(index));
      return button;
    }),
  );
  ui.frameScrub.max = String(Math.max(0, canvases.length - 1));
  ui.sweepFrame.width = decoded.width;
  ui.sweepFrame.height = decoded.height;
  ui.useFrame.disabled = shown.strengths.length === 0;
  ui.strip.dataset.frames = String(canvases.length);
  showFrame(0);
}

/** The strength of the frame picked on the strip, if known. */
export function pickedStrength() {
  return shown?.strengths[Number(ui.frameScrub.value)];
}

/** @param {number} index */
export function showFrame(index) {
  const canvas = shown?.canvases[index];
  if (!canvas) return;
  ui.frameScrub.value = String(index);
  ui.frameValue.value = frameLabel(index);
  ui.frameScrub.setAttribute('aria-valuetext', frameLabel(index));
  ui.sweepFrame.getContext('2d')?.drawImage(canvas, 0, 0);
  for (const button of ui.strip.querySelectorAll('button'))
    button.setAttribute('aria-current', String(button.dataset.frame === String(index)));
}

/** "3 of 8, strength 0.29" */
function frameLabel(/** @type {number} */ index) {
  const strength = shown?.strengths[index];
  const count = shown?.canvases.length ?? 0;
  return `${index + 1} of ${count}${strength === undefined ? '' : `, strength ${strength.toFixed(2)}`}`;
}

/**
 * Run by contact-sheet.test.ts in a child process whose FONTCONFIG_FILE lists no fonts: reports
 * whether SVG text was judged to render, and whether 'auto' labels came out as the bitmap font.
 */
import { renderContactSheet } from '../../pipeline/render/contact-sheet.ts';
import { svgTextRenders } from '../../pipeline/render/labels.ts';
import { sweepFrame } from './frames.ts';

const frames = [sweepFrame(0, 64, 48), sweepFrame(1, 64, 48)];
const render = async (labels: 'auto' | 'bitmap' | 'none') =>
  Buffer.from(await renderContactSheet(frames, [0, 1], { labels }));
const [auto, bitmap, none] = await Promise.all([render('auto'), render('bitmap'), render('none')]);
console.log(
  JSON.stringify({
    svgTextRenders: await svgTextRenders(),
    autoIsBitmap: auto.equals(bitmap),
    autoHasLabels: !auto.equals(none),
  }),
);

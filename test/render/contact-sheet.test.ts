import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import sharp from 'sharp';
import type { RgbFrame } from '../../pipeline/image/rgb-frame.ts';
import { contactSheetLayout, renderContactSheet } from '../../pipeline/render/contact-sheet.ts';
import { strengthLabel, svgTextRenders } from '../../pipeline/render/labels.ts';
import { identify, sweepFrame } from './frames.ts';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const frames = (count: number, width = 64, height = 48) =>
  Array.from({ length: count }, (_, i) => sweepFrame(i, width, height));
const strengths = (count: number) => Array.from({ length: count }, (_, i) => i / (count - 1));

async function decode(png: Uint8Array): Promise<RgbFrame> {
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height };
}

function crop(frame: RgbFrame, x: number, y: number, width: number, height: number): RgbFrame {
  const data = new Uint8Array(width * height * 3);
  for (let row = 0; row < height; row++) {
    const from = ((y + row) * frame.width + x) * 3;
    data.set(frame.data.subarray(from, from + width * 3), row * width * 3);
  }
  return { data, width, height };
}

const countDifferent = (a: RgbFrame, b: RgbFrame) =>
  a.data.reduce((n, v, i) => n + (v !== b.data[i] ? 1 : 0), 0);

describe('renderContactSheet', () => {
  it('writes a PNG grid of the expected size with the frames in order', async () => {
    const png = await renderContactSheet(frames(5), strengths(5), { columns: 3 });
    assert.deepEqual(Array.from(png.subarray(0, 8)), PNG_SIGNATURE);
    const layout = contactSheetLayout(5, 64, 48, { columns: 3 });
    assert.deepEqual([layout.columns, layout.rows, layout.cellWidth, layout.cellHeight], [3, 2, 64, 48]);
    const sheet = await decode(png);
    assert.deepEqual([sheet.width, sheet.height], [layout.width, layout.height]);
    assert.ok(sheet.width >= 3 * 64 && sheet.height >= 2 * (48 + layout.labelHeight));
    // Each cell shows its frame, row-major.
    const shown = layout.cells.map(({ x, y }) =>
      identify(crop(sheet, x, y, layout.cellWidth, layout.cellHeight)),
    );
    assert.deepEqual(shown, [0, 1, 2, 3, 4]);
  });

  it('defaults to at most four columns and downscales large frames into cells', () => {
    const layout = contactSheetLayout(7, 1024, 768);
    assert.deepEqual([layout.columns, layout.rows, layout.cellWidth, layout.cellHeight], [4, 2, 384, 288]);
    const small = contactSheetLayout(2, 64, 48);
    assert.deepEqual([small.columns, small.rows], [2, 1]);
    assert.equal(contactSheetLayout(3, 10, 10, { columns: 8 }).columns, 3);
  });

  it('fits its byte budget by shrinking cells', async () => {
    const input = frames(6, 256, 192);
    const full = await renderContactSheet(input, strengths(6));
    const budget = Math.floor(full.length / 3);
    const png = await renderContactSheet(input, strengths(6), { maxBytes: budget });
    assert.ok(png.length <= budget, `${png.length} > ${budget}`);
    const [fullSheet, sheet] = await Promise.all([decode(full), decode(png)]);
    assert.ok(sheet.width < fullSheet.width && sheet.height < fullSheet.height);
  });

  it('returns its smallest sheet rather than failing when the budget is impossible', async () => {
    const png = await renderContactSheet(frames(3), strengths(3), { maxBytes: 10 });
    assert.deepEqual(Array.from(png.subarray(0, 8)), PNG_SIGNATURE);
  });

  for (const labels of ['auto', 'bitmap'] as const) {
    it(`draws ${labels} labels in the label strips and nowhere else`, async () => {
      const input = frames(4);
      const layout = contactSheetLayout(4, 64, 48);
      const [labelled, blank] = await Promise.all(
        [labels, 'none' as const].map(async (mode) =>
          decode(await renderContactSheet(input, strengths(4), { labels: mode })),
        ),
      );
      for (const { x, y } of layout.cells) {
        const strip = (sheet: RgbFrame) =>
          crop(sheet, x, y + layout.cellHeight, layout.cellWidth, layout.labelHeight);
        const image = (sheet: RgbFrame) => crop(sheet, x, y, layout.cellWidth, layout.cellHeight);
        assert.ok(countDifferent(strip(labelled!), strip(blank!)) > 20, 'label ink in the strip');
        assert.equal(countDifferent(image(labelled!), image(blank!)), 0, 'cell image untouched');
      }
    });
  }

  it('draws different labels for different strengths', async () => {
    const input = [sweepFrame(0, 64, 48), sweepFrame(0, 64, 48)];
    const layout = contactSheetLayout(2, 64, 48);
    for (const labels of ['auto', 'bitmap'] as const) {
      const sheet = await decode(await renderContactSheet(input, [0.25, 0.75], { labels }));
      const strips = layout.cells.map(({ x, y }) =>
        crop(sheet, x, y + layout.cellHeight, layout.cellWidth, layout.labelHeight),
      );
      assert.ok(countDifferent(strips[0]!, strips[1]!) > 0, labels);
    }
  });

  it("uses sharp's SVG text when this machine renders it, the bitmap font otherwise", async () => {
    const input = frames(2);
    const render = async (labels: 'auto' | 'svg' | 'bitmap') =>
      Buffer.from(await renderContactSheet(input, [0, 1], { labels }));
    const expected = (await svgTextRenders()) ? 'svg' : 'bitmap';
    assert.ok((await render('auto')).equals(await render(expected)));
    assert.ok(!(await render('svg')).equals(await render('bitmap')));
  });

  it('falls back to the bitmap font on a machine without fonts', async () => {
    // A fontconfig setup with no font directories: pango then draws the same "missing glyph" box for
    // every character, which the probe must not mistake for working text.
    const dir = await mkdtemp(join(tmpdir(), 'kk-no-fonts-'));
    try {
      const conf = join(dir, 'fonts.conf');
      await writeFile(
        conf,
        `<?xml version="1.0"?><fontconfig><dir>${join(dir, 'none')}</dir><cachedir>${join(dir, 'cache')}</cachedir></fontconfig>`,
      );
      const child = fileURLToPath(new URL('./no-fonts-child.ts', import.meta.url));
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', child], {
        env: { ...process.env, FONTCONFIG_FILE: conf },
      });
      assert.deepEqual(JSON.parse(stdout), {
        svgTextRenders: false,
        autoIsBitmap: true,
        autoHasLabels: true,
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('labels strengths with two decimals', () => {
    assert.equal(strengthLabel(0.25), 's=0.25');
    assert.equal(strengthLabel(0), 's=0.00');
    assert.equal(strengthLabel(1), 's=1.00');
    assert.equal(strengthLabel(1 / 3), 's=0.33');
  });

  it('rejects mismatched frames and strengths', async () => {
    await assert.rejects(renderContactSheet(frames(2), [0]), RangeError);
    await assert.rejects(renderContactSheet([], []), RangeError);
    await assert.rejects(renderContactSheet([sweepFrame(0, 8, 8), sweepFrame(1, 9, 8)], [0, 1]), RangeError);
  });
});

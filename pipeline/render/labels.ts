import sharp from 'sharp';
import type { RgbFrame } from '../image/rgb-frame.ts';
import { drawBitmapText, GLYPH_HEIGHT, measureBitmapText } from './bitmap-font.ts';

/** A line of text centred in a box of the canvas. */
export interface Label {
  text: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

export type LabelRenderer = 'svg' | 'bitmap';

const TEXT_COLOUR = [34, 34, 34] as const;
const FONT_FAMILY = 'DejaVu Sans, Liberation Sans, Arial, Helvetica, sans-serif';

/** "s=0.25": the strength a frame was rendered at, always two decimals so labels line up. */
export function strengthLabel(strength: number): string {
  return `s=${strength.toFixed(2)}`;
}

let svgProbe: Promise<boolean> | undefined;

/**
 * Whether sharp's SVG text renders real glyphs on this machine (cached for the process). Without
 * fonts librsvg draws nothing, or the same "missing glyph" box for every character; so two strings
 * differing in one digit must both leave ink and differ.
 */
export function svgTextRenders(): Promise<boolean> {
  svgProbe ??= (async () => {
    try {
      const [a, b] = await Promise.all(['s=0.25', 's=0.75'].map(renderProbe));
      return a!.inked > 0 && b!.inked > 0 && !a!.alpha.equals(b!.alpha);
    } catch {
      return false;
    }
  })();
  return svgProbe;
}

async function renderProbe(text: string): Promise<{ alpha: Buffer; inked: number }> {
  const svg = svgOverlay([{ text, x: 0, y: 0, width: 96, height: 24 }], 96, 24);
  const alpha = await sharp(svg).ensureAlpha().extractChannel(3).raw().toBuffer();
  return { alpha, inked: alpha.reduce((n, v) => n + (v > 0 ? 1 : 0), 0) };
}

/** One transparent SVG, the size of the canvas, holding every label (for a single sharp composite). */
export function svgOverlay(labels: Label[], width: number, height: number): Buffer {
  const texts = labels.map((label) => {
    const size = Math.max(6, Math.round(label.height * 0.72));
    const cx = label.x + label.width / 2;
    const cy = label.y + label.height / 2;
    return (
      `<text x="${cx}" y="${cy}" font-family="${FONT_FAMILY}" font-size="${size}" ` +
      `fill="rgb(${TEXT_COLOUR.join(',')})" text-anchor="middle" dominant-baseline="central">` +
      `${escapeXml(label.text)}</text>`
    );
  });
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${texts.join('')}</svg>`,
  );
}

/** Draws labels into `canvas` in place with the built-in bitmap font, centred in their boxes. */
export function drawBitmapLabels(canvas: RgbFrame, labels: Label[]): void {
  for (const label of labels) {
    const scale = Math.max(1, Math.floor((label.height * 0.72) / GLYPH_HEIGHT));
    const size = measureBitmapText(label.text, scale);
    drawBitmapText(canvas, label.text, {
      x: Math.round(label.x + (label.width - size.width) / 2),
      y: Math.round(label.y + (label.height - size.height) / 2),
      scale,
      colour: TEXT_COLOUR,
    });
  }
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

import sharp from 'sharp';
import type { SubstanceGraph } from './sbsar-manifest';

/** How many outputs the card lists before "and N more". */
const CARD_MAX_OUTPUTS = 9;

/**
 * A square PNG card for a Substance graph without an icon: its label and category on top, then its
 * outputs (label and usage), drawn by librsvg from an SVG (the text needs a font installed; the
 * Docker image has DejaVu Sans). It shows what the archive holds, not what the graph renders:
 * that needs Adobe's engine.
 */
export async function renderSubstanceCard(
  graph: Pick<SubstanceGraph, 'label' | 'category' | 'outputs'> | undefined,
  size: number,
): Promise<Buffer> {
  return sharp(Buffer.from(substanceCardSvg(graph, size)))
    .png()
    .toBuffer();
}

/** The card's SVG, `size` pixels square; exported for its test. */
export function substanceCardSvg(
  graph: Pick<SubstanceGraph, 'label' | 'category' | 'outputs'> | undefined,
  size: number,
): string {
  const title = graph?.label ?? 'Substance';
  const outputs = graph?.outputs ?? [];
  const shown = outputs.slice(0, CARD_MAX_OUTPUTS);
  const lines = shown.map((output, index) => {
    const usage = output.usage.length > 0 ? `  (${output.usage.join(', ')})` : '';
    return text(
      48,
      196 + index * 30,
      20,
      '#d8dee9',
      `${output.label ?? output.identifier}${usage}`,
    );
  });
  if (outputs.length > shown.length)
    lines.push(
      text(48, 196 + shown.length * 30, 20, '#8892a6', `and ${outputs.length - shown.length} more`),
    );
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 512 512">`,
    '<rect width="512" height="512" fill="#1f2430"/>',
    '<rect x="0" y="0" width="512" height="8" fill="#f5a623"/>',
    text(48, 84, 34, '#ffffff', ellipsis(title, 26), 'bold'),
    text(48, 122, 20, '#f5a623', ellipsis(graph?.category ?? 'Substance material', 40)),
    text(48, 164, 16, '#8892a6', `${outputs.length} output${outputs.length === 1 ? '' : 's'}`),
    ...lines,
    text(
      48,
      480,
      14,
      '#5c667a',
      'No preview: rendering the graph needs the Substance engine',
      'normal',
      60,
    ),
    '</svg>',
  ].join(''); // laid out on a 512 grid; the viewBox scales it to `size`
}

function text(
  x: number,
  y: number,
  px: number,
  fill: string,
  content: string,
  weight = 'normal',
  maxChars = 44,
): string {
  return `<text x="${x}" y="${y}" font-family="DejaVu Sans, sans-serif" font-size="${px}" font-weight="${weight}" fill="${fill}">${escapeXml(ellipsis(content, maxChars))}</text>`;
}

function ellipsis(value: string, max: number): string {
  return value.length > max ? `${value.slice(0, max - 1)}…` : value;
}

function escapeXml(value: string): string {
  return value.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

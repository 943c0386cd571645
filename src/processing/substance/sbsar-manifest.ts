import { DOMParser, type Element } from '@xmldom/xmldom';
import { substanceParseFailed } from './substance-errors';

/** The value types of Substance inputs, by the number the manifest writes (`type="…"`). */
export const SUBSTANCE_INPUT_TYPES = [
  'float',
  'float2',
  'float3',
  'float4',
  'integer',
  'image',
  'string',
  'font',
  'integer2',
  'integer3',
  'integer4',
] as const;
export type SubstanceInputType = (typeof SUBSTANCE_INPUT_TYPES)[number];

/** A value of an input: a number, a vector, a string, or null (an image input has none). */
export type SubstanceValue = number | number[] | string | null;

export interface SubstanceInput {
  identifier: string;
  /** `unknown` for a type number Kiln does not know. */
  type: SubstanceInputType | 'unknown';
  default: SubstanceValue;
  /** From the slider, when the input has one. */
  min: number | null;
  max: number | null;
  step: number | null;
  /** The widget an editor shows (`slider`, `color`, `combobox`, `togglebutton`, `image`, …); null for hidden inputs such as `$outputsize`. */
  widget: string | null;
  label: string | null;
  group: string | null;
  /** A combo box's choices. */
  choices?: { value: number; label: string }[];
}

/**
 * An output's pixel format: the manifest's `format` number, and what it means (bits from the most
 * significant: float, sRGB, 16-bit, two bits of channels, two bits of compression).
 */
export interface SubstanceOutputFormat {
  code: number;
  channels: 'RGBA' | 'RGBx' | 'RGB' | 'L';
  bitDepth: 8 | 16 | 32;
  float: boolean;
}

export interface SubstanceOutput {
  identifier: string;
  label: string | null;
  /** The usages it is tagged with, e.g. `["baseColor"]`, `["normal"]`, `["roughness"]`. */
  usage: string[];
  format: SubstanceOutputFormat;
  /** The default size in pixels (the graph's `$outputsize` changes it). */
  size: { width: number; height: number };
}

export interface SubstancePreset {
  label: string;
  /** The inputs the preset sets, with their values. */
  values: { identifier: string; value: SubstanceValue }[];
}

export interface SubstanceGraph {
  label: string | null;
  packageUrl: string | null;
  category: string | null;
  keywords: string[];
  author: string | null;
  /** Real-world size of the material (x, y, z, in centimetres), when the author set one. */
  physicalSize: number[] | null;
  /** The icon's entry name, relative to its manifest's folder, when the graph names one. */
  icon: string | null;
  inputs: SubstanceInput[];
  outputs: SubstanceOutput[];
  presets: SubstancePreset[];
}

export interface SubstanceManifest {
  formatVersion: string | null;
  graphs: SubstanceGraph[];
}

/**
 * Parses an .sbsar's XML manifest (`sbsdescription`). xmldom never fetches a DTD or an external
 * entity and does not expand entities a DOCTYPE declares: a reference to one is an error here, as
 * is any malformed XML. Throws `SUBSTANCE_PARSE_FAILED`.
 */
export function parseSbsarManifest(xml: string, name: string): SubstanceManifest {
  let root: Element | null;
  let problem: string | undefined;
  try {
    const document = new DOMParser({
      onError: (level, message) => {
        if (level === 'warning') return;
        problem ??= message;
        throw new Error(message); // stops xmldom at the first error
      },
    }).parseFromString(xml, 'text/xml');
    root = document.documentElement;
  } catch (error) {
    const said = problem ?? (error instanceof Error ? error.message : String(error));
    throw substanceParseFailed(`The manifest ${name} is not well-formed XML: ${said}`);
  }
  if (!root || root.tagName !== 'sbsdescription')
    throw substanceParseFailed(`The manifest ${name} is not a Substance description.`);
  return {
    formatVersion: root.getAttribute('formatversion'),
    graphs: children(root, 'graphs').flatMap((graphs) => children(graphs, 'graph').map(readGraph)),
  };
}

function readGraph(graph: Element): SubstanceGraph {
  const inputs = children(graph, 'inputs').flatMap((list) =>
    children(list, 'input').map(readInput),
  );
  const typeOf = new Map(inputs.map((input) => [input.identifier, input.type]));
  return {
    label: graph.getAttribute('label'),
    packageUrl: graph.getAttribute('pkgurl'),
    category: graph.getAttribute('category'),
    keywords: split(graph.getAttribute('keywords'), /;/),
    author: graph.getAttribute('author'),
    physicalSize: numbers(graph.getAttribute('physicalSize')),
    icon: graph.getAttribute('icon'),
    inputs,
    outputs: children(graph, 'outputs').flatMap((list) => children(list, 'output').map(readOutput)),
    presets: children(graph, 'sbspresets').flatMap((list) =>
      children(list, 'sbspreset').map((preset) => ({
        label: preset.getAttribute('label') ?? '',
        values: children(preset, 'presetinput').map((value) => {
          const identifier = value.getAttribute('identifier') ?? '';
          const type = typeOf.get(identifier) ?? inputType(value.getAttribute('type'));
          return { identifier, value: readValue(type, value.getAttribute('value')) };
        }),
      })),
    ),
  };
}

function readInput(input: Element): SubstanceInput {
  const type = inputType(input.getAttribute('type'));
  const gui = children(input, 'inputgui')[0];
  const slider = gui && children(gui, 'guislider')[0];
  const combo = gui && children(gui, 'guicombobox')[0];
  return {
    identifier: input.getAttribute('identifier') ?? '',
    type,
    default: readValue(type, input.getAttribute('default')),
    min: number(slider?.getAttribute('min')),
    max: number(slider?.getAttribute('max')),
    step: number(slider?.getAttribute('step')),
    widget: gui?.getAttribute('widget') ?? null,
    label: gui?.getAttribute('label') ?? null,
    group: gui?.getAttribute('group') ?? null,
    ...(combo
      ? {
          choices: children(combo, 'guicomboboxitem').map((item) => ({
            value: number(item.getAttribute('value')) ?? 0,
            label: item.getAttribute('text') ?? '',
          })),
        }
      : {}),
  };
}

function readOutput(output: Element): SubstanceOutput {
  const gui = children(output, 'outputgui')[0];
  const channels = gui
    ? children(gui, 'channels').flatMap((list) => children(list, 'channel'))
    : [];
  return {
    identifier: output.getAttribute('identifier') ?? '',
    label: gui?.getAttribute('label') ?? null,
    usage: channels.flatMap((channel) => split(channel.getAttribute('names'), /[;,\s]+/)),
    format: outputFormat(number(output.getAttribute('format')) ?? 0),
    size: {
      width: number(output.getAttribute('width')) ?? 0,
      height: number(output.getAttribute('height')) ?? 0,
    },
  };
}

const CHANNELS = ['RGBA', 'RGBx', 'RGB', 'L'] as const;

/** Decodes Substance's 8-bit pixel format (substance/pixelformat.h). */
export function outputFormat(code: number): SubstanceOutputFormat {
  const float = (code & 0x40) !== 0;
  const wide = (code & 0x10) !== 0;
  return {
    code,
    channels: CHANNELS[(code >> 2) & 0x3],
    bitDepth: float ? (wide ? 32 : 16) : wide ? 16 : 8,
    float,
  };
}

function inputType(value: string | null): SubstanceInputType | 'unknown' {
  const index = number(value);
  return (index !== null && SUBSTANCE_INPUT_TYPES[index]) || 'unknown';
}

/** A value as the manifest writes it (`0.5`, `0.2,0.3,0.4`, text), typed by the input's type. */
function readValue(type: SubstanceInputType | 'unknown', raw: string | null): SubstanceValue {
  if (raw === null) return null;
  if (type === 'string' || type === 'font' || type === 'unknown') return raw;
  if (type === 'image') return null;
  const values = numbers(raw) ?? [];
  return /2|3|4$/.test(type) ? values : (values[0] ?? null);
}

function children(parent: Element, tag: string): Element[] {
  const found: Element[] = [];
  for (let node = parent.firstChild; node; node = node.nextSibling)
    if (node.nodeType === node.ELEMENT_NODE && (node as Element).tagName === tag)
      found.push(node as Element);
  return found;
}

function number(value: string | null | undefined): number | null {
  if (value === null || value === undefined || value.trim() === '') return null;
  const parsed = Number(value);
  return Number.isFinite(parsed) ? parsed : null;
}

function numbers(value: string | null): number[] | null {
  if (value === null || value.trim() === '') return null;
  const parsed = value.split(',').map(number);
  return parsed.every((item): item is number => item !== null) ? parsed : null;
}

function split(value: string | null, separator: RegExp): string[] {
  return (value ?? '')
    .split(separator)
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

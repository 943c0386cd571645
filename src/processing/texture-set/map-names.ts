/** What a map of a texture set holds. */
export const MAP_ROLES = [
  'baseColor',
  'normal',
  'roughness',
  'glossiness',
  'metallic',
  'occlusion',
  'height',
  'emissive',
  'opacity',
  /** Packed occlusion (R), roughness (G), metallic (B): glTF order. */
  'orm',
  /** glTF's metallicRoughness texture: roughness in G, metallic in B. */
  'metallicRoughness',
] as const;
export type MapRole = (typeof MAP_ROLES)[number];

/** What a normal map's name says of its green channel: OpenGL (Y+), DirectX (Y−), or nothing. */
export type NamedConvention = 'opengl' | 'directx' | undefined;

export interface MapName {
  /** The name before the suffix, without its separator: `Metal007_1K` of `Metal007_1K_Color.jpg`. */
  prefix: string;
  role: MapRole;
  convention: NamedConvention;
}

/**
 * Suffixes by role, compared case-insensitively, the separator and the words inside a suffix
 * matched as `_`, `-`, `.` or a space. Longer suffixes are tried first, so `_Base_Color` is not
 * read as `_Color` and `_NormalGL` not as a name ending in `GL`.
 */
const SUFFIXES: ReadonlyArray<readonly [string, MapRole, NamedConvention?]> = [
  ['base_color', 'baseColor'],
  ['basecolor', 'baseColor'],
  ['albedo', 'baseColor'],
  ['diffuse', 'baseColor'],
  ['color', 'baseColor'],
  ['normal_opengl', 'normal', 'opengl'],
  ['normalgl', 'normal', 'opengl'],
  ['normal_directx', 'normal', 'directx'],
  ['normaldx', 'normal', 'directx'],
  ['normal', 'normal'],
  ['roughness', 'roughness'],
  ['glossiness', 'glossiness'],
  ['metallicroughness', 'metallicRoughness'],
  ['metallic', 'metallic'],
  ['metalness', 'metallic'],
  ['ambientocclusion', 'occlusion'],
  ['occlusion', 'occlusion'],
  ['ao', 'occlusion'],
  ['height', 'height'],
  ['displacement', 'height'],
  ['emissive', 'emissive'],
  ['opacity', 'opacity'],
  ['orm', 'orm'],
];

const BY_LENGTH = [...SUFFIXES].sort((a, b) => b[0].length - a[0].length);

const SEPARATOR = /[_\-. ]/g;

/**
 * The role a file's name gives it, from its PBR suffix (`wood_BaseColor.png` → base colour of
 * `wood`), or undefined when it carries none. Folders and the extension are ignored; the prefix
 * must not be empty (`Normal.png` alone names no set).
 */
export function parseMapName(path: string): MapName | undefined {
  const base = path.slice(path.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  const stem = dot > 0 ? base.slice(0, dot) : base;
  // Compare on a copy whose separators are all `_`, same length, so indexes carry over.
  const folded = stem.toLowerCase().replace(SEPARATOR, '_');
  for (const [suffix, role, convention] of BY_LENGTH) {
    const at = suffixStart(folded, suffix);
    if (at === undefined) continue;
    const prefix = stem.slice(0, at);
    if (prefix === '') continue;
    return { prefix, role, convention };
  }
  return undefined;
}

/**
 * Where `_<suffix>` starts at the end of `folded`, the suffix's own underscores optional
 * (`base_color` matches `_basecolor` and `_base_color`); undefined when it is not there.
 */
function suffixStart(folded: string, suffix: string): number | undefined {
  const words = suffix.split('_').join('_?');
  const match = new RegExp(`_(${words})$`).exec(folded);
  return match ? match.index : undefined;
}

/** The role's place in a primary's choice and in listings: base colour first. */
export function roleOrder(role: MapRole): number {
  return MAP_ROLES.indexOf(role);
}

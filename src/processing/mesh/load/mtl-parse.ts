/** One `newmtl` of an MTL file, as far as a metallic-roughness material can use it. */
export interface MtlMaterial {
  name: string;
  /** `Kd`, linear-ish RGB 0-1 as written. */
  diffuse?: [number, number, number];
  /** `Ks`. */
  specular?: [number, number, number];
  /** `Ke`. */
  emissive?: [number, number, number];
  /** `Ns`, 0-1000. */
  shininess?: number;
  /** `d`, or 1 − `Tr`. */
  opacity?: number;
  /** Texture file names as written (options stripped). */
  maps: {
    diffuse?: string;
    bump?: string;
    normal?: string;
    opacity?: string;
    emissive?: string;
  };
}

/** How many values each map option takes (`-o`, `-s`, `-t` take one to three numbers). */
const MAP_OPTIONS: Readonly<Record<string, number>> = {
  '-blendu': 1,
  '-blendv': 1,
  '-boost': 1,
  '-mm': 2,
  '-o': 3,
  '-s': 3,
  '-t': 3,
  '-texres': 1,
  '-clamp': 1,
  '-bm': 1,
  '-imfchan': 1,
  '-type': 1,
  '-cc': 1,
};

const MAP_KEYS: Readonly<Record<string, keyof MtlMaterial['maps']>> = {
  map_kd: 'diffuse',
  map_bump: 'bump',
  bump: 'bump',
  map_kn: 'normal',
  norm: 'normal',
  map_d: 'opacity',
  map_ke: 'emissive',
};

/** Reads an MTL file's materials by name (later definitions of a name win, as in most readers). */
export function parseMtl(text: string): Map<string, MtlMaterial> {
  const materials = new Map<string, MtlMaterial>();
  let current: MtlMaterial | undefined;
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const space = line.search(/\s/);
    const keyword = (space < 0 ? line : line.slice(0, space)).toLowerCase();
    const rest = space < 0 ? '' : line.slice(space + 1).trim();
    if (keyword === 'newmtl') {
      current = { name: rest, maps: {} };
      materials.set(rest, current);
      continue;
    }
    if (current === undefined) continue;
    switch (keyword) {
      case 'kd':
        current.diffuse = colour(rest) ?? current.diffuse;
        break;
      case 'ks':
        current.specular = colour(rest) ?? current.specular;
        break;
      case 'ke':
        current.emissive = colour(rest) ?? current.emissive;
        break;
      case 'ns':
        current.shininess = number(rest) ?? current.shininess;
        break;
      case 'd': {
        const d = number(rest);
        if (d !== undefined) current.opacity = clamp01(d);
        break;
      }
      case 'tr': {
        const tr = number(rest);
        if (tr !== undefined) current.opacity = clamp01(1 - tr);
        break;
      }
      default: {
        const map = MAP_KEYS[keyword];
        if (map !== undefined) {
          const file = mapFileName(rest);
          if (file !== undefined) current.maps[map] = file;
        }
      }
    }
  }
  return materials;
}

/**
 * The file name of a map statement, its options (`-bm 1`, `-o 0 0 0`, …) skipped. The rest of the
 * line is the name, spaces included (exporters write names with spaces).
 */
export function mapFileName(statement: string): string | undefined {
  const tokens = statement.split(/\s+/).filter((token) => token !== '');
  let i = 0;
  while (i < tokens.length && tokens[i].startsWith('-')) {
    const arity = MAP_OPTIONS[tokens[i].toLowerCase()];
    if (arity === undefined) break;
    i += 1;
    // -o/-s/-t take 1-3 numbers; the others exactly their count.
    const max = i + arity;
    const numeric = arity === 3;
    while (i < max && i < tokens.length - 1 && (!numeric || isNumeric(tokens[i]))) i += 1;
  }
  const name = tokens.slice(i).join(' ');
  return name === '' ? undefined : name;
}

/**
 * Blinn-Phong shininess to roughness, the usual approximation (`sqrt(2 / (Ns + 2))`); `Ns` 0 is
 * fully rough.
 */
export function shininessToRoughness(shininess: number): number {
  return clamp01(Math.sqrt(2 / (Math.max(0, shininess) + 2)));
}

function colour(rest: string): [number, number, number] | undefined {
  const values = rest.split(/\s+/).map(Number);
  if (values.length === 0 || !values.every(Number.isFinite)) return undefined;
  const [r, g = r, b = r] = values;
  return [clamp01(r), clamp01(g), clamp01(b)];
}

function number(rest: string): number | undefined {
  const value = Number(rest.split(/\s+/)[0]);
  return Number.isFinite(value) ? value : undefined;
}

function isNumeric(token: string): boolean {
  return token !== '' && Number.isFinite(Number(token));
}

function clamp01(value: number): number {
  return Math.min(1, Math.max(0, value));
}

/**
 * The names of the files a model's text refers to, as written (the grouping matches them to the
 * files of an upload by base name, case-insensitively). Each function is pure and forgiving: it
 * reads what it can of broken input and never throws; a name that matches no file costs nothing.
 */

/** OBJ: the material libraries of its `mtllib` statements. */
export function objMaterialLibraries(text: string): string[] {
  const names: string[] = [];
  for (const match of text.matchAll(/^[ \t]*mtllib[ \t]+(.+?)[ \t]*$/gm)) {
    // Several libraries may follow one `mtllib`, space-separated, yet exporters also write one
    // name with spaces: both readings are kept.
    names.push(match[1], ...splitWhenSeveral(match[1]));
  }
  return unique(names);
}

/** The statements of an MTL that name a texture file. */
const MTL_TEXTURE_STATEMENT = /^(?:map_\w+|bump|norm|disp|decal|refl)$/i;

/** How many values each option of an MTL texture statement takes (`-o`, `-s`, `-t`: one to three). */
const MTL_OPTION_VALUES: Readonly<Record<string, readonly [number, number]>> = {
  '-blendu': [1, 1],
  '-blendv': [1, 1],
  '-boost': [1, 1],
  '-cc': [1, 1],
  '-clamp': [1, 1],
  '-imfchan': [1, 1],
  '-texres': [1, 1],
  '-type': [1, 1],
  '-bm': [1, 1],
  '-mm': [2, 2],
  '-o': [1, 3],
  '-s': [1, 3],
  '-t': [1, 3],
};

/** MTL: the texture files of its `map_*`, `bump`, `norm`, `disp`, `decal` and `refl` statements, options skipped. */
export function mtlTextureFiles(text: string): string[] {
  const names: string[] = [];
  for (const line of text.split(/\r?\n|\r/)) {
    const tokens = line.trim().split(/[ \t]+/);
    if (!MTL_TEXTURE_STATEMENT.test(tokens[0])) continue;
    let at = 1;
    while (at < tokens.length && tokens[at].startsWith('-')) {
      const values = MTL_OPTION_VALUES[tokens[at].toLowerCase()];
      if (!values) break; // not an option we know: it is the file name
      const [least, most] = values;
      at += 1 + least;
      for (let extra = least; extra < most && isNumber(tokens[at]); extra++) at++;
    }
    const name = tokens.slice(at).join(' ');
    if (name) names.push(name);
  }
  return unique(names);
}

/**
 * glTF (1.0 and 2.0): the `uri` of its buffers and images, percent-decoded; `data:` URIs are
 * inside the file already. JSON that does not parse is searched for `"uri"` strings instead.
 */
export function gltfReferences(text: string): string[] {
  let uris: string[];
  try {
    const json = JSON.parse(text.replace(/^\uFEFF/, '')) as unknown;
    uris = ['buffers', 'images'].flatMap((key) => urisOf(isObject(json) ? json[key] : undefined));
  } catch {
    uris = [...text.matchAll(/"uri"\s*:\s*"((?:[^"\\]|\\.)*)"/g)].map((match) => {
      try {
        return JSON.parse(`"${match[1]}"`) as string;
      } catch {
        return match[1];
      }
    });
  }
  return unique(uris.filter((uri) => !/^data:/i.test(uri)).map(decodeUri));
}

/**
 * COLLADA: the file names of its `<init_from>` elements (1.4: the text; 1.5: its `<ref>`), a
 * `file://` scheme dropped. Those naming an image element by id (inside effects) match no file.
 */
export function daeImageFiles(text: string): string[] {
  const names: string[] = [];
  for (const match of text.matchAll(/<init_from\b[^>]*>([\s\S]*?)<\/init_from>/g)) {
    const ref = /<ref\b[^>]*>([\s\S]*?)<\/ref>/.exec(match[1]);
    const raw = decodeXml((ref ? ref[1] : match[1]).trim());
    if (!raw || raw.startsWith('<')) continue;
    names.push(decodeUri(raw.replace(/^file:\/+/i, '')));
  }
  return unique(names);
}

/**
 * FBX: the `FileName` and `RelativeFilename` of its textures and videos. ASCII FBX writes them as
 * `RelativeFilename: "…"`; binary FBX as a node of that name whose first property is a string
 * (`S`, a u32 length, the bytes), the name's length byte right before it. Absolute paths are kept:
 * only their base name is matched.
 */
export function fbxTextureFiles(bytes: Uint8Array): string[] {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const names: string[] = [];
  for (const node of ['FileName', 'RelativeFilename']) {
    const needle = Buffer.from(node, 'latin1');
    for (let at = buffer.indexOf(needle); at >= 0; at = buffer.indexOf(needle, at + 1)) {
      const end = at + needle.length;
      if (at > 0 && buffer[at - 1] === needle.length && buffer[end] === 0x53 /* S */) {
        if (end + 5 > buffer.length) continue;
        const length = buffer.readUInt32LE(end + 1);
        if (length > 0 && end + 5 + length <= buffer.length)
          names.push(buffer.toString('utf8', end + 5, end + 5 + length));
      }
    }
  }
  const text = buffer.toString('latin1');
  for (const match of text.matchAll(/^[ \t]*(?:FileName|RelativeFilename):[ \t]*"([^"\r\n]*)"/gm))
    names.push(Buffer.from(match[1], 'latin1').toString('utf8'));
  return unique(names.filter((name) => name.length > 0));
}

function urisOf(list: unknown): string[] {
  // glTF 2.0 lists them in arrays, glTF 1.0 in objects keyed by id.
  const items = Array.isArray(list) ? list : isObject(list) ? Object.values(list) : [];
  return items.flatMap((item) =>
    isObject(item) && typeof item.uri === 'string' ? [item.uri] : [],
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** A URI reference's path as a file name: percent-decoded where that is valid, query and fragment off. */
function decodeUri(uri: string): string {
  const path = uri.replace(/[?#].*$/, '');
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

function decodeXml(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

function splitWhenSeveral(names: string): string[] {
  const parts = names.split(/[ \t]+/);
  return parts.length > 1 ? parts : [];
}

function isNumber(token: string | undefined): boolean {
  return token !== undefined && /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/.test(token);
}

function unique(names: readonly string[]): string[] {
  return [...new Set(names)];
}

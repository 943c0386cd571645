/**
 * three's FBXLoader throws on a geometry layer that names data it lacks: a colour layer
 * `IndexToDirect` without its `ColorIndex`, a UV layer without `UV` (assimp's FBX exporter writes
 * both). Such a layer is unusable anyway, so it is hidden from the loader by renaming it in a copy of
 * the bytes (`LayerElementColor` → `LayerElementColo_`: same length, so no offset moves), and the
 * model reads without it.
 */

/** What each layer needs: its data node, and its index node when referenced `IndexToDirect`. */
const LAYERS: Readonly<Record<string, { data: string; index: string }>> = {
  LayerElementColor: { data: 'Colors', index: 'ColorIndex' },
  LayerElementUV: { data: 'UV', index: 'UVIndex' },
  LayerElementNormal: { data: 'Normals', index: 'NormalsIndex' },
  LayerElementMaterial: { data: 'Materials', index: 'Materials' },
};

const MAX_DEPTH = 32;

export interface FbxRepair {
  /** The bytes to hand to the loader (the input itself when nothing was renamed). */
  bytes: Buffer;
  /** The layers hidden, e.g. `LayerElementColor`. */
  dropped: string[];
}

/** Hides unusable geometry layers of a binary FBX; an ASCII or unreadable one is returned as is. */
export function repairBinaryFbxLayers(bytes: Buffer, version: number): FbxRepair {
  const wide = version >= 7500;
  const headerBytes = wide ? 25 : 13;
  const renames: { nameAt: number; name: string }[] = [];

  interface NodeRecord {
    end: number;
    name: string;
    nameAt: number;
    propertiesAt: number;
    propertiesLength: number;
    childrenAt: number;
  }
  const read = (at: number): NodeRecord | undefined => {
    if (at + headerBytes > bytes.length) return undefined;
    const end = wide ? Number(bytes.readBigUInt64LE(at)) : bytes.readUInt32LE(at);
    const propertiesLength = wide
      ? Number(bytes.readBigUInt64LE(at + 16))
      : bytes.readUInt32LE(at + 8);
    const nameLength = bytes[at + headerBytes - 1];
    const nameAt = at + headerBytes;
    if (end === 0)
      return { end: 0, name: '', nameAt, propertiesAt: 0, propertiesLength: 0, childrenAt: 0 };
    const propertiesAt = nameAt + nameLength;
    const childrenAt = propertiesAt + propertiesLength;
    if (end > bytes.length || childrenAt > end || end <= at) return undefined;
    return {
      end,
      name: bytes.toString('latin1', nameAt, propertiesAt),
      nameAt,
      propertiesAt,
      propertiesLength,
      childrenAt,
    };
  };
  const children = (node: NodeRecord): NodeRecord[] | undefined => {
    const list: NodeRecord[] = [];
    let at = node.childrenAt;
    while (at < node.end) {
      const child = read(at);
      if (child === undefined) return undefined;
      if (child.end === 0) break;
      list.push(child);
      at = child.end;
    }
    return list;
  };
  /** The first property of a node when it is a string (`S`). */
  const firstString = (node: NodeRecord): string | undefined => {
    const at = node.propertiesAt;
    if (node.propertiesLength < 5 || bytes[at] !== 0x53) return undefined;
    const length = bytes.readUInt32LE(at + 1);
    if (at + 5 + length > node.childrenAt) return undefined;
    return bytes.toString('latin1', at + 5, at + 5 + length);
  };
  const visit = (node: NodeRecord, depth: number): boolean => {
    if (depth > MAX_DEPTH) return false;
    const list = children(node);
    if (list === undefined) return false;
    const layer = LAYERS[node.name];
    if (layer !== undefined) {
      const names = new Set(list.map((child) => child.name));
      const reference = list.find((child) => child.name === 'ReferenceInformationType');
      const indexed = reference !== undefined && firstString(reference) === 'IndexToDirect';
      if (!names.has(layer.data) || (indexed && !names.has(layer.index))) {
        renames.push({ nameAt: node.nameAt, name: node.name });
      }
      return true;
    }
    return list.every((child) => visit(child, depth + 1));
  };

  let at = 27;
  while (at < bytes.length) {
    const node = read(at);
    if (node === undefined || node.end === 0) break;
    if (!visit(node, 0)) return { bytes, dropped: [] };
    at = node.end;
  }
  if (renames.length === 0) return { bytes, dropped: [] };
  const copy = Buffer.from(bytes);
  for (const { nameAt, name } of renames) copy[nameAt + name.length - 1] = 0x5f; // '_'
  return { bytes: copy, dropped: [...new Set(renames.map((rename) => rename.name))] };
}

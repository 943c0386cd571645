/** What an FBX says about itself before any node is parsed. */
export interface FbxHeader {
  binary: boolean;
  /** 7400 for FBX 2014/2015, 7500 for 2016+, 6100 for FBX 6.1. */
  version: number;
  /** GlobalSettings' UpAxis (0 X, 1 Y, 2 Z); Y when absent. */
  upAxis: 'X' | 'Y' | 'Z';
  /** GlobalSettings' UnitScaleFactor (centimetres per unit) in metres; 0.01 when absent. */
  unitMetres: number;
}

const BINARY_MAGIC = 'Kaydara FBX Binary  \0';
const AXES = ['X', 'Y', 'Z'] as const;

/** Reads the version and GlobalSettings' up axis and unit; undefined when the bytes are not FBX. */
export function readFbxHeader(bytes: Buffer): FbxHeader | undefined {
  if (bytes.length >= 27 && bytes.toString('latin1', 0, BINARY_MAGIC.length) === BINARY_MAGIC) {
    return {
      binary: true,
      version: bytes.readUInt32LE(23),
      upAxis: AXES[binaryProperty(bytes, 'UpAxis') ?? 1] ?? 'Y',
      unitMetres: unitMetres(binaryProperty(bytes, 'UnitScaleFactor')),
    };
  }
  const head = bytes.toString('latin1', 0, Math.min(bytes.length, 64 * 1024));
  if (!/FBXHeaderExtension\s*:|^; FBX \d/m.test(head)) return undefined;
  const stated = /FBXVersion:\s*(\d+)/.exec(head);
  const comment = /^; FBX (\d+)\.(\d+)\./m.exec(head);
  const version =
    stated !== null
      ? Number(stated[1])
      : comment !== null
        ? Number(comment[1]) * 1000 + Number(comment[2]) * 100
        : NaN;
  if (!Number.isSafeInteger(version)) return undefined;
  const text = bytes.toString('latin1');
  return {
    binary: false,
    version: Number(version),
    upAxis: AXES[asciiProperty(text, 'UpAxis') ?? 1] ?? 'Y',
    unitMetres: unitMetres(asciiProperty(text, 'UnitScaleFactor')),
  };
}

function unitMetres(centimetres: number | undefined): number {
  return centimetres !== undefined && centimetres > 0 && Number.isFinite(centimetres)
    ? centimetres / 100
    : 0.01;
}

/** `P: "UpAxis", "int", "Integer", "",2` */
function asciiProperty(text: string, name: string): number | undefined {
  const match = new RegExp(
    `P:\\s*"${name}",\\s*"[^"]*",\\s*"[^"]*",\\s*"[^"]*",\\s*(-?[\\d.eE+-]+)`,
  ).exec(text);
  return match === null ? undefined : Number(match[1]);
}

/**
 * A binary P record: the name as an `S` property, then three more `S` (type, label, flags), then
 * the value (`I` int32, `D` float64, `F` float32, `L` int64). Property records are never compressed.
 */
function binaryProperty(bytes: Buffer, name: string): number | undefined {
  const needle = Buffer.alloc(5 + name.length);
  needle.write('S', 0, 'latin1');
  needle.writeUInt32LE(name.length, 1);
  needle.write(name, 5, 'latin1');
  let at = bytes.indexOf(needle);
  if (at < 0) return undefined;
  at += needle.length;
  for (let i = 0; i < 3; i++) {
    if (at + 5 > bytes.length || bytes[at] !== 0x53) return undefined; // 'S'
    at += 5 + bytes.readUInt32LE(at + 1);
  }
  if (at + 9 > bytes.length) return undefined;
  switch (String.fromCharCode(bytes[at])) {
    case 'I':
      return bytes.readInt32LE(at + 1);
    case 'D':
      return bytes.readDoubleLE(at + 1);
    case 'F':
      return bytes.readFloatLE(at + 1);
    case 'L':
      return Number(bytes.readBigInt64LE(at + 1));
    default:
      return undefined;
  }
}

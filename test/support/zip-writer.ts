import { crc32, deflateRawSync } from 'node:zlib';

/**
 * A fixture generator for tests, not a zip library: it writes small zips whose every header
 * field a test can set, including the lies an attacker tells (sizes, names, file types). Kiln
 * itself only reads zips, through yauzl.
 */
export interface ZipFixtureEntry {
  /** Written as given: `../x`, `/etc/x`, `C:\\x` and backslashes included. */
  name: string;
  /** The entry's bytes; absent for a folder entry (its name ends with `/`). */
  data?: Buffer;
  /** `deflate` (default) or `store`. */
  method?: 'deflate' | 'store';
  /** Unix mode for the external attributes, e.g. `0o120777` for a symlink; default a regular file (or folder). */
  unixMode?: number;
  /** The uncompressed size the headers claim, when it should differ from the truth. */
  declaredSize?: number;
  /** The CRC-32 the headers claim, when it should differ from the truth. */
  declaredCrc?: number;
  /** Set the "encrypted" flag (the data is not actually encrypted). */
  encryptedFlag?: boolean;
}

const DEFLATE = 8;
const STORE = 0;
const UNIX = 3;
const VERSION = 20;
const UTF8_FLAG = 0x800;
const ENCRYPTED_FLAG = 0x1;
const DOS_TIME = 0; // 00:00:00
const DOS_DATE = ((2024 - 1980) << 9) | (1 << 5) | 1; // 2024-01-01

/** Writes a zip holding `entries`, in order. */
export function writeZip(entries: readonly ZipFixtureEntry[], comment = ''): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const folder = entry.name.endsWith('/') && entry.data === undefined;
    const data = entry.data ?? Buffer.alloc(0);
    const method = entry.method === 'store' || folder ? STORE : DEFLATE;
    const body = method === DEFLATE ? deflateRawSync(data) : data;
    const name = Buffer.from(entry.name, 'utf8');
    const crc = entry.declaredCrc ?? crc32(data);
    const size = entry.declaredSize ?? data.length;
    const flags = UTF8_FLAG | (entry.encryptedFlag ? ENCRYPTED_FLAG : 0);
    const mode = entry.unixMode ?? (folder ? 0o040755 : 0o100644);

    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(VERSION, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    locals.push(local, name, body);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((UNIX << 8) | VERSION, 4);
    central.writeUInt16LE(VERSION, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt16LE(DOS_TIME, 12);
    central.writeUInt16LE(DOS_DATE, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt16LE(0, 30); // extra field length
    central.writeUInt16LE(0, 32); // comment length
    central.writeUInt16LE(0, 34); // disk number start
    central.writeUInt16LE(0, 36); // internal attributes
    central.writeUInt32LE(((mode << 16) | (folder ? 0x10 : 0)) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);

    offset += local.length + name.length + body.length;
  }
  const directory = Buffer.concat(centrals);
  const commentBytes = Buffer.from(comment, 'latin1');
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(0, 4);
  end.writeUInt16LE(0, 6);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  end.writeUInt16LE(commentBytes.length, 20);
  return Buffer.concat([...locals, directory, end, commentBytes]);
}

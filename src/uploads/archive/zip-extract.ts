import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import { Entry, getFileNameLowLevel, openPromise, validateFileName, type ZipFile } from 'yauzl';
import { KilnError } from '../../errors/kiln-error';
import { parseAssetFilePath } from '../asset-file-path';
import { ArchiveTooLargeError, ArchiveUnreadableError, UnsafeArchiveError } from '../upload.errors';

/** The caps on one zip's extraction (KILN_ZIP_MAX_ENTRIES, KILN_ZIP_MAX_BYTES, KILN_ZIP_MAX_RATIO). */
export interface ZipLimits {
  /** Most entries the zip may list: files, folders and skipped entries alike. */
  maxEntries: number;
  /** Most bytes its files may inflate to, together. */
  maxBytes: number;
  /** Most a file may be compressed (inflated ÷ compressed bytes), once it is over `RATIO_FREE_BYTES`. */
  maxRatio: number;
}

/**
 * An entry up to this size is not held to the ratio cap: a small file of zeros or repeated text
 * compresses far beyond any sane ratio and harms no one. The total cap still counts it.
 */
export const RATIO_FREE_BYTES = 1024 * 1024;

/** A file of the zip, inflated into a temp file of its own. */
export interface ExtractedEntry {
  /** The entry's path in the zip: relative, `/`-separated, checked (see `parseAssetFilePath`). */
  path: string;
  tempPath: string;
  bytes: number;
  sha256: string;
  /** The first bytes, for sniffing. */
  head: Buffer;
}

/** Where extracted files go: fresh temp paths, and their removal. */
export interface TempFiles {
  path(): string;
  remove(path: string): Promise<void>;
}

/**
 * Extracts a zip's files, safely, to temp files: one file per entry, hashed while it is written.
 * Nothing is written under the entry's own name, so no entry can reach outside the temp folder;
 * the checked entry paths become the asset's relative paths.
 *
 * First the whole central directory is checked, before a byte is inflated: the entry count, every
 * name (no `..`, absolute path, drive letter, backslash or control character), every file type
 * (a symbolic link or a device is refused), duplicates, a path that is both a file and a folder,
 * encryption and compression methods, and the declared sizes against the caps. Then each file is
 * inflated with its real bytes counted: an entry that inflates past the size its header declares
 * is stopped at once, so the caps checked on the declared sizes bound the real ones; a file that
 * ends short of it or fails its CRC-32 is corrupt.
 *
 * Skipped (documented in docs/decisions.md): folder entries (folders are implied by the paths),
 * `__MACOSX/` (macOS resource forks), every path with a segment starting with `.` (`.DS_Store`,
 * `.git/`, AppleDouble `._x`), and `Thumbs.db` / `desktop.ini`. Skipped entries are still checked
 * for safety and counted against the entry cap, but are never inflated.
 *
 * On any failure every temp file written so far is removed before the error is thrown.
 */
export async function extractZip(
  zipPath: string,
  archiveName: string,
  limits: ZipLimits,
  temp: TempFiles,
  headBytes: number,
): Promise<ExtractedEntry[]> {
  let zipfile: ZipFile;
  try {
    // decodeStrings off: names are decoded and checked below, so a bad one is a clear error of
    // ours. Entry sizes are checked below against the real bytes, so yauzl's own check is off.
    zipfile = await openPromise(zipPath, {
      autoClose: false,
      decodeStrings: false,
      validateEntrySizes: false,
      strictFileNames: true,
    });
  } catch (error) {
    throw asArchiveError(error, archiveName);
  }
  const written: string[] = [];
  try {
    const files = await readDirectory(zipfile, archiveName, limits);
    const extracted: ExtractedEntry[] = [];
    for (const file of files) {
      const tempPath = temp.path();
      written.push(tempPath); // before the first byte, so a failure half-way removes it too
      const contents = await inflate(zipfile, file, tempPath, archiveName, headBytes);
      extracted.push({ path: file.path, tempPath, ...contents });
    }
    return extracted;
  } catch (error) {
    await Promise.all(written.map((path) => temp.remove(path)));
    throw asArchiveError(error, archiveName);
  } finally {
    zipfile.close();
  }
}

/**
 * What the zip reader threw, as the archive's fault (`ARCHIVE_UNREADABLE`), unless it is ours
 * already or a system call failed (a full disk is not the upload's fault: it stays a 500).
 */
function asArchiveError(error: unknown, archive: string, entry?: string): unknown {
  if (error instanceof KilnError || (error instanceof Error && 'syscall' in error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new ArchiveUnreadableError(
    archive,
    entry === undefined
      ? message
      : `its entry ${JSON.stringify(entry)} could not be inflated (${message})`,
  );
}

/** A file entry that passed the directory checks: its path and what `inflate` needs of its record. */
interface ListedFile {
  path: string;
  entry: Entry;
}

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;
const DEFLATE = 8;
const STORE = 0;

async function readDirectory(
  zipfile: ZipFile,
  archive: string,
  limits: ZipLimits,
): Promise<ListedFile[]> {
  if (zipfile.entryCount > limits.maxEntries) {
    throw new ArchiveTooLargeError(
      archive,
      `it lists ${zipfile.entryCount} entries, more than the ${limits.maxEntries} allowed (KILN_ZIP_MAX_ENTRIES)`,
    );
  }
  const files: ListedFile[] = [];
  const paths = new Set<string>();
  let declaredBytes = 0;
  for await (const entry of zipfile.eachEntry()) {
    const name = getFileNameLowLevel(
      entry.generalPurposeBitFlag,
      entry.fileNameRaw,
      entry.extraFields,
      true,
    );
    const parsed = parseAssetFilePath(name);
    if (!parsed.ok) throw new UnsafeArchiveError(archive, name, parsed.problem);
    const yauzlObjection = validateFileName(name); // a second opinion, from the zip library
    if (yauzlObjection !== null)
      throw new UnsafeArchiveError(
        archive,
        name,
        `is refused by the zip reader (${yauzlObjection})`,
      );

    const type = (entry.externalFileAttributes >>> 16) & S_IFMT;
    if (type === S_IFLNK) throw new UnsafeArchiveError(archive, name, 'is a symbolic link');
    if (type !== 0 && type !== S_IFREG && type !== S_IFDIR)
      throw new UnsafeArchiveError(archive, name, 'is a special file (a device, pipe or socket)');
    if (name.endsWith('/') || type === S_IFDIR || isSkipped(parsed.path)) continue;

    if (entry.isEncrypted())
      throw new ArchiveUnreadableError(archive, `its entry ${JSON.stringify(name)} is encrypted`);
    if (entry.compressionMethod !== DEFLATE && entry.compressionMethod !== STORE) {
      throw new ArchiveUnreadableError(
        archive,
        `its entry ${JSON.stringify(name)} uses compression method ${entry.compressionMethod}; Kiln reads Deflate and stored entries`,
      );
    }
    if (paths.has(parsed.path))
      throw new UnsafeArchiveError(archive, name, `names the path "${parsed.path}" a second time`);
    paths.add(parsed.path);

    const size = entry.uncompressedSize;
    if (size > RATIO_FREE_BYTES && size > limits.maxRatio * entry.compressedSize) {
      throw new ArchiveTooLargeError(
        archive,
        `its entry ${JSON.stringify(name)} is compressed ${Math.round(size / Math.max(entry.compressedSize, 1))}:1, more than the ${limits.maxRatio}:1 allowed (KILN_ZIP_MAX_RATIO), as zip bombs are`,
      );
    }
    declaredBytes += size;
    if (declaredBytes > limits.maxBytes) {
      throw new ArchiveTooLargeError(
        archive,
        `its files inflate to more than the ${limits.maxBytes} bytes allowed (KILN_ZIP_MAX_BYTES)`,
      );
    }
    files.push({ path: parsed.path, entry: recordOf(entry) });
  }
  const folders = new Set(
    [...paths].flatMap((path) =>
      path
        .split('/')
        .slice(0, -1)
        .map((_, i, segments) => segments.slice(0, i + 1).join('/')),
    ),
  );
  const both = [...paths].find((path) => folders.has(path));
  if (both) throw new UnsafeArchiveError(archive, both, 'is both a file and a folder');
  return files;
}

const SKIPPED_NAMES = new Set(['thumbs.db', 'desktop.ini']);

/** Archive litter, never part of an asset: see `extractZip`. */
export function isSkipped(path: string): boolean {
  const segments = path.split('/');
  return (
    segments[0] === '__MACOSX' ||
    segments.some((segment) => segment.startsWith('.')) ||
    SKIPPED_NAMES.has(segments[segments.length - 1].toLowerCase())
  );
}

/**
 * A copy of the entry with only what reading its data needs. yauzl's own entry keeps its name,
 * extra field and comment buffers (up to 192 KiB each), which 10,000 entries would hold at once.
 */
function recordOf(entry: Entry): Entry {
  const record = new Entry();
  record.generalPurposeBitFlag = entry.generalPurposeBitFlag;
  record.compressionMethod = entry.compressionMethod;
  record.compressedSize = entry.compressedSize;
  record.uncompressedSize = entry.uncompressedSize;
  record.crc32 = entry.crc32;
  record.relativeOffsetOfLocalHeader = entry.relativeOffsetOfLocalHeader;
  return record;
}

async function inflate(
  zipfile: ZipFile,
  { path, entry }: ListedFile,
  tempPath: string,
  archive: string,
  headBytes: number,
): Promise<Omit<ExtractedEntry, 'path' | 'tempPath'>> {
  const declared = entry.uncompressedSize;
  const hash = createHash('sha256');
  const head: Buffer[] = [];
  let kept = 0;
  let bytes = 0;
  let crc = 0;
  const out = await open(tempPath, 'wx');
  try {
    const stream = await zipfile.openReadStreamPromise(entry);
    // Leaving the loop (a throw included) destroys the stream: inflating stops there.
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      if (bytes > declared) {
        throw new UnsafeArchiveError(
          archive,
          path,
          `inflates past the ${declared} bytes its header declares (a crafted or corrupt zip)`,
        );
      }
      hash.update(chunk);
      crc = crc32(chunk, crc);
      if (kept < headBytes) {
        head.push(chunk.subarray(0, headBytes - kept));
        kept += Math.min(chunk.length, headBytes - kept);
      }
      await out.write(chunk);
    }
  } catch (error) {
    throw asArchiveError(error, archive, path);
  } finally {
    await out.close();
  }
  if (bytes < declared) {
    throw new ArchiveUnreadableError(
      archive,
      `its entry ${JSON.stringify(path)} holds ${bytes} bytes, fewer than the ${declared} its header declares`,
    );
  }
  if (crc >>> 0 !== entry.crc32) {
    throw new ArchiveUnreadableError(
      archive,
      `its entry ${JSON.stringify(path)} is corrupt (its CRC-32 does not match)`,
    );
  }
  return { bytes, sha256: hash.digest('hex'), head: Buffer.concat(head) };
}

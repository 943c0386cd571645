import { crc32 } from 'node:zlib';
import { substanceParseFailed } from './substance-errors';

/** The six bytes every 7z archive (and so every .sbsar) starts with: `7z¼¯'\x1c`. */
export const SEVEN_ZIP_MAGIC = [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c] as const;

/** The signature header: magic, version, start-header CRC, and where the archive's header lies. */
export const SEVEN_ZIP_SIGNATURE_HEADER_BYTES = 32;

/** Whether the bytes start like a 7z archive; the sniffer's test (the rest is checked on processing). */
export function isSevenZip(head: Uint8Array): boolean {
  return head.length >= SEVEN_ZIP_MAGIC.length && SEVEN_ZIP_MAGIC.every((b, i) => head[i] === b);
}

/** Where the archive's (end) header lies, from a signature header that checked out. */
export interface SevenZipHeaderInfo {
  /** Version of the format, `major.minor` (0.4 for 7-Zip 9.x and later). */
  version: string;
  /** Offset of the end header from the file's start. */
  nextHeaderOffset: number;
  nextHeaderBytes: number;
}

/**
 * Checks a 7z file's framing before any decoder sees it: the magic, a major version of 0, the
 * start header's CRC, that the end header lies inside the file (a truncated upload fails here),
 * that it is not larger than `maxHeaderBytes`, and its CRC. `read(offset, length)` answers bytes
 * of the file. Throws `SUBSTANCE_PARSE_FAILED` saying which check failed.
 */
export async function checkSevenZipHeader(
  read: (offset: number, length: number) => Promise<Uint8Array>,
  fileBytes: number,
  maxHeaderBytes: number,
): Promise<SevenZipHeaderInfo> {
  if (fileBytes < SEVEN_ZIP_SIGNATURE_HEADER_BYTES)
    throw substanceParseFailed(`The file is ${fileBytes} bytes, too short for a 7z archive.`);
  const start = Buffer.from(await read(0, SEVEN_ZIP_SIGNATURE_HEADER_BYTES));
  if (!isSevenZip(start)) throw substanceParseFailed('The file is not a 7z archive (wrong magic).');
  if (start[6] !== 0)
    throw substanceParseFailed(
      `The 7z format version ${start[6]}.${start[7]} is not one Kiln reads.`,
    );
  if (crc32(start.subarray(12, 32)) !== start.readUInt32LE(8))
    throw substanceParseFailed('The 7z start header is corrupt (CRC mismatch).');
  const offset = start.readBigUInt64LE(12);
  const size = start.readBigUInt64LE(20);
  const end = BigInt(SEVEN_ZIP_SIGNATURE_HEADER_BYTES) + offset + size;
  if (size === 0n || end > BigInt(fileBytes))
    throw substanceParseFailed(
      `The 7z archive is truncated: its header ends at byte ${end}, the file has ${fileBytes}.`,
    );
  if (size > BigInt(maxHeaderBytes))
    throw substanceParseFailed(
      `The 7z header is ${size} bytes, over the ${maxHeaderBytes} bytes Kiln reads.`,
    );
  const nextHeaderOffset = SEVEN_ZIP_SIGNATURE_HEADER_BYTES + Number(offset);
  const nextHeaderBytes = Number(size);
  const header = await read(nextHeaderOffset, nextHeaderBytes);
  if (header.length !== nextHeaderBytes || crc32(header) !== start.readUInt32LE(28))
    throw substanceParseFailed('The 7z header is corrupt (CRC mismatch).');
  return { version: `${start[6]}.${start[7]}`, nextHeaderOffset, nextHeaderBytes };
}

import { HttpStatus } from '@nestjs/common';
import { KilnError } from '../errors/kiln-error';
import { FILE_FORMATS, type FileFormat } from '../processing/sniff/file-formats';

/** The formats a file can be alone, for the message that names what Kiln takes. */
const ASSET_FORMATS = (Object.keys(FILE_FORMATS) as FileFormat[])
  .filter((format) => FILE_FORMATS[format].kind !== null)
  .join(', ');

export class UploadTooLargeError extends KilnError {
  constructor(filename: string, limit: number) {
    super(
      'UPLOAD_TOO_LARGE',
      `"${filename}" is larger than the ${limit}-byte limit per file (KILN_MAX_UPLOAD_BYTES); nothing was stored.`,
      HttpStatus.PAYLOAD_TOO_LARGE,
    );
  }
}

export class UnsupportedKindError extends KilnError {
  /** `empty`: the file has no byte at all, which is said rather than "no supported format". */
  constructor(filename: string, empty = false) {
    super(
      'UNSUPPORTED_KIND',
      empty
        ? `"${filename}" is empty (0 bytes); nothing was stored.`
        : `"${filename}" is not a file Kiln can process (its bytes match no supported format: ${ASSET_FORMATS}, or a zip of a model); nothing was stored.`,
      HttpStatus.UNSUPPORTED_MEDIA_TYPE,
    );
  }
}

/** A file that is only ever part of a model (an .mtl, a glTF .bin) sent without a model that references it. */
export class CompanionWithoutModelError extends KilnError {
  constructor(filename: string, format: FileFormat) {
    super(
      'UNSUPPORTED_KIND',
      `"${filename}" (${FILE_FORMATS[format].name}) is read only as part of a model: it must come with its model (in the same upload, or in one zip with it), and no model in this upload references it; nothing was stored.`,
      HttpStatus.UNSUPPORTED_MEDIA_TYPE,
    );
  }
}

/** A zip that no kind claims: a zip is one asset, of a kind that comes as an archive. */
export class UnsupportedArchiveError extends KilnError {
  /** `accepted`: what a zip of each kind that comes as one holds, e.g. "a model with its files". */
  constructor(archive: string, accepted: readonly string[]) {
    const what =
      accepted.length > 0
        ? `a zip must hold one asset: ${accepted.join('; or ')}`
        : 'no kind of asset can come in a zip yet; upload its files themselves';
    super(
      'UNSUPPORTED_KIND',
      `"${archive}" holds nothing Kiln can process as one asset: ${what}. Nothing was stored.`,
      HttpStatus.UNSUPPORTED_MEDIA_TYPE,
    );
  }
}

/** A zip of a kind's files that cannot be one asset of it (several models side by side). */
export class RefusedArchiveError extends KilnError {
  /** `reason` completes "<archive> holds …". */
  constructor(archive: string, reason: string) {
    super(
      'UNSUPPORTED_KIND',
      `"${archive}" holds ${reason}. Nothing was stored.`,
      HttpStatus.UNSUPPORTED_MEDIA_TYPE,
    );
  }
}

/** An asset of a kind whose pipeline does not exist yet. */
export class KindNotProcessedError extends KilnError {
  constructor(filename: string, kind: string) {
    super(
      'UNSUPPORTED_KIND',
      `"${filename}" is a ${kind} asset, which Kiln cannot process yet; nothing was stored.`,
      HttpStatus.UNSUPPORTED_MEDIA_TYPE,
    );
  }
}

export class BadUploadError extends KilnError {
  constructor(message: string) {
    super('BAD_UPLOAD', message, HttpStatus.BAD_REQUEST);
  }
}

/** A zip over one of the extraction caps: a zip bomb, or simply more than Kiln takes. */
export class ArchiveTooLargeError extends KilnError {
  constructor(archive: string, why: string) {
    super(
      'ARCHIVE_TOO_LARGE',
      `"${archive}" is refused: ${why}. Nothing was stored.`,
      HttpStatus.PAYLOAD_TOO_LARGE,
    );
  }
}

/** A zip entry that could reach outside the asset's folder, or whose headers lie. */
export class UnsafeArchiveError extends KilnError {
  constructor(archive: string, entry: string, why: string) {
    super(
      'UNSAFE_ARCHIVE',
      `"${archive}" is refused: its entry ${JSON.stringify(entry)} ${why}. Nothing was stored.`,
      HttpStatus.UNSUPPORTED_MEDIA_TYPE,
    );
  }
}

/** A zip whose bytes cannot be read (truncated, corrupt, encrypted, an unknown compression). */
export class ArchiveUnreadableError extends KilnError {
  constructor(archive: string, why: string) {
    super(
      'ARCHIVE_UNREADABLE',
      `"${archive}" could not be read as a zip: ${why}. Re-create it with a standard zip tool (Deflate, no password); nothing was stored.`,
      HttpStatus.UNSUPPORTED_MEDIA_TYPE,
    );
  }
}

export class UploadIdleTimeoutError extends KilnError {
  constructor(idleTimeoutMs: number) {
    super(
      'UPLOAD_IDLE_TIMEOUT',
      `The upload sent no byte for ${idleTimeoutMs} ms (KILN_UPLOAD_IDLE_TIMEOUT_MS) and was cut; nothing was stored. Send it again.`,
      HttpStatus.REQUEST_TIMEOUT,
    );
  }
}

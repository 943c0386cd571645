import type { AssetKind } from '../../contract';
import type { FileFormat } from '../../processing/sniff/file-formats';

/** What a grouping sees of one file of an upload. */
export interface GroupableFile {
  /** Relative, `/`-separated: the file's name when uploaded loose, its entry path inside a zip. */
  path: string;
  bytes: number;
  /** What its bytes are; undefined when they match no format Kiln names (a .txt in a zip). */
  format: FileFormat | undefined;
  /**
   * The names of the files its content refers to, as written (an .obj's `mtllib`, an .mtl's
   * textures, a .gltf's buffers and images). Read by the ingestion for the loose files of an
   * upload of several, from the formats that can refer to others; absent otherwise.
   */
  references?: readonly string[];
}

/** One asset: the files a grouping put together, and the one that is primary. */
export interface AssetGroup<F extends GroupableFile = GroupableFile> {
  kind: AssetKind;
  files: F[];
  primary: F;
}

/**
 * How the files of one kind come together as assets. The ingestion flow never changes for a new
 * kind: it adds a grouping here (see `ASSET_GROUPINGS`), pure and testable alone.
 */
export interface AssetGrouping {
  readonly kind: AssetKind;
  /**
   * Takes this kind's assets out of the loose files of one upload (those not in a zip), e.g. an
   * .obj with the .mtl and textures it references, or maps sharing a prefix. It sees only the
   * files the groupings before it left; what it does not take goes on to the next one.
   */
  groupLoose<F extends GroupableFile>(files: readonly F[]): AssetGroup<F>[];
  /** For a kind that comes as a zip (which is always one asset): the test, and the primary. */
  readonly archive?: {
    /** What such a zip holds, for the message when no kind claims a zip: "a model with its files". */
    readonly holds: string;
    /**
     * The primary entry when the zip's entries are one asset of this kind; undefined when they
     * are not (the next kind is asked); `refused` when they are this kind's but cannot be one
     * asset (two models side by side), saying why in words for the person who sent it.
     */
    claim<F extends GroupableFile>(entries: readonly F[]): ArchiveClaim<F> | undefined;
  };
}

/** A kind's answer for a zip of its own: the primary entry, or why the zip cannot be one asset. */
export type ArchiveClaim<F extends GroupableFile> = { primary: F } | { refused: string };

/** One part of an upload in request order: a loose file, or a zip with its extracted entries. */
export type UploadItem<F extends GroupableFile> =
  { file: F } | { archive: { name: string; entries: F[] } };

export type GroupingOutcome<F extends GroupableFile> =
  | { ok: true; assets: AssetGroup<F>[] }
  /** A loose file no grouping took. */
  | { ok: false; unclaimedFile: F }
  /** A zip no kind claimed; `accepted` says what a zip of each kind that comes as one holds. */
  | { ok: false; unclaimedArchive: string; accepted: string[] }
  /** A zip the kind of its files refused: `reason` completes "<name> holds …". */
  | { ok: false; refusedArchive: string; reason: string };

/**
 * Decides the assets of one upload: the loose files pass through the groupings in order, and each
 * zip goes to the first kind that claims it whole. Every file must end in exactly one asset, or
 * the outcome names the first that did not (the upload is then refused whole). Assets come in the
 * order of their first file in the request.
 */
export function groupUpload<F extends GroupableFile>(
  items: readonly UploadItem<F>[],
  groupings: readonly AssetGrouping[],
): GroupingOutcome<F> {
  const position = new Map<F, number>();
  items.forEach((item, index) => {
    if ('file' in item) position.set(item.file, index);
  });

  const assets: Array<{ at: number; group: AssetGroup<F> }> = [];
  let left = items.flatMap((item) => ('file' in item ? [item.file] : []));
  for (const grouping of groupings) {
    if (left.length === 0) break;
    const groups = grouping.groupLoose(left);
    const taken = new Set<F>();
    for (const group of groups) {
      checkGroup(group, grouping.kind, left, taken);
      group.files.forEach((file) => taken.add(file));
      assets.push({ at: Math.min(...group.files.map((file) => position.get(file) ?? 0)), group });
    }
    left = left.filter((file) => !taken.has(file));
  }
  if (left.length > 0) return { ok: false, unclaimedFile: left[0] };

  for (const [index, item] of items.entries()) {
    if (!('archive' in item)) continue;
    const { name, entries } = item.archive;
    const claim = claimArchive(entries, groupings);
    if (claim && 'refused' in claim)
      return { ok: false, refusedArchive: name, reason: claim.refused };
    if (!claim) {
      const accepted = groupings.flatMap((grouping) =>
        grouping.archive ? [grouping.archive.holds] : [],
      );
      return { ok: false, unclaimedArchive: name, accepted };
    }
    assets.push({
      at: index,
      group: { kind: claim.kind, files: [...entries], primary: claim.primary },
    });
  }
  return {
    ok: true,
    assets: assets.sort((a, b) => a.at - b.at).map(({ group }) => group),
  };
}

function claimArchive<F extends GroupableFile>(
  entries: readonly F[],
  groupings: readonly AssetGrouping[],
): { kind: AssetKind; primary: F } | { refused: string } | undefined {
  if (entries.length === 0) return undefined;
  for (const grouping of groupings) {
    const claim = grouping.archive?.claim(entries);
    if (!claim) continue;
    if ('refused' in claim) return claim;
    const { primary } = claim;
    if (!entries.includes(primary))
      throw new Error(`The ${grouping.kind} grouping chose a primary outside the zip`);
    return { kind: grouping.kind, primary };
  }
  return undefined;
}

/** A grouping's result must be a real partition of what it was given: a broken one is a bug. */
function checkGroup<F extends GroupableFile>(
  group: AssetGroup<F>,
  kind: AssetKind,
  given: readonly F[],
  taken: ReadonlySet<F>,
): void {
  const paths = new Set(group.files.map((file) => file.path));
  const problem =
    group.kind !== kind
      ? `made a ${group.kind} asset`
      : group.files.length === 0
        ? 'made an asset of no files'
        : !group.files.includes(group.primary)
          ? 'chose a primary outside its asset'
          : group.files.some((file) => !given.includes(file) || taken.has(file))
            ? 'took a file it was not given, or one twice'
            : paths.size !== group.files.length
              ? 'put two files of one path in an asset'
              : undefined;
  if (problem) throw new Error(`The ${kind} grouping ${problem}`);
}

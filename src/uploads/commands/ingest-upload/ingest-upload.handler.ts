import { Inject } from '@nestjs/common';
import { CommandBus, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import type { AssetFile } from '../../../assets/asset.record';
import { AssetRepository } from '../../../assets/asset.repository';
import { KILN_CONFIG, type KilnConfig } from '../../../config/kiln-config';
import type { UploadedAssetView, UploadResultView } from '../../../contract';
import { isTaskTypeSupported } from '../../../processing/pipelines';
import { FILE_FORMATS, UNKNOWN_CONTENT_TYPE } from '../../../processing/sniff/file-formats';
import { SNIFF_HEAD_BYTES, readSniffInput, sniffFile } from '../../../processing/sniff/file-sniff';
import { STORAGE, type Storage } from '../../../storage/storage';
import { StartTaskCommand } from '../../../tasks/commands/start-task/start-task.command';
import { extractZip, type ZipLimits } from '../../archive/zip-extract';
import { parseAssetFilePath } from '../../asset-file-path';
import { readFileReferences } from '../../file-references';
import {
  groupUpload,
  type AssetGroup,
  type AssetGrouping,
  type GroupableFile,
  type UploadItem,
} from '../../grouping/asset-grouping';
import { ASSET_GROUPINGS_TOKEN } from '../../grouping/asset-groupings';
import { ConcurrencyGate } from '../../concurrency-gate';
import { ingestMultipart, type IngestedFile } from '../../multipart-ingest';
import {
  BadUploadError,
  CompanionWithoutModelError,
  KindNotProcessedError,
  RefusedArchiveError,
  UnsupportedArchiveError,
  UnsupportedKindError,
} from '../../upload.errors';
import { IngestUploadCommand } from './ingest-upload.command';

/** Most files one request may carry. */
export const MAX_FILES_PER_UPLOAD = 100;

/**
 * Uploads whose bodies have arrived that are sniffed, stored and started at once. The rest wait
 * their turn: a hundred uploads arriving together otherwise all advance a step in every turn of
 * the event loop, and every other request (a `GET /tasks/:id`) waits behind all of them (issue
 * 11 §6, docs/performance.md). Their bodies are not held back: a slow client would hold a slot.
 */
export const UPLOAD_STORE_SLOTS = 4;

/** A file of the upload in a temp file, hashed and sniffed: one sent loose, or a zip's entry. */
interface StagedFile extends GroupableFile {
  tempPath: string;
  sha256: string;
  contentType: string;
}

/**
 * The upload use-case, all or nothing: receive every file into temp files, open zips (safely,
 * see zip-extract.ts), sniff every file, group the files into assets, and only when every check
 * that depends on the upload's content has passed, store the blobs, create the assets and start
 * a `process` task for each. Every temp file of the upload is removed at the end, whatever
 * happened; a refused upload leaves no blob, asset or task.
 */
@CommandHandler(IngestUploadCommand)
export class IngestUploadHandler implements ICommandHandler<IngestUploadCommand> {
  constructor(
    private readonly assets: AssetRepository,
    private readonly commands: CommandBus,
    @Inject(STORAGE) private readonly storage: Storage,
    @Inject(KILN_CONFIG) private readonly config: KilnConfig,
    @Inject(ASSET_GROUPINGS_TOKEN) private readonly groupings: readonly AssetGrouping[],
  ) {}

  private readonly storing = new ConcurrencyGate(UPLOAD_STORE_SLOTS);

  async execute({ request, ownerId, sessionId }: IngestUploadCommand): Promise<UploadResultView> {
    const received = await ingestMultipart(
      request,
      {
        maxFileBytes: this.config.maxUploadBytes,
        maxFiles: MAX_FILES_PER_UPLOAD,
        headBytes: SNIFF_HEAD_BYTES,
        idleTimeoutMs: this.config.uploadIdleTimeoutMs,
      },
      () => this.storage.tempPath('.upload'),
      (path) => this.storage.removeTemp(path),
    );
    return this.storing.run(() => this.admit(received, ownerId, sessionId));
  }

  /** The received files sniffed, grouped and stored, with a task each; every temp file removed. */
  private async admit(
    received: readonly IngestedFile[],
    ownerId: string,
    sessionId: string,
  ): Promise<UploadResultView> {
    // Every temp file this upload made; a stored one was moved away already, so removing is a no-op.
    const temps = received.map((file) => file.tempPath);
    try {
      const items: UploadItem<StagedFile>[] = [];
      for (const file of received) {
        const path = parseAssetFilePath(file.filename);
        if (!path.ok)
          throw new BadUploadError(
            `The file name ${JSON.stringify(file.filename)} ${path.problem}; rename the file and upload again.`,
          );
        const sniffed = sniffFile(
          await readSniffInput(file.tempPath, file.filename, { head: file.head, size: file.bytes }),
        );
        if (sniffed?.format !== 'zip') {
          items.push({ file: { ...file, path: path.path, ...this.formatOf(sniffed) } });
          continue;
        }
        const entries = await extractZip(
          file.tempPath,
          file.filename,
          this.zipLimits(),
          {
            path: () => this.storage.tempPath('.entry'),
            remove: (entryPath) => this.storage.removeTemp(entryPath),
          },
          SNIFF_HEAD_BYTES,
        );
        temps.push(...entries.map((entry) => entry.tempPath));
        await this.storage.removeTemp(file.tempPath); // the zip is its entries now
        // Head only: a zip inside stays a file, so no entry needs its tail read (10,000 entries
        // would cost 10,000 opens).
        const staged = entries.map((entry) => ({
          ...entry,
          ...this.formatOf(
            sniffFile({ head: entry.head, filename: entry.path, size: entry.bytes }),
          ),
        }));
        items.push({ archive: { name: file.filename, entries: staged } });
      }
      await this.readReferences(items);
      const groups = this.group(items);
      return { assets: await this.store(groups, ownerId, sessionId) };
    } finally {
      await Promise.all(temps.map((path) => this.storage.removeTemp(path)));
    }
  }

  private formatOf(
    sniffed: ReturnType<typeof sniffFile>,
  ): Pick<StagedFile, 'format' | 'contentType'> {
    return {
      format: sniffed?.format,
      contentType: sniffed?.contentType ?? UNKNOWN_CONTENT_TYPE,
    };
  }

  /**
   * What the loose files refer to, for the groupings that put a model with its files. Read only
   * when something could be referred to: another loose file that is not itself a model (models
   * are never a part of another).
   */
  private async readReferences(items: readonly UploadItem<StagedFile>[]): Promise<void> {
    const loose = items.flatMap((item) => ('file' in item ? [item.file] : []));
    const isModel = (file: StagedFile) =>
      file.format !== undefined && FILE_FORMATS[file.format].kind === 'mesh';
    if (loose.length < 2 || loose.every(isModel)) return;
    for (const file of loose)
      file.references = await readFileReferences(file.tempPath, file.format, file.bytes);
  }

  private zipLimits(): ZipLimits {
    return {
      maxEntries: this.config.zipMaxEntries,
      maxBytes: this.config.zipMaxBytes,
      maxRatio: this.config.zipMaxRatio,
    };
  }

  /** The assets of the upload, or the refusal of the whole upload. */
  private group(items: readonly UploadItem<StagedFile>[]): AssetGroup<StagedFile>[] {
    const outcome = groupUpload(items, this.groupings);
    if (!outcome.ok) {
      if ('refusedArchive' in outcome)
        throw new RefusedArchiveError(outcome.refusedArchive, outcome.reason);
      if ('unclaimedArchive' in outcome)
        throw new UnsupportedArchiveError(outcome.unclaimedArchive, outcome.accepted);
      const { path, format, bytes } = outcome.unclaimedFile;
      throw format && FILE_FORMATS[format].kind === null
        ? new CompanionWithoutModelError(path, format)
        : new UnsupportedKindError(path, bytes === 0);
    }
    const unprocessed = outcome.assets.find((group) => !isTaskTypeSupported(group.kind, 'process'));
    if (unprocessed) throw new KindNotProcessedError(unprocessed.primary.path, unprocessed.kind);
    return outcome.assets;
  }

  /**
   * Everything the upload's content decides was checked before this: from here on only the disk
   * and Redis can fail. Every blob is stored first, then each asset and its task.
   */
  private async store(
    groups: readonly AssetGroup<StagedFile>[],
    ownerId: string,
    sessionId: string,
  ): Promise<UploadedAssetView[]> {
    const stored = new Map<StagedFile, AssetFile>();
    for (const file of groups.flatMap((group) => group.files)) {
      const blob = await this.storage.putFile(file.tempPath, file.sha256);
      stored.set(file, { path: file.path, ...blob, contentType: file.contentType });
    }
    const uploaded: UploadedAssetView[] = [];
    for (const group of groups) {
      const primary = stored.get(group.primary) as AssetFile;
      const asset = await this.assets.create({
        id: randomUUID(),
        ownerId,
        kind: group.kind,
        format: group.primary.format ?? 'unknown', // a grouping picks a primary of a known format
        files: group.files.map((file) => stored.get(file) as AssetFile),
        primary: primary.path,
        createdAt: new Date().toISOString(),
      });
      const { taskId } = await this.commands.execute(
        new StartTaskCommand(asset.id, asset.kind, ownerId, sessionId, 'process', {}, 'upload'),
      );
      uploaded.push({
        id: asset.id,
        filename: primary.path.slice(primary.path.lastIndexOf('/') + 1),
        kind: asset.kind,
        bytes: primary.bytes,
        sha256: primary.sha256,
        taskId,
      });
    }
    return uploaded;
  }
}

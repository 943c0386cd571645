import { Injectable } from '@nestjs/common';
import { AssetRepository } from '../../assets/asset.repository';
import { AssetOutputView } from '../../assets/asset.view';
import { OutputUrlSigner } from '../../assets/output-url-signer';
import type { TaskSnapshot } from '../domain/task.aggregate';
import { TaskView } from './task.view';

/** Task views with their outputs' files: reads each task's asset once, however many tasks share it. */
@Injectable()
export class TaskViews {
  constructor(
    private readonly assets: AssetRepository,
    private readonly signer: OutputUrlSigner,
  ) {}

  async of(snapshots: readonly TaskSnapshot[]): Promise<TaskView[]> {
    const assetIds = [...new Set(snapshots.map((snapshot) => snapshot.assetId))];
    const assets = new Map(
      await Promise.all(assetIds.map(async (id) => [id, await this.assets.get(id)] as const)),
    );
    return snapshots.map((snapshot) => {
      const asset = assets.get(snapshot.assetId);
      const files = asset ? AssetOutputView.list(asset, this.signer, snapshot.outputs) : [];
      return TaskView.of(snapshot, files);
    });
  }
}

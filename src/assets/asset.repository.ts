import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { RedisKeys } from '../redis/redis-keys';
import { REDIS } from '../redis/redis.tokens';
import { STEP_NAMES, type StepName } from '../contract';
import type { AssetFile, AssetOutput, AssetRecord, NewAsset } from './asset.record';

const OUTPUT_FIELD = 'output:';
const METADATA_FIELD = 'metadata:';

/**
 * Assets in Redis: one hash per asset. Each output is a field of its own, and so is the metadata
 * each step found (`metadata:<step>`), so recording a step's results is one write, with no read
 * before it, and two tasks of one asset can record at the same time without overwriting each
 * other. The asset's `metadata` is the steps' metadata merged in `STEP_NAMES` order.
 */
@Injectable()
export class AssetRepository {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  async create(asset: NewAsset): Promise<AssetRecord> {
    const createdAtMs = Date.parse(asset.createdAt);
    await this.redis
      .multi()
      .hset(this.keys.asset(asset.id), {
        id: asset.id,
        ownerId: asset.ownerId,
        kind: asset.kind,
        format: asset.format,
        files: JSON.stringify(asset.files),
        primary: asset.primary,
        createdAt: asset.createdAt,
        metadata: '{}',
      })
      .zadd(this.keys.userAssets(asset.ownerId), createdAtMs, asset.id)
      .exec();
    return { ...asset, metadata: {}, outputs: [] };
  }

  async get(assetId: string): Promise<AssetRecord | undefined> {
    const fields = await this.redis.hgetall(this.keys.asset(assetId));
    return fields.id ? toRecord(fields) : undefined;
  }

  /** The asset when it exists and belongs to the owner; another user's asset reads as missing. */
  async getOwned(assetId: string, ownerId: string): Promise<AssetRecord | undefined> {
    const asset = await this.get(assetId);
    return asset?.ownerId === ownerId ? asset : undefined;
  }

  /** Newest first. */
  async listOwned(ownerId: string, limit: number): Promise<AssetRecord[]> {
    const ids = await this.redis.zrevrange(this.keys.userAssets(ownerId), 0, limit - 1);
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.keys.asset(id));
    const results = (await pipeline.exec()) ?? [];
    return results
      .map(([, fields]) => fields as Record<string, string>)
      .filter((fields) => fields?.id)
      .map(toRecord);
  }

  /** Records a step's outputs (a later output of the same name replaces the earlier) and metadata. */
  async recordResults(
    assetId: string,
    step: StepName,
    outputs: readonly AssetOutput[],
    metadata?: Record<string, unknown>,
  ): Promise<void> {
    const fields = this.resultFields(step, outputs, metadata);
    if (Object.keys(fields).length > 0) await this.redis.hset(this.keys.asset(assetId), fields);
  }

  /**
   * The hash fields that record a step's results: what `recordResults` writes, for a caller that
   * writes them in a script of its own (the task outbox records them with the task's event).
   */
  resultFields(
    step: StepName,
    outputs: readonly AssetOutput[],
    metadata?: Record<string, unknown>,
  ): Record<string, string> {
    const fields: Record<string, string> = {};
    for (const output of outputs) fields[OUTPUT_FIELD + output.name] = JSON.stringify(output);
    if (metadata) fields[METADATA_FIELD + step] = JSON.stringify(metadata);
    return fields;
  }
}

function toRecord(fields: Record<string, string>): AssetRecord {
  const outputs = Object.entries(fields)
    .filter(([field]) => field.startsWith(OUTPUT_FIELD))
    .map(([, json]) => JSON.parse(json) as AssetOutput)
    .sort((a, b) => a.name.localeCompare(b.name));
  return {
    id: fields.id,
    ownerId: fields.ownerId,
    kind: fields.kind as AssetRecord['kind'],
    format: fields.format,
    files: JSON.parse(fields.files) as AssetFile[],
    primary: fields.primary,
    createdAt: fields.createdAt,
    metadata: mergedMetadata(fields),
    outputs,
  };
}

/** The base `metadata` field, then each step's in `STEP_NAMES` order (a later one's keys win). */
function mergedMetadata(fields: Record<string, string>): Record<string, unknown> {
  const merged = JSON.parse(fields.metadata ?? '{}') as Record<string, unknown>;
  for (const step of STEP_NAMES) {
    const json = fields[METADATA_FIELD + step];
    if (json) Object.assign(merged, JSON.parse(json) as Record<string, unknown>);
  }
  return merged;
}

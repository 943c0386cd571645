import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { RedisKeys } from '../redis/redis-keys';
import { REDIS } from '../redis/redis.tokens';
import type { AssetFile, AssetOutput, AssetRecord, NewAsset } from './asset.record';

const OUTPUT_FIELD = 'output:';

/**
 * Assets in Redis: one hash per asset. Each output is a field of its own, so two tasks of one
 * asset can record outputs at the same time without overwriting each other.
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

  /** Records outputs (a later output of the same name replaces the earlier) and merges metadata. */
  async recordResults(
    assetId: string,
    outputs: AssetOutput[],
    metadata?: Record<string, unknown>,
  ): Promise<void> {
    const key = this.keys.asset(assetId);
    const fields: Record<string, string> = {};
    for (const output of outputs) fields[OUTPUT_FIELD + output.name] = JSON.stringify(output);
    if (metadata) {
      const current = JSON.parse((await this.redis.hget(key, 'metadata')) ?? '{}') as Record<
        string,
        unknown
      >;
      fields.metadata = JSON.stringify({ ...current, ...metadata });
    }
    if (Object.keys(fields).length > 0) await this.redis.hset(key, fields);
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
    metadata: JSON.parse(fields.metadata ?? '{}') as Record<string, unknown>,
    outputs,
  };
}

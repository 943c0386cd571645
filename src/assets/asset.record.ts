import type { AssetKind } from '../contract';

/** One file of an asset: a content-addressed blob at a relative path in the asset's folder. */
export interface AssetFile {
  /** Relative, `/`-separated, never `..` or absolute: `model.obj`, `textures/wood.jpg`. */
  path: string;
  bytes: number;
  sha256: string;
  contentType: string;
}

/** One output file of an asset, stored as a blob. */
export interface AssetOutput {
  name: string;
  contentType: string;
  bytes: number;
  sha256: string;
}

/** An uploaded set of files (one of them primary) and what processing learned and made from it. */
export interface AssetRecord {
  id: string;
  ownerId: string;
  kind: AssetKind;
  /** The primary file's format, sniffed from its bytes, e.g. `png`, `obj`. */
  format: string;
  files: AssetFile[];
  /** `path` of the primary file in `files`: the model, the one image. */
  primary: string;
  createdAt: string;
  metadata: Record<string, unknown>;
  outputs: AssetOutput[];
}

export type NewAsset = Omit<AssetRecord, 'metadata' | 'outputs'>;

/** The asset's primary file (the record always holds it). */
export function primaryFile(asset: Pick<AssetRecord, 'files' | 'primary' | 'id'>): AssetFile {
  const file = asset.files.find((candidate) => candidate.path === asset.primary);
  if (!file) throw new Error(`Asset ${asset.id} lists no primary file "${asset.primary}"`);
  return file;
}

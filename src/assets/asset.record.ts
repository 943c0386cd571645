import type { AssetKind } from '../realtime/realtime.contract';

/** One output file of an asset, stored as a blob. */
export interface AssetOutput {
  name: string;
  contentType: string;
  bytes: number;
  sha256: string;
}

/** An uploaded file and what processing learned and made from it. */
export interface AssetRecord {
  id: string;
  ownerId: string;
  filename: string;
  kind: AssetKind;
  /** The sniffed file format, e.g. `png`, `tga`. */
  format: string;
  bytes: number;
  sha256: string;
  createdAt: string;
  metadata: Record<string, unknown>;
  outputs: AssetOutput[];
}

export type NewAsset = Omit<AssetRecord, 'metadata' | 'outputs'>;

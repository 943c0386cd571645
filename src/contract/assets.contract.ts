/** The kinds of asset Kiln knows, decided from an upload's bytes. */
export const ASSET_KINDS = ['image', 'mesh', 'texture-set', 'substance'] as const;
export type AssetKind = (typeof ASSET_KINDS)[number];

/** One file of an asset, at its path relative to the asset's folder (`/`-separated). */
export interface AssetFileView {
  /** e.g. `model.obj`, `textures/wood.jpg`. */
  path: string;
  bytes: number;
  /** SHA-256 of the bytes, hex: the blob it is stored as. */
  sha256: string;
  contentType: string;
}

/** One output a step left on the asset. */
export interface AssetOutputView {
  /** e.g. `thumbnail.png`, `metadata.json`. */
  name: string;
  contentType: string;
  bytes: number;
  /** Download path (send the same bearer token). */
  url: string;
  /**
   * The same path with an expiring signature (`?exp=…&sig=…`): works without an `Authorization`
   * header, so a browser can use it in `<img src>` or a loader, until `signedUrlExpiresAt`.
   */
  signedUrl: string;
  /** When `signedUrl` stops working (`KILN_OUTPUT_URL_TTL` after the answer), ISO 8601. */
  signedUrlExpiresAt: string;
}

/** An asset as `GET /assets/:id` shows it. */
export interface AssetView {
  id: string;
  /** The primary file's name (the model of an OBJ with its .mtl, the one image). */
  filename: string;
  kind: AssetKind;
  /** The primary file's format, sniffed from its bytes, e.g. `png`, `obj`. */
  format: string;
  /** The primary file's size. */
  bytes: number;
  /** The primary file's SHA-256, hex. */
  sha256: string;
  /** Every file of the asset, the primary among them. */
  files: AssetFileView[];
  /** `path` of the primary file in `files`. */
  primary: string;
  createdAt: string;
  /** What inspection found. */
  metadata: Record<string, unknown>;
  outputs: AssetOutputView[];
}

/** One asset an upload created. */
export interface UploadedAssetView {
  id: string;
  filename: string;
  kind: AssetKind;
  bytes: number;
  sha256: string;
  /** The `process` task started for it. */
  taskId: string;
}

/** The answer of `POST /uploads`. */
export interface UploadResultView {
  assets: UploadedAssetView[];
}

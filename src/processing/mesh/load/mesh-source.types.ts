import type { Document } from '@gltf-transform/core';

/** The model formats Kiln reads (the sniffer's format names for them). */
export const MESH_FORMATS = ['gltf', 'glb', 'obj', 'fbx', 'stl', 'ply', 'dae'] as const;
export type MeshFormat = (typeof MESH_FORMATS)[number];

/**
 * A model as read from its source files, before `convert` writes it: a gltf-transform Document in
 * glTF's conventions (Y-up, metres where the file states its unit; the loader applied the file's
 * own axis and unit), with every texture it found embedded (PNG or JPEG bytes), and what the file
 * said about itself.
 */
export interface MeshSource {
  document: Document;
  format: MeshFormat;
  /** As the file states it: `glTF 2.0`, `FBX 7400 (binary)`, `COLLADA 1.4.1`, `PLY 1.0 binary_little_endian`. */
  formatVersion?: string;
  /** The up axis the file declared (`Z` for a Z-up COLLADA or FBX), before it was turned to Y-up. */
  sourceUpAxis?: 'X' | 'Y' | 'Z';
  /** Metres per unit of the file, where it states one (0.01 for an FBX in centimetres). */
  sourceUnitMetres?: number;
  /** Things a person should know: missing or refused textures, dropped features. */
  warnings: string[];
}

/** What a loader is given: the model's file inside the asset's read-only folder. */
export interface MeshLoadInput {
  /** The asset's folder; nothing outside it is read. */
  inputDir: string;
  /** The model file's path relative to `inputDir`, `/`-separated. */
  primary: string;
  format: MeshFormat;
  signal: AbortSignal;
  /** How far reading is, 0-1. */
  progress: (fraction: number) => void;
}

import { writeFile } from 'node:fs/promises';
import sharp from 'sharp';
import { writeOutputAtomically } from '../atomic-output';
import { IMAGE_PIXEL_LIMIT } from '../image/image-decode';
import { primaryPath } from '../step-folder';
import { parseStepOptions } from '../step-options';
import type { StepContext, StepRequest, StepResult } from '../step.types';
import { openSbsar, SBSAR_LIMITS, type SbsarArchive, type SbsarLimits } from './sbsar-archive';
import { findSbsarIcon, readSbsarManifests, type SbsarManifestEntry } from './sbsar-contents';
import type { SubstanceGraph } from './sbsar-manifest';
import { renderSubstanceCard } from './substance-card';

export const METADATA_JSON = 'metadata.json';
export const THUMBNAIL_PNG = 'thumbnail.png';

/** An .sbsar opened and its manifests read: what both steps start from, shared in one task. */
export interface SbsarSource {
  archive: SbsarArchive;
  manifests: SbsarManifestEntry[];
}

/** Opens the asset's .sbsar (checked against `limits`) and reads its manifests. */
export async function openSbsarSource(
  request: Pick<StepRequest, 'inputDir' | 'primary'>,
  limits: Readonly<SbsarLimits> = SBSAR_LIMITS,
): Promise<SbsarSource> {
  const archive = await openSbsar(primaryPath(request), limits);
  return { archive, manifests: readSbsarManifests(archive) };
}

/** What `metadata.json` holds for a Substance archive. */
export interface SubstanceMetadata {
  format: 'sbsar';
  /** The manifest's format version (`2.1`). */
  formatVersion: string | null;
  /** The archive's files and their uncompressed sizes. */
  entries: { path: string; bytes: number }[];
  graphs: SubstanceGraph[];
}

/**
 * `inspect` for Substance archives: `metadata.json` with every graph's description, inputs,
 * outputs and presets as the manifest states them. The asset's `metadata` gets a summary (labels
 * and output usages), the full description staying in the file.
 */
export async function inspectSubstance(
  request: StepRequest,
  ctx: StepContext,
  source?: SbsarSource,
): Promise<StepResult> {
  ctx.progress(0);
  const { archive, manifests } = source ?? (await openSbsarSource(request));
  ctx.progress(0.5);
  const metadata: SubstanceMetadata = {
    format: 'sbsar',
    formatVersion: manifests[0].manifest.formatVersion,
    entries: archive.entries.map(({ path, bytes }) => ({ path, bytes })),
    graphs: manifests.flatMap(({ manifest }) => manifest.graphs),
  };
  const path = await writeOutputAtomically(request.workDir, METADATA_JSON, (temp) =>
    writeFile(temp, `${JSON.stringify(metadata, null, 2)}\n`),
  );
  ctx.progress(1);
  return {
    outputs: [{ name: METADATA_JSON, path, contentType: 'application/json' }],
    metadata: {
      format: 'sbsar',
      graphs: metadata.graphs.map((graph) => ({
        label: graph.label,
        packageUrl: graph.packageUrl,
        category: graph.category,
        inputs: graph.inputs.length,
        outputs: graph.outputs.map((output) => output.usage[0] ?? output.identifier),
        presets: graph.presets.length,
      })),
    },
  };
}

/**
 * `render` for Substance archives: `thumbnail.png`, the archive's own icon scaled to fit
 * `options.size` (never enlarged), or, without one (or with one that does not decode), a card
 * naming the first graph and its outputs. Rendering the graph itself needs Adobe's engine.
 */
export async function renderSubstance(
  request: StepRequest,
  ctx: StepContext,
  source?: SbsarSource,
): Promise<StepResult> {
  const { size } = parseStepOptions('render', request.options);
  ctx.progress(0);
  const { archive, manifests } = source ?? (await openSbsarSource(request));
  ctx.progress(0.4);
  const icon = findSbsarIcon(archive, manifests);
  const png =
    (icon && (await iconThumbnail(archive.extract([icon]).get(icon), size))) ??
    (await renderSubstanceCard(manifests[0].manifest.graphs[0], size));
  const path = await writeOutputAtomically(request.workDir, THUMBNAIL_PNG, (temp) =>
    writeFile(temp, png),
  );
  ctx.progress(1);
  return { outputs: [{ name: THUMBNAIL_PNG, path, contentType: 'image/png' }] };
}

async function iconThumbnail(
  bytes: Uint8Array | undefined,
  size: number,
): Promise<Buffer | undefined> {
  if (!bytes) return undefined;
  try {
    return await sharp(bytes, { limitInputPixels: IMAGE_PIXEL_LIMIT })
      .resize(size, size, { fit: 'inside', withoutEnlargement: true })
      .toColourspace('srgb')
      .png()
      .toBuffer();
  } catch {
    return undefined; // a broken icon is no reason to fail: the card says as much
  }
}

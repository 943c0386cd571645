import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AnimationClip, Group, Loader, Texture } from 'three';
import { requireEsm } from '../../esm-require';
import { asParseFailure, emptyFile, unreadableFile } from './load-failure';
import type { MeshLoadInput, MeshSource } from './mesh-source.types';
import { ensureDomParser, recordingTextureLoader, withQuietConsole } from './node-shims';
import { listAssetFiles } from './resolve-reference';
import { countTriangles, threeToDocument } from './three-to-document';
import { recordedTextureImage, TextureFiles } from './texture-files';

/** The parts of ColladaParser's result the composer needs. */
interface ColladaParsed {
  library: unknown;
  asset: { unit: number; upAxis: string };
  collada: XmlElement;
}
interface XmlElement {
  getAttribute(name: string): string | null;
  getElementsByTagName(name: string): ArrayLike<XmlElement>;
  textContent: string | null;
}
interface ColladaParserModule {
  ColladaParser: new () => { parse(text: string): ColladaParsed | null };
}
interface ColladaComposerModule {
  ColladaComposer: new (
    library: unknown,
    collada: unknown,
    textureLoader: Loader<Texture>,
    tgaLoader: Loader<Texture>,
  ) => { compose(): { scene: Group; animations: AnimationClip[] } };
}

/**
 * Reads a COLLADA (.dae) file with three's ColladaParser and ColladaComposer (what ColladaLoader
 * runs), given our recording texture loader, so textures are resolved by us inside the asset's
 * folder. Like ColladaLoader, the file's `<unit meter>` scales the root and a Z-up (or X-up) file
 * is turned Y-up by the root's rotation, once; skins and animations are kept.
 */
export async function loadDae(input: MeshLoadInput): Promise<MeshSource> {
  const { primary, signal } = input;
  const bytes = await readFile(join(input.inputDir, primary));
  if (bytes.length === 0) throw emptyFile(primary, 'the file is empty');
  const text = bytes.toString('utf8');
  if (!/^\s*(?:\uFEFF)?</.test(text.slice(0, 256)) || !/<COLLADA[\s>]/.test(text)) {
    throw unreadableFile(primary, 'COLLADA', 'it is not XML with a <COLLADA> root');
  }

  const warnings: string[] = [];
  const textures = new TextureFiles(await listAssetFiles(input.inputDir), warnings);
  const { document, upAxis, unit, version } = await asParseFailure(
    primary,
    'COLLADA',
    signal,
    async () => {
      const { ColladaParser } = requireEsm<ColladaParserModule>(
        'three/examples/jsm/loaders/collada/ColladaParser.js',
      );
      const { ColladaComposer } = requireEsm<ColladaComposerModule>(
        'three/examples/jsm/loaders/collada/ColladaComposer.js',
      );
      ensureDomParser();
      const parsed = withQuietConsole(() => new ColladaParser().parse(text));
      if (parsed === null) throw unreadableFile(primary, 'COLLADA', 'it is not well-formed XML');
      checkArrayCounts(parsed.collada, primary);
      input.progress(0.4);
      const loader = recordingTextureLoader();
      const { scene, animations } = withQuietConsole(() =>
        new ColladaComposer(parsed.library, parsed.collada, loader, loader).compose(),
      );
      const upAxis = parsed.asset.upAxis.trim().toUpperCase();
      let unit = parsed.asset.unit;
      const version = parsed.collada.getAttribute('version');
      if (!(unit > 0 && Number.isFinite(unit))) {
        warnings.push(
          `${primary}: <unit meter="${unit}"> is not a positive number; metres assumed`,
        );
        unit = 1;
      }
      if (upAxis === 'Z_UP') scene.rotation.set(-Math.PI / 2, 0, 0);
      else if (upAxis === 'X_UP') scene.rotation.set(0, 0, Math.PI / 2);
      scene.scale.multiplyScalar(unit);
      input.progress(0.7);
      const document = await threeToDocument(
        { root: scene, animations },
        { image: recordedTextureImage(textures, primary), warnings },
      );
      return { document, upAxis, unit, version };
    },
  );
  if (countTriangles(document) === 0) throw emptyFile(primary);
  input.progress(1);
  return {
    document,
    format: 'dae',
    formatVersion: version === null ? 'COLLADA' : `COLLADA ${version}`,
    sourceUpAxis: upAxis === 'Z_UP' ? 'Z' : upAxis === 'X_UP' ? 'X' : 'Y',
    sourceUnitMetres: unit,
    warnings,
  };
}

const ARRAY_ELEMENTS = ['float_array', 'int_array', 'Name_array', 'IDREF_array', 'bool_array'];

/**
 * Every source array must hold the number of values its `count` states. three reads whatever
 * is there, so a file that lies (a truncated export, a fuzzed file) would load as something else.
 */
function checkArrayCounts(collada: XmlElement, primary: string): void {
  for (const name of ARRAY_ELEMENTS) {
    const arrays = collada.getElementsByTagName(name);
    for (let i = 0; i < arrays.length; i++) {
      const array = arrays[i];
      const stated = Number(array.getAttribute('count'));
      const text = (array.textContent ?? '').trim();
      const held = text === '' ? 0 : text.split(/\s+/).length;
      if (held !== stated) {
        const id = array.getAttribute('id') ?? name;
        throw unreadableFile(
          primary,
          'COLLADA',
          `<${name} id="${id}"> states ${array.getAttribute('count')} values but holds ${held}`,
        );
      }
    }
  }
}

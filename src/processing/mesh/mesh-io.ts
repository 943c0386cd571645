import { Logger, NodeIO } from '@gltf-transform/core';
import { ALL_EXTENSIONS } from '@gltf-transform/extensions';
import draco3d from 'draco3dgltf';
import { MeshoptDecoder, MeshoptEncoder } from 'meshoptimizer';

let io: Promise<NodeIO> | undefined;

/**
 * The one glTF reader/writer of a worker thread: every extension gltf-transform knows, with Draco
 * and meshopt both ways, so Draco- and meshopt-compressed GLBs read and `optimize` can write them.
 * The WASM modules load once per thread (memoised).
 *
 * Only `readBinary`, `readJSON` (with resources we resolved) and `writeBinary` are ever called:
 * `read(path)` would resolve a `.gltf`'s URIs itself, `../` included (see mesh loaders).
 */
export function meshIO(): Promise<NodeIO> {
  io ??= (async () => {
    await Promise.all([MeshoptDecoder.ready, MeshoptEncoder.ready]);
    return (
      new NodeIO()
        // Its warnings (an extension it does not read, …) would go to the worker's stdout, once per
        // file; the glTF loader reports them in the asset's metadata instead.
        .setLogger(new Logger(Logger.Verbosity.ERROR))
        .registerExtensions(ALL_EXTENSIONS)
        .registerDependencies({
          'draco3d.decoder': await draco3d.createDecoderModule(),
          'draco3d.encoder': await draco3d.createEncoderModule(),
          'meshopt.decoder': MeshoptDecoder,
          'meshopt.encoder': MeshoptEncoder,
        })
    );
  })();
  return io;
}

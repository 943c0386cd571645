import SevenZip from '7z-wasm';

/**
 * Writes a 7z archive of the given files (path → bytes) with 7-Zip itself (7z-wasm, in memory),
 * for specs that need archives no fixture is: a bomb, too many entries, a hostile manifest.
 */
export async function writeSevenZip(
  files: Record<string, Uint8Array | string>,
  /** More switches for `7z a`, e.g. `-psecret` to encrypt. */
  switches: readonly string[] = [],
): Promise<Buffer> {
  const sevenZip = await SevenZip({ print: () => undefined, printErr: () => undefined });
  sevenZip.FS.mkdir('/in');
  sevenZip.FS.chdir('/in');
  const folders = new Set<string>();
  for (const [path, bytes] of Object.entries(files)) {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i += 1) {
      const folder = parts.slice(0, i).join('/');
      if (!folders.has(folder)) sevenZip.FS.mkdir(folder);
      folders.add(folder);
    }
    sevenZip.FS.writeFile(path, bytes);
  }
  const args = ['a', '-t7z', '-bso0', '-bsp0', ...switches, '/out.7z', ...Object.keys(files)];
  const code = sevenZip.callMain(args) as unknown as number | undefined;
  if (code) throw new Error(`7-Zip could not write the archive (exit ${code})`);
  return Buffer.from(sevenZip.FS.readFile('/out.7z'));
}

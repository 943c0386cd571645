import { randomBytes } from 'node:crypto';
import { rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Writes one output of a step under a temporary name in `workDir`, then renames it to `name`,
 * so the final name never holds half a file, even when the thread dies mid-write. The temporary
 * file is removed when `write` fails.
 *
 * @returns the final path, `workDir/name`.
 */
export async function writeOutputAtomically(
  workDir: string,
  name: string,
  write: (tempPath: string) => Promise<unknown>,
): Promise<string> {
  const finalPath = join(workDir, name);
  const tempPath = join(workDir, `.${name}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await write(tempPath);
    await rename(tempPath, finalPath);
  } catch (error) {
    await unlink(tempPath).catch(() => undefined); // it may never have been created
    throw error;
  }
  return finalPath;
}

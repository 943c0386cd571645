import { chmod, readdir, rm, unlink } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * `rm -rf` that also takes read-only folders: a task's input folder is laid out 0555, and a
 * process that died mid-task leaves it so. On EACCES/EPERM every folder of the tree is made
 * writable (as its owner may) and the removal is tried once more. Missing is fine.
 */
export async function removeTree(path: string): Promise<void> {
  try {
    await rm(path, { recursive: true, force: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EACCES' && code !== 'EPERM') throw error;
    await makeFoldersWritable(path);
    await rm(path, { recursive: true, force: true });
  }
}

async function makeFoldersWritable(dir: string): Promise<void> {
  try {
    await chmod(dir, 0o700);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return;
    throw error;
  }
  const entries = await readdir(dir, { withFileTypes: true });
  await Promise.all(
    entries
      .filter((entry) => entry.isDirectory())
      .map((entry) => makeFoldersWritable(join(dir, entry.name))),
  );
}

/**
 * Removes a path that is most often a single file (an upload's temp file, usually moved into
 * the store already): one `unlink`, and the whole tree only when the path is a folder.
 */
export async function removeFileOrTree(path: string): Promise<void> {
  try {
    await removeFile(path);
  } catch (error) {
    // A folder: EISDIR on Linux, EPERM where unlink(2) refuses folders that way (macOS).
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM') throw error;
    await removeTree(path);
  }
}

/**
 * Removes one file, missing being fine. One `unlink`, where `rm(path, { force: true })` also
 * stats the path twice (its option check, then rimraf's): ~0.6 ms of main-thread CPU a small
 * task in a profile of the throughput bench, whose stored files were all held already and so
 * removed.
 */
export async function removeFile(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

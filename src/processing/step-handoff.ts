import { createHash, randomBytes } from 'node:crypto';
import { constants, createReadStream } from 'node:fs';
import { chmod, copyFile, link, stat } from 'node:fs/promises';
import { isAbsolute, join, relative } from 'node:path';
import type { HandedOffOutput, StepOutput } from './step.types';

/**
 * Hands a finished step's outputs over to the caller, in the worker thread: each is made
 * read-only (a later step reads it; none may change it, since the stored blob will be the same
 * file), hashed (so storage need not read it again on the main thread) and linked under a name
 * of its own in `workDir`, which the caller may move into storage while later steps still read
 * the output under its own name.
 */
export async function handOffOutputs(
  workDir: string,
  outputs: readonly StepOutput[],
): Promise<HandedOffOutput[]> {
  return Promise.all(
    outputs.map(async ({ name, path, contentType }) => {
      const inside = relative(workDir, path);
      if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) {
        throw new Error(`Output "${name}" was written outside the work folder: ${path}`);
      }
      await chmod(path, 0o444);
      const handoff = join(workDir, `.handoff-${randomBytes(8).toString('hex')}`);
      try {
        await link(path, handoff);
      } catch {
        await copyFile(path, handoff, constants.COPYFILE_EXCL);
      }
      const [sha256, { size }] = await Promise.all([hashFile(handoff), stat(handoff)]);
      return { name, contentType, path: handoff, sha256, bytes: size };
    }),
  );
}

async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

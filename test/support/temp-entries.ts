import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join, sep } from 'node:path';

/**
 * What Kiln left in a data dir's temp area: every file or folder inside the per-process folders
 * (`tmp/p<pid>-<start>@<host>/…`), the process folders themselves not counted.
 */
export function tempEntries(dataDir: string): string[] {
  const tmp = join(dataDir, 'tmp');
  if (!existsSync(tmp)) return [];
  return readdirSync(tmp, { recursive: true, encoding: 'utf8' }).filter((path) =>
    path.includes(sep),
  );
}

/** Empties the per-process temp folders of a data dir, keeping the folders a live process uses. */
export function emptyTempArea(dataDir: string): void {
  const tmp = join(dataDir, 'tmp');
  if (!existsSync(tmp)) return;
  for (const processFolder of readdirSync(tmp)) {
    const folder = join(tmp, processFolder);
    for (const entry of readdirSync(folder))
      rmSync(join(folder, entry), { recursive: true, force: true });
  }
}

import { constants } from 'node:fs';
import { access, chmod, copyFile, link, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ProcessingError } from './processing.error';
import type { StepFolders } from './step.types';

/** An asset's file path (or an output's name) that cannot be laid out inside its folder. */
export const UNSAFE_PATH = 'UNSAFE_PATH';

/** A file to place in a step's folder: its relative path there, and the file holding its bytes. */
export interface PlacedFile {
  path: string;
  source: string;
}

export interface StepFolderContents {
  /** The asset's files; `primary` is one of their paths. */
  files: readonly PlacedFile[];
  primary: string;
  /** The asset's outputs from earlier tasks, `path` being the output's name. */
  outputs: readonly PlacedFile[];
}

const READ_ONLY_FILE = 0o444;
const READ_ONLY_DIR = 0o555;
/** Where a hard link cannot be made (another filesystem, no permission, too many links), the bytes are copied. */
const COPY_INSTEAD = new Set(['EXDEV', 'EPERM', 'EMLINK', 'ENOTSUP', 'EOPNOTSUPP']);

/**
 * Checks a relative path before it becomes a path on disk: `/`-separated segments, none empty,
 * `.` or `..`; not absolute, no drive letter, no backslash, no NUL. Uploads check paths when they
 * accept files; this is the same check again where a path is used (defence in depth).
 */
export function checkRelativePath(path: string): string {
  const segments = path.split('/');
  if (
    path === '' ||
    /^[A-Za-z]:/.test(path) ||
    /[\\\0]/.test(path) ||
    segments.some((segment) => segment === '' || segment === '.' || segment === '..')
  ) {
    throw new ProcessingError(
      UNSAFE_PATH,
      `The file path ${JSON.stringify(path)} would leave the asset's folder (it is absolute or holds "..", a drive letter or a backslash), so it is not used.`,
    );
  }
  return path;
}

/** The path of `relativePath` inside `dir`; refuses any path that would leave it. */
export function resolveInside(dir: string, relativePath: string): string {
  return join(dir, ...checkRelativePath(relativePath).split('/'));
}

/** The primary file's path on disk. */
export function primaryPath(folders: Pick<StepFolders, 'inputDir' | 'primary'>): string {
  return resolveInside(folders.inputDir, folders.primary);
}

/**
 * The path of an earlier step's output: made by a step of this call (in `workDir`), else left on
 * the asset by an earlier task (in `outputsDir`); undefined when neither has it.
 */
export async function earlierOutput(
  folders: Pick<StepFolders, 'workDir' | 'outputsDir'>,
  name: string,
): Promise<string | undefined> {
  for (const dir of [folders.workDir, folders.outputsDir]) {
    const path = resolveInside(dir, name);
    if (
      await access(path).then(
        () => true,
        () => false,
      )
    )
      return path;
  }
  return undefined;
}

/**
 * Lays out a step's folders under `root` (a folder of the task's own, made if missing): `input/` with the
 * asset's files at their relative paths, `outputs/` with its earlier outputs, both read-only
 * (files 0444, folders 0555), and an empty, writable `work/`. Files are hard links to their
 * sources where the filesystem allows (no bytes copied; the blob itself becomes 0444, which
 * suits an immutable blob), else copies.
 *
 * Read-only holds for processes without CAP_DAC_OVERRIDE; root writes anyway, so the guard that
 * matters there is that steps take paths only from `resolveInside`.
 */
export async function layOutStepFolder(
  root: string,
  contents: StepFolderContents,
): Promise<StepFolders> {
  const folders: StepFolders = {
    inputDir: join(root, 'input'),
    primary: checkRelativePath(contents.primary),
    outputsDir: join(root, 'outputs'),
    workDir: join(root, 'work'),
  };
  if (!contents.files.some((file) => file.path === contents.primary)) {
    throw new Error(`The primary file "${contents.primary}" is not among the asset's files`);
  }
  await mkdir(root, { recursive: true });
  await Promise.all([
    placeReadOnly(folders.inputDir, contents.files),
    placeReadOnly(folders.outputsDir, contents.outputs),
    mkdir(folders.workDir),
  ]);
  return folders;
}

async function placeReadOnly(dir: string, files: readonly PlacedFile[]): Promise<void> {
  const paths = files.map((file) => checkRelativePath(file.path));
  const folders = new Set<string>();
  for (const path of paths) {
    const segments = path.split('/');
    for (let depth = 1; depth < segments.length; depth++)
      folders.add(segments.slice(0, depth).join('/'));
  }
  const seen = new Set<string>();
  for (const path of paths) {
    if (seen.has(path) || folders.has(path)) {
      throw new ProcessingError(
        UNSAFE_PATH,
        `The asset lists ${JSON.stringify(path)} twice, or as both a file and a folder, so its files cannot be laid out.`,
      );
    }
    seen.add(path);
  }
  // Parents before children: sorted by depth.
  const ordered = [...folders].sort((a, b) => a.split('/').length - b.split('/').length);
  await mkdir(dir);
  for (const folder of ordered) await mkdir(join(dir, ...folder.split('/')));
  await Promise.all(
    files.map((file) => placeFile(file.source, join(dir, ...file.path.split('/')))),
  );
  // Children before parents: a read-only folder takes no new entries.
  for (const folder of ordered.reverse())
    await chmod(join(dir, ...folder.split('/')), READ_ONLY_DIR);
  await chmod(dir, READ_ONLY_DIR);
}

async function placeFile(source: string, target: string): Promise<void> {
  try {
    await link(source, target);
  } catch (error) {
    if (!COPY_INSTEAD.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
    await copyFile(source, target, constants.COPYFILE_EXCL);
  }
  await chmod(target, READ_ONLY_FILE);
}

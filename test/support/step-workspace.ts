import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { StepContext, StepFolders } from '../../src/processing/step.types';

/** A temp folder per test with an empty `work/` dir inside, and a context recording progress. */
export interface StepWorkspace {
  root: string;
  workDir: string;
  progress: number[];
  ctx(): StepContext;
  /** Folders for a step reading the file at `inputPath` as the primary (its folder as the input folder). */
  folders(inputPath: string): StepFolders;
}

/** Registers beforeEach/afterEach that make and remove a fresh workspace for every test. */
export function useStepWorkspace(prefix: string): StepWorkspace {
  const workspace: StepWorkspace = {
    root: '',
    workDir: '',
    progress: [],
    ctx: () => ({
      signal: new AbortController().signal,
      progress: (fraction) => workspace.progress.push(fraction),
    }),
    folders: (inputPath) => ({
      inputDir: dirname(inputPath),
      primary: basename(inputPath),
      outputsDir: join(workspace.root, 'outputs'),
      workDir: workspace.workDir,
    }),
  };
  beforeEach(async () => {
    workspace.root = await mkdtemp(join(tmpdir(), prefix));
    workspace.workDir = join(workspace.root, 'work');
    await mkdir(workspace.workDir);
    workspace.progress = [];
  });
  afterEach(async () => {
    await rm(workspace.root, { recursive: true, force: true });
  });
  return workspace;
}

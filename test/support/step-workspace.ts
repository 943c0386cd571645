import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StepContext } from '../../src/processing/step.types';

/** A temp folder per test with an empty `work/` dir inside, and a context recording progress. */
export interface StepWorkspace {
  root: string;
  workDir: string;
  progress: number[];
  ctx(): StepContext;
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

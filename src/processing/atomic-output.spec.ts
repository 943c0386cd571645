import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeOutputAtomically } from './atomic-output';

describe('writeOutputAtomically', () => {
  let workDir: string;
  beforeEach(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'kiln-atomic-'));
  });
  afterEach(async () => {
    await rm(workDir, { recursive: true, force: true });
  });

  it('writes under a hidden temporary name, then renames to the output name', async () => {
    let tempPath = '';
    const path = await writeOutputAtomically(workDir, 'thumbnail.png', async (temp) => {
      tempPath = temp;
      await writeFile(temp, 'pixels');
      expect(await readdir(workDir)).toEqual([temp.slice(workDir.length + 1)]);
    });
    expect(tempPath).toMatch(/\/\.thumbnail\.png\.[0-9a-f]{12}\.tmp$/);
    expect(path).toBe(join(workDir, 'thumbnail.png'));
    expect(await readFile(path, 'utf8')).toBe('pixels');
    expect(await readdir(workDir)).toEqual(['thumbnail.png']);
  });

  it('removes the half-written temporary file and rethrows when writing fails', async () => {
    const failure = new Error('disk full');
    const run = writeOutputAtomically(workDir, 'preview.webp', async (temp) => {
      await writeFile(temp, 'half');
      throw failure;
    });
    await expect(run).rejects.toBe(failure);
    expect(await readdir(workDir)).toEqual([]);
  });
});

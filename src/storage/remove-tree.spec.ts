import { execFile } from 'node:child_process';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { removeFile, removeFileOrTree } from './remove-tree';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { transpileModule, ModuleKind } from 'typescript';

const run = promisify(execFile);
/** `nobody`: as root the removal runs as this user, so the folder modes are what stand in its way. */
const NOBODY = 65534;

describe('removeTree', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'kiln-remove-tree-'));
    await chmod(root, 0o777); // the child may run as nobody: it reads its script here
  });
  afterEach(async () => {
    await run('chmod', ['-R', 'u+rwx', root]).catch(() => undefined);
    await rm(root, { recursive: true, force: true });
  });

  /** Runs this file's `removeTree` (or `fn`) on `target` in a child process, as nobody when we are root. */
  async function removeAsOwner(
    target: string,
    fn: 'removeTree' | 'removeFileOrTree' = 'removeTree',
  ): Promise<void> {
    const source = await readFile(join(__dirname, 'remove-tree.ts'), 'utf8');
    const script = join(root, 'remove-tree.js');
    await writeFile(
      script,
      transpileModule(source, { compilerOptions: { module: ModuleKind.CommonJS } }).outputText,
    );
    const asRoot = process.getuid?.() === 0;
    await run(
      process.execPath,
      ['-e', `require(${JSON.stringify(script)}).${fn}(${JSON.stringify(target)})`],
      asRoot ? { uid: NOBODY, gid: NOBODY } : {},
    );
  }

  /** A task folder as a worker lays it out: its input folders read-only (0555), owned by `nobody` under root. */
  async function readOnlyTaskFolder(): Promise<string> {
    const task = join(root, 'task');
    await mkdir(join(task, 'input', 'textures'), { recursive: true });
    await writeFile(join(task, 'input', 'textures', 'wood.jpg'), 'x');
    await writeFile(join(task, 'input', 'model.obj'), 'v 0 0 0');
    if (process.getuid?.() === 0) {
      for (const path of [task, join(task, 'input'), join(task, 'input', 'textures')])
        await chown(path, NOBODY, NOBODY);
      for (const path of [
        join(task, 'input', 'textures', 'wood.jpg'),
        join(task, 'input', 'model.obj'),
      ])
        await chown(path, NOBODY, NOBODY);
    }
    await chmod(join(task, 'input', 'textures'), 0o555);
    await chmod(join(task, 'input'), 0o555);
    return task;
  }

  it('removes a task folder whose input folders are read-only (0555), as its owner', async () => {
    const task = await readOnlyTaskFolder();
    await removeAsOwner(task);

    await expect(readFile(join(task, 'input', 'model.obj'))).rejects.toMatchObject({
      code: 'ENOENT',
    });
  });

  it('answers quietly for a path that is not there', async () => {
    await expect(removeAsOwner(join(root, 'missing'))).resolves.toBeUndefined();
  });

  it('removeFileOrTree takes the same read-only task folder, as its owner', async () => {
    const task = await readOnlyTaskFolder();
    await removeAsOwner(task, 'removeFileOrTree');
    await expect(readFile(join(task, 'input', 'model.obj'))).rejects.toMatchObject({
      code: 'ENOENT',
    });
  });
});

describe('removeFile and removeFileOrTree', () => {
  let root: string;
  beforeEach(async () => (root = await mkdtemp(join(tmpdir(), 'kiln-remove-file-'))));
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('removes a file, a folder with its contents, and answers quietly for a missing path', async () => {
    const file = join(root, 'upload.tmp');
    await writeFile(file, 'bytes');
    const folder = join(root, 'step-1');
    await mkdir(join(folder, 'out'), { recursive: true });
    await writeFile(join(folder, 'out', 'model.glb'), 'glb');

    await removeFileOrTree(file);
    await removeFileOrTree(folder);

    await expect(readFile(file)).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(readFile(join(folder, 'out', 'model.glb'))).rejects.toMatchObject({
      code: 'ENOENT',
    });
    await expect(removeFileOrTree(join(root, 'missing'))).resolves.toBeUndefined();
  });

  it('removes a file, and answers quietly when it is not there', async () => {
    const file = join(root, 'upload.tmp');
    await writeFile(file, 'bytes');
    await removeFile(file);
    await expect(readFile(file)).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(removeFile(file)).resolves.toBeUndefined();
  });

  it('refuses a folder with its error, rather than removing a tree', async () => {
    await mkdir(join(root, 'folder'));
    await expect(removeFile(join(root, 'folder'))).rejects.toMatchObject({
      code: expect.stringMatching(/^(EISDIR|EPERM)$/),
    });
  });
});

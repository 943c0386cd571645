import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ProcessingError } from './processing.error';
import {
  checkRelativePath,
  earlierOutput,
  layOutStepFolder,
  primaryPath,
  resolveInside,
} from './step-folder';

const run = promisify(execFile);
/** `nobody`: as root, write attempts run as this user, so file modes are what stops them. */
const NOBODY = 65534;

/**
 * Tries to create `newFile` and to append to `existingFile`, as a user the permission bits
 * apply to (root ignores them): in a child process running as `nobody` when the tests run as
 * root, else in this process. Answers the error code of each attempt ('ok' when it succeeded).
 */
async function writeAttempts(newFile: string, existingFile: string): Promise<[string, string]> {
  const script = `
    const fs = require('node:fs');
    const attempt = (f) => { try { f(); return 'ok'; } catch (e) { return e.code; } };
    console.log(JSON.stringify([
      attempt(() => fs.writeFileSync(${JSON.stringify(newFile)}, 'x')),
      attempt(() => fs.appendFileSync(${JSON.stringify(existingFile)}, 'x')),
    ]));`;
  const asRoot = process.getuid?.() === 0;
  const { stdout } = await run(process.execPath, ['-e', script], asRoot ? { uid: NOBODY } : {});
  return JSON.parse(stdout) as [string, string];
}

describe('step folders', () => {
  let root: string;
  let blobs: string;
  const blob = async (name: string, content: string) => {
    const path = join(blobs, name);
    await writeFile(path, content);
    return path;
  };

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'kiln-step-folder-'));
    blobs = await mkdtemp(join(tmpdir(), 'kiln-step-blobs-'));
  });
  afterEach(async () => {
    await run('chmod', ['-R', 'u+rwx', root]); // the laid-out folders are 0555
    await rm(root, { recursive: true, force: true });
    await rm(blobs, { recursive: true, force: true });
  });

  it('lays out the asset’s files at their relative paths and its earlier outputs, as links to the blobs', async () => {
    const obj = await blob('a', 'v 0 0 0');
    const mtl = await blob('b', 'newmtl wood');
    const jpg = await blob('c', 'jpeg bytes');
    const glb = await blob('d', 'glb bytes');
    const folders = await layOutStepFolder(join(root, 'task'), {
      files: [
        { path: 'model.obj', source: obj },
        { path: 'model.mtl', source: mtl },
        { path: 'textures/wood/grain.jpg', source: jpg },
      ],
      primary: 'model.obj',
      outputs: [{ path: 'model.glb', source: glb }],
    });
    expect(folders).toEqual({
      inputDir: join(root, 'task', 'input'),
      primary: 'model.obj',
      outputsDir: join(root, 'task', 'outputs'),
      workDir: join(root, 'task', 'work'),
    });
    expect((await readdir(folders.inputDir)).sort()).toEqual([
      'model.mtl',
      'model.obj',
      'textures',
    ]);
    expect(await readFile(join(folders.inputDir, 'textures/wood/grain.jpg'), 'utf8')).toBe(
      'jpeg bytes',
    );
    expect(await readFile(primaryPath(folders), 'utf8')).toBe('v 0 0 0');
    expect((await stat(primaryPath(folders))).ino).toBe((await stat(obj)).ino);
    expect(await readdir(folders.workDir)).toEqual([]);
    expect(await earlierOutput(folders, 'model.glb')).toBe(join(folders.outputsDir, 'model.glb'));
    expect(await earlierOutput(folders, 'thumbnail.png')).toBeUndefined();
  });

  it('makes inputs and earlier outputs read-only (files 0444, folders 0555) and leaves work/ writable', async () => {
    const folders = await layOutStepFolder(join(root, 'task'), {
      files: [{ path: 'maps/albedo.png', source: await blob('a', 'png') }],
      primary: 'maps/albedo.png',
      outputs: [{ path: 'thumbnail.png', source: await blob('b', 'thumb') }],
    });
    const mode = async (path: string) => (await stat(path)).mode & 0o777;
    expect(await mode(folders.inputDir)).toBe(0o555);
    expect(await mode(join(folders.inputDir, 'maps'))).toBe(0o555);
    expect(await mode(primaryPath(folders))).toBe(0o444);
    expect(await mode(folders.outputsDir)).toBe(0o555);
    expect(await mode(join(folders.outputsDir, 'thumbnail.png'))).toBe(0o444);
    expect(await mode(folders.workDir)).toBe(0o755);
  });

  it('refuses a write into the input folder or to an input file, and allows one into work/', async () => {
    const taskRoot = join(root, 'task');
    const folders = await layOutStepFolder(taskRoot, {
      files: [{ path: 'photo.png', source: await blob('a', 'png') }],
      primary: 'photo.png',
      outputs: [{ path: 'metadata.json', source: await blob('b', '{}') }],
    });
    if (process.getuid?.() === 0) {
      // The writer below runs as nobody: give it the folder, so only the modes stand in its way.
      await chmod(root, 0o755);
      for (const path of [
        taskRoot,
        folders.inputDir,
        primaryPath(folders),
        folders.outputsDir,
        join(folders.outputsDir, 'metadata.json'),
        folders.workDir,
      ])
        await chown(path, NOBODY, NOBODY);
    }
    expect(await writeAttempts(join(folders.inputDir, 'new.png'), primaryPath(folders))).toEqual([
      'EACCES',
      'EACCES',
    ]);
    expect(
      await writeAttempts(
        join(folders.outputsDir, 'new.json'),
        join(folders.outputsDir, 'metadata.json'),
      ),
    ).toEqual(['EACCES', 'EACCES']);
    const [created] = await writeAttempts(join(folders.workDir, 'out.png'), primaryPath(folders));
    expect(created).toBe('ok');
    expect(await readFile(primaryPath(folders), 'utf8')).toBe('png');
  });

  it.each([
    '../escape.png',
    'textures/../../escape.png',
    '/etc/passwd',
    'C:/Windows/win.ini',
    'c:evil.png',
    'textures\\..\\escape.png',
    'a//b.png',
    './a.png',
    'a/./b.png',
    'textures/..',
    '',
    'nul\0byte.png',
  ])('refuses the path %j with UNSAFE_PATH', (path) => {
    let error: unknown;
    try {
      checkRelativePath(path);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ProcessingError);
    expect(error).toMatchObject({ code: 'UNSAFE_PATH', retryable: false });
    expect(() => resolveInside(root, path)).toThrow(ProcessingError);
  });

  it.each([
    'model.obj',
    'textures/wood.jpg',
    'a/b/c/d.png',
    '..hidden.png',
    'name..png',
    'ü名前.png',
  ])('accepts the path %j', (path) => {
    expect(checkRelativePath(path)).toBe(path);
    expect(resolveInside(root, path)).toBe(join(root, ...path.split('/')));
  });

  it('refuses to lay out a file whose path holds "..", leaving nothing outside the folder', async () => {
    const laidOut = layOutStepFolder(join(root, 'task'), {
      files: [
        { path: 'model.obj', source: await blob('a', 'v') },
        { path: '../escape.obj', source: await blob('b', 'x') },
      ],
      primary: 'model.obj',
      outputs: [],
    });
    await expect(laidOut).rejects.toMatchObject({ code: 'UNSAFE_PATH', retryable: false });
    expect(existsSync(join(root, 'escape.obj'))).toBe(false);
    expect(await readdir(root)).toEqual(expect.not.arrayContaining(['escape.obj']));
  });

  it('refuses an earlier output whose name holds ".." too', async () => {
    await expect(
      layOutStepFolder(join(root, 'task'), {
        files: [{ path: 'photo.png', source: await blob('a', 'png') }],
        primary: 'photo.png',
        outputs: [{ path: '../../thumbnail.png', source: await blob('b', 'x') }],
      }),
    ).rejects.toMatchObject({ code: 'UNSAFE_PATH' });
  });

  it('refuses a path listed twice, or as both a file and a folder', async () => {
    const source = await blob('a', 'x');
    await expect(
      layOutStepFolder(join(root, 'twice'), {
        files: [
          { path: 'a.png', source },
          { path: 'a.png', source },
        ],
        primary: 'a.png',
        outputs: [],
      }),
    ).rejects.toMatchObject({ code: 'UNSAFE_PATH' });
    await expect(
      layOutStepFolder(join(root, 'both'), {
        files: [
          { path: 'textures', source },
          { path: 'textures/a.png', source },
        ],
        primary: 'textures',
        outputs: [],
      }),
    ).rejects.toMatchObject({ code: 'UNSAFE_PATH' });
  });

  it('copies a file a link cannot reach (another filesystem)', async () => {
    if (!existsSync('/dev/shm')) return; // no second filesystem to try with
    const other = await mkdtemp('/dev/shm/kiln-step-folder-');
    try {
      const source = join(other, 'photo.png');
      await writeFile(source, 'png bytes');
      const folders = await layOutStepFolder(join(root, 'task'), {
        files: [{ path: 'photo.png', source }],
        primary: 'photo.png',
        outputs: [],
      });
      expect(await readFile(primaryPath(folders), 'utf8')).toBe('png bytes');
      expect((await stat(primaryPath(folders))).mode & 0o777).toBe(0o444);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });
});

import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Test } from '@nestjs/testing';
import { ConfigModule } from '../config/config.module';
import { KilnConfig, loadConfig } from '../config/kiln-config';
import { LEGACY_TEMP_MAX_AGE_MS, LocalStorage } from './local-storage';
import { folderName, linuxStartTicks, safeHostname } from './process-temp-folder';
import { STORAGE, Storage } from './storage';
import { StorageModule } from './storage.module';
import { IMAGE_FIXTURES } from '../../test/support/fixtures';

const FIXTURE = join(IMAGE_FIXTURES, 'CesiumLogoFlat.png');

describe('LocalStorage', () => {
  let dataDir: string;
  let storage: LocalStorage;

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'kiln-storage-'));
    storage = new LocalStorage({ dataDir });
    await storage.createFolders();
  });

  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  async function tempWith(content: Buffer | string): Promise<string> {
    const path = storage.tempPath('.bin');
    await writeFile(path, content);
    return path;
  }

  it('hashes a file it was not told the hash of, and stores it under blobs/sha256/<2 hex>/<hex>', async () => {
    const bytes = await readFile(FIXTURE);
    const expected = createHash('sha256').update(bytes).digest('hex');
    const temp = await tempWith(bytes);

    const blob = await storage.putFile(temp);

    expect(blob).toEqual({ sha256: expected, bytes: bytes.length });
    const path = join(dataDir, 'blobs', 'sha256', expected.slice(0, 2), expected);
    expect(storage.localPath(expected)).toBe(path);
    expect(await readFile(path)).toEqual(bytes);
    expect(existsSync(temp)).toBe(false);
    expect(await storage.size(expected)).toBe(bytes.length);
  });

  it('keeps one copy of the same bytes and removes the second temp file', async () => {
    const first = await storage.putFile(await tempWith('same bytes'));
    const secondTemp = await tempWith('same bytes');
    const second = await storage.putFile(secondTemp);

    expect(second).toEqual(first);
    expect(existsSync(secondTemp)).toBe(false);
    expect(await readdir(join(dataDir, 'blobs', 'sha256', first.sha256.slice(0, 2)))).toEqual([
      first.sha256,
    ]);
    expect(await readdir(storage.processTmpDir)).toEqual([]);
  });

  it('trusts a hash the caller computed while writing, normalised to lower case', async () => {
    const sha256 = createHash('sha256').update('streamed').digest('hex');
    const blob = await storage.putFile(await tempWith('streamed'), sha256.toUpperCase());

    expect(blob).toEqual({ sha256, bytes: 8 });
    expect(await readFile(storage.localPath(sha256), 'utf8')).toBe('streamed');
  });

  it('answers undefined for the size of a missing blob', async () => {
    expect(await storage.size('0'.repeat(64))).toBeUndefined();
  });

  it('refuses a hash that is not 64 hex digits, since it becomes a path', async () => {
    expect(() => storage.localPath('../../etc/passwd')).toThrow('Not a SHA-256 hex digest');
    await expect(storage.putFile(await tempWith('x'), 'abc')).rejects.toThrow(
      'Not a SHA-256 hex digest',
    );
  });

  it('makes temp paths and folders inside its own folder under tmp/, and removes them', async () => {
    const own = join(
      dataDir,
      'tmp',
      `p${process.pid}-s${linuxStartTicks(process.pid)}@${safeHostname()}`,
    );
    expect(storage.processTmpDir).toBe(own);
    const path = storage.tempPath('.glb');
    expect(path.startsWith(own + '/')).toBe(true);
    expect(path.endsWith('.glb')).toBe(true);
    expect(storage.tempPath()).not.toBe(storage.tempPath());

    const dir = await storage.makeTempDir('render');
    expect(dir.startsWith(join(own, 'render-'))).toBe(true);
    await writeFile(join(dir, 'out.png'), 'png');
    await storage.removeTemp(dir);
    expect(existsSync(dir)).toBe(false);
    await expect(storage.removeTemp(dir)).resolves.toBeUndefined();
  });

  it('refuses to remove anything outside its temp folder', async () => {
    await expect(storage.removeTemp(join(dataDir, 'blobs'))).rejects.toThrow('not inside');
    await expect(storage.removeTemp(join(dataDir, 'tmp'))).rejects.toThrow('not inside');
    await expect(storage.removeTemp(join(dataDir, 'tmp', '..', 'blobs'))).rejects.toThrow(
      'not inside',
    );
    await expect(storage.removeTemp(storage.processTmpDir)).rejects.toThrow('not inside');
    const another = join(dataDir, 'tmp', 'p1-s1@elsewhere');
    await mkdir(another);
    await expect(storage.removeTemp(join(another, 'x.upload'))).rejects.toThrow('not inside');
    expect((await stat(join(dataDir, 'blobs'))).isDirectory()).toBe(true);
  });
});

describe('LocalStorage start-up sweep of tmp/', () => {
  let dataDir: string;
  let tmp: string;
  const children: ChildProcess[] = [];

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'kiln-sweep-'));
    tmp = join(dataDir, 'tmp');
    await mkdir(tmp, { recursive: true });
  });
  afterEach(async () => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  });

  /** A real process, running until killed, and the folder name it would have. */
  async function runningProcess(): Promise<{ child: ChildProcess; name: string }> {
    const child = spawn('sleep', ['60'], { stdio: 'ignore' });
    children.push(child);
    await new Promise((resolve) => child.once('spawn', resolve));
    const pid = child.pid as number;
    const name = folderName({ pid, start: `s${linuxStartTicks(pid)}`, host: safeHostname() });
    return { child, name };
  }

  async function folderWithFile(name: string): Promise<void> {
    await mkdir(join(tmp, name, 'task-1-abc'), { recursive: true });
    await writeFile(join(tmp, name, 'cut-off.upload'), 'partial upload');
  }

  it('removes the folders of processes that ended and keeps those of running ones', async () => {
    const ended = await runningProcess();
    const running = await runningProcess();
    const exited = new Promise((resolve) => ended.child.once('exit', resolve));
    ended.child.kill('SIGKILL');
    await exited;
    // The running process's pid, but another start time: the pid was reused, its owner is gone.
    const reusedPid = `p${running.child.pid}-s1@${safeHostname()}`;
    // Another host (or container) has other pids: nothing there can be proven dead from here.
    const otherHost = `p${ended.child.pid}-s1@another-host`;
    for (const name of [ended.name, running.name, reusedPid, otherHost]) await folderWithFile(name);

    const storage = new LocalStorage({ dataDir });
    await storage.onModuleInit();

    expect((await readdir(tmp)).sort()).toEqual(
      [running.name, otherHost, basename(storage.processTmpDir)].sort(),
    );
    expect(await readdir(join(tmp, running.name))).toEqual(['cut-off.upload', 'task-1-abc']);
  });

  it('removes loose files and folders of the old layout once they are a day old', async () => {
    const dayAndMinuteAgo = new Date(Date.now() - LEGACY_TEMP_MAX_AGE_MS - 60_000);
    await writeFile(join(tmp, 'old.upload'), 'partial');
    await mkdir(join(tmp, 'task-old-abc'));
    for (const name of ['old.upload', 'task-old-abc'])
      await utimes(join(tmp, name), dayAndMinuteAgo, dayAndMinuteAgo);
    await writeFile(join(tmp, 'recent.upload'), 'maybe still written by an old process');

    const storage = new LocalStorage({ dataDir });
    await storage.onModuleInit();

    expect((await readdir(tmp)).sort()).toEqual(
      [basename(storage.processTmpDir), 'recent.upload'].sort(),
    );
  });

  it('removes its own folder, with whatever is left in it, at shutdown', async () => {
    const storage = new LocalStorage({ dataDir });
    await storage.onModuleInit();
    await writeFile(storage.tempPath('.upload'), 'left over');

    await storage.onApplicationShutdown();

    expect(await readdir(tmp)).toEqual([]);
  });
});

describe('StorageModule', () => {
  it('provides STORAGE and creates its folders at init', async () => {
    const root = await mkdtemp(join(tmpdir(), 'kiln-storage-module-'));
    const dataDir = join(root, 'data');
    const config: KilnConfig = { ...loadConfig({}), dataDir };
    const moduleRef = await Test.createTestingModule({
      imports: [ConfigModule.forRoot(config), StorageModule],
    }).compile();
    await moduleRef.init();
    try {
      expect(moduleRef.get<Storage>(STORAGE)).toBeInstanceOf(LocalStorage);
      expect((await stat(join(dataDir, 'blobs', 'sha256'))).isDirectory()).toBe(true);
      expect((await stat(join(dataDir, 'tmp'))).isDirectory()).toBe(true);
    } finally {
      await moduleRef.close();
      await rm(root, { recursive: true, force: true });
    }
  });
});

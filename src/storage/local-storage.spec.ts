import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Test } from '@nestjs/testing';
import { ConfigModule } from '../config/config.module';
import { KilnConfig, loadConfig } from '../config/kiln-config';
import { LocalStorage } from './local-storage';
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
    expect(await readdir(join(dataDir, 'tmp'))).toEqual([]);
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

  it('makes temp paths and folders inside tmp/, and removes them', async () => {
    const path = storage.tempPath('.glb');
    expect(path.startsWith(join(dataDir, 'tmp') + '/')).toBe(true);
    expect(path.endsWith('.glb')).toBe(true);
    expect(storage.tempPath()).not.toBe(storage.tempPath());

    const dir = await storage.makeTempDir('render');
    expect(dir.startsWith(join(dataDir, 'tmp', 'render-'))).toBe(true);
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
    expect((await stat(join(dataDir, 'blobs'))).isDirectory()).toBe(true);
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

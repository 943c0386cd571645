import { createHash } from 'node:crypto';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURES } from '../../../test/support/fixtures';
import { deflateRawSync } from 'node:zlib';
import { writeZip, type ZipFixtureEntry } from '../../../test/support/zip-writer';
import type { KilnError } from '../../errors/kiln-error';
import { extractZip, isSkipped, RATIO_FREE_BYTES, type ZipLimits } from './zip-extract';

const PNG = readFileSync(join(FIXTURES, 'image/CesiumLogoFlat.png'));
const JPEG = readFileSync(join(FIXTURES, 'image/Collada_Sample.jpg'));
const DEFAULT_LIMITS: ZipLimits = { maxEntries: 10_000, maxBytes: 2 * 1024 ** 3, maxRatio: 200 };
const HEAD_BYTES = 16;

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('extractZip', () => {
  let root: string;
  let tempDir: string;
  let tempPathsGiven: number;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'kiln-zip-'));
    tempDir = join(root, 'tmp');
    mkdirSync(tempDir);
    tempPathsGiven = 0;
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const temp = {
    path: () => join(tempDir, `${tempPathsGiven++}.entry`),
    remove: (path: string) => rm(path, { force: true }),
  };

  async function extract(zip: Buffer, limits: Partial<ZipLimits> = {}, name = 'upload.zip') {
    const zipPath = join(root, 'upload.zip');
    writeFileSync(zipPath, zip);
    return extractZip(zipPath, name, { ...DEFAULT_LIMITS, ...limits }, temp, HEAD_BYTES);
  }

  async function refusal(zip: Buffer, limits: Partial<ZipLimits> = {}): Promise<KilnError> {
    const error = await extract(zip, limits).then(
      () => undefined,
      (caught: unknown) => caught as KilnError,
    );
    if (!error) throw new Error('the zip was extracted, not refused');
    return error;
  }

  // Only this spec's files: a socket or cache file opened meanwhile by the test runner is not a leak.
  const openFds = () =>
    readdirSync('/proc/self/fd').filter((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`).startsWith(root);
      } catch {
        return false; // closed between the listing and the read
      }
    }).length;
  // yauzl closes the zip's descriptor asynchronously, once its last read is done: a leak is one
  // still open a second later.
  const openFdsOnceSettled = async (expected: number) => {
    for (let waited = 0; openFds() !== expected && waited < 1000; waited += 20)
      await new Promise((resolve) => setTimeout(resolve, 20));
    return openFds();
  };

  it('extracts every file to a temp file of its own, with its exact path, size and SHA-256', async () => {
    const readme = Buffer.from('Wood, CC0.\n');
    const files = await extract(
      writeZip([
        { name: 'textures/' },
        { name: 'textures/wood.png', data: PNG },
        { name: 'textures/detail/bark.jpg', data: JPEG, method: 'store' },
        { name: 'README.txt', data: readme },
        { name: 'empty.bin', data: Buffer.alloc(0) },
        { name: 'ünïcödé 名前.png', data: PNG },
      ]),
    );
    expect(files.map(({ path, bytes, sha256: hash }) => ({ path, bytes, sha256: hash }))).toEqual([
      { path: 'textures/wood.png', bytes: PNG.length, sha256: sha256(PNG) },
      { path: 'textures/detail/bark.jpg', bytes: JPEG.length, sha256: sha256(JPEG) },
      { path: 'README.txt', bytes: readme.length, sha256: sha256(readme) },
      { path: 'empty.bin', bytes: 0, sha256: sha256(Buffer.alloc(0)) },
      { path: 'ünïcödé 名前.png', bytes: PNG.length, sha256: sha256(PNG) },
    ]);
    expect(readFileSync(files[0].tempPath)).toEqual(PNG);
    expect(readFileSync(files[1].tempPath)).toEqual(JPEG);
    expect(files[0].head).toEqual(PNG.subarray(0, HEAD_BYTES));
    expect(files[3].head).toEqual(Buffer.alloc(0));
    expect(readdirSync(tempDir).sort()).toEqual([
      '0.entry',
      '1.entry',
      '2.entry',
      '3.entry',
      '4.entry',
    ]);
  });

  it('drops "." and empty segments: ./a//b.png is a/b.png', async () => {
    const files = await extract(writeZip([{ name: './maps//base.png', data: PNG }]));
    expect(files.map((file) => file.path)).toEqual(['maps/base.png']);
  });

  it('skips folders, __MACOSX/, dotfiles and dot-folders, Thumbs.db and desktop.ini, never inflating them', async () => {
    const files = await extract(
      writeZip([
        { name: 'maps/' },
        { name: 'maps/base.png', data: PNG },
        { name: '__MACOSX/maps/._base.png', data: Buffer.from('resource fork') },
        { name: '.DS_Store', data: Buffer.from('finder') },
        { name: 'maps/.git/config', data: Buffer.from('[core]') },
        { name: 'maps/Thumbs.db', data: Buffer.from('thumbs') },
        { name: 'Desktop.ini', data: Buffer.from('[.ShellClassInfo]') },
      ]),
    );
    expect(files.map((file) => file.path)).toEqual(['maps/base.png']);
    expect(readdirSync(tempDir)).toEqual(['0.entry']);
  });

  it('names what it skips', () => {
    expect(isSkipped('__MACOSX/a.png')).toBe(true);
    expect(isSkipped('a/._b.png')).toBe(true);
    expect(isSkipped('a/thumbs.DB')).toBe(true);
    expect(isSkipped('a/b.png')).toBe(false);
    expect(isSkipped('MACOSX/a.png')).toBe(false);
    expect(isSkipped('a/b.c.png')).toBe(false);
  });

  describe('refuses an entry that could escape its folder, writing nothing', () => {
    it.each<[string, ZipFixtureEntry, string]>([
      [
        'a ../ entry',
        { name: '../evil.png', data: PNG },
        'has a ".." segment that would leave its folder',
      ],
      [
        'a .. deeper in',
        { name: 'maps/../../evil.png', data: PNG },
        'has a ".." segment that would leave its folder',
      ],
      ['a .. folder entry', { name: '../' }, 'has a ".." segment that would leave its folder'],
      ['an absolute path', { name: '/etc/cron.d/evil', data: PNG }, 'is an absolute path'],
      ['a drive letter', { name: 'C:/Windows/evil.png', data: PNG }, 'starts with a drive letter'],
      ['a drive-relative path', { name: 'C:evil.png', data: PNG }, 'starts with a drive letter'],
      [
        'a backslash',
        { name: '..\\..\\evil.png', data: PNG },
        'has a backslash in its name (a Windows separator that could hide "..")',
      ],
      [
        'a control character',
        { name: 'evil\u0000.png', data: PNG },
        'has control characters in its name',
      ],
      [
        'a symlink',
        { name: 'link.png', data: Buffer.from('/etc/passwd'), unixMode: 0o120777 },
        'is a symbolic link',
      ],
      [
        'a symlink hidden among skipped files',
        { name: '.hidden', data: Buffer.from('/etc/passwd'), unixMode: 0o120777 },
        'is a symbolic link',
      ],
      [
        'a named pipe',
        { name: 'fifo', data: Buffer.alloc(0), unixMode: 0o010644 },
        'is a special file (a device, pipe or socket)',
      ],
    ])('%s', async (_what, evil, problem) => {
      // The bad entry comes last: the whole directory is checked before anything is inflated.
      const zip = writeZip([{ name: 'fine.png', data: PNG }, evil]);
      const error = await refusal(zip);
      expect(error).toMatchObject({
        code: 'UNSAFE_ARCHIVE',
        status: 415,
        message: `"upload.zip" is refused: its entry ${JSON.stringify(evil.name)} ${problem}. Nothing was stored.`,
      });
      expect(tempPathsGiven).toBe(0);
      expect(readdirSync(tempDir)).toEqual([]);
    });
  });

  it('refuses two entries at one path, and a path that is both a file and a folder', async () => {
    const twice = await refusal(
      writeZip([
        { name: 'a.png', data: PNG },
        { name: './a.png', data: JPEG },
      ]),
    );
    expect(twice.message).toBe(
      '"upload.zip" is refused: its entry "./a.png" names the path "a.png" a second time. Nothing was stored.',
    );
    const both = await refusal(
      writeZip([
        { name: 'maps', data: PNG },
        { name: 'maps/base.png', data: PNG },
      ]),
    );
    expect(both).toMatchObject({
      code: 'UNSAFE_ARCHIVE',
      message: expect.stringContaining('"maps" is both a file and a folder'),
    });
    expect(readdirSync(tempDir)).toEqual([]);
  });

  it('refuses a zip listing more entries than KILN_ZIP_MAX_ENTRIES before reading one (20,000 tiny files)', async () => {
    const many = writeZip(
      Array.from({ length: 20_000 }, (_, i) => ({ name: `f${i}.txt`, data: Buffer.from('x') })),
    );
    const error = await refusal(many);
    expect(error).toMatchObject({
      code: 'ARCHIVE_TOO_LARGE',
      status: 413,
      message:
        '"upload.zip" is refused: it lists 20000 entries, more than the 10000 allowed (KILN_ZIP_MAX_ENTRIES). Nothing was stored.',
    });
    expect(tempPathsGiven).toBe(0);
  });

  it('counts folders and skipped entries against the entry cap too', async () => {
    const zip = writeZip([
      { name: 'a/' },
      { name: '.DS_Store', data: Buffer.from('x') },
      { name: 'a/b.png', data: PNG },
    ]);
    expect((await refusal(zip, { maxEntries: 2 })).code).toBe('ARCHIVE_TOO_LARGE');
    expect(await extract(zip, { maxEntries: 3 })).toHaveLength(1);
  });

  it('refuses a zip bomb (50 MB of zeros deflated to ~50 KB) by its compression ratio, inflating nothing', async () => {
    const zeros = Buffer.alloc(50 * 1024 * 1024);
    const compressed = deflateRawSync(zeros).length;
    const fds = openFds();
    const error = await refusal(writeZip([{ name: 'bomb.bin', data: zeros }]));
    expect(error).toMatchObject({
      code: 'ARCHIVE_TOO_LARGE',
      status: 413,
      message: `"upload.zip" is refused: its entry "bomb.bin" is compressed ${Math.round(zeros.length / compressed)}:1, more than the 200:1 allowed (KILN_ZIP_MAX_RATIO), as zip bombs are. Nothing was stored.`,
    });
    expect(tempPathsGiven).toBe(0);
    expect(await openFdsOnceSettled(fds)).toBe(fds);
  });

  it('refuses a bomb that lies about its size as soon as it inflates past the declared size, leaving nothing', async () => {
    const liar = writeZip([
      { name: 'liar.bin', data: Buffer.alloc(50 * 1024 * 1024), declaredSize: 1000 },
    ]);
    const fds = openFds();
    const started = Date.now();
    const error = await refusal(liar);
    expect(error).toMatchObject({
      code: 'UNSAFE_ARCHIVE',
      status: 415,
      message:
        '"upload.zip" is refused: its entry "liar.bin" inflates past the 1000 bytes its header declares (a crafted or corrupt zip). Nothing was stored.',
    });
    expect(Date.now() - started).toBeLessThan(1000); // stopped at the first chunk, not after 50 MB
    expect(tempPathsGiven).toBe(1);
    expect(readdirSync(tempDir)).toEqual([]);
    expect(await openFdsOnceSettled(fds)).toBe(fds);
  });

  it('refuses files that inflate past KILN_ZIP_MAX_BYTES together, though each is small', async () => {
    const part = Buffer.alloc(RATIO_FREE_BYTES, 7);
    const zip = writeZip([
      { name: 'a.bin', data: part },
      { name: 'b.bin', data: part },
      { name: 'c.bin', data: part },
    ]);
    const error = await refusal(zip, { maxBytes: 2 * RATIO_FREE_BYTES + 1 });
    expect(error).toMatchObject({
      code: 'ARCHIVE_TOO_LARGE',
      message: `"upload.zip" is refused: its files inflate to more than the ${2 * RATIO_FREE_BYTES + 1} bytes allowed (KILN_ZIP_MAX_BYTES). Nothing was stored.`,
    });
    expect(await extract(zip, { maxBytes: 3 * RATIO_FREE_BYTES })).toHaveLength(3);
  });

  it('lets a small file compress beyond the ratio cap (up to 1 MiB), and holds a larger one to it', async () => {
    const small = Buffer.alloc(RATIO_FREE_BYTES); // ~1000:1, but small
    expect(await extract(writeZip([{ name: 'zeros.bin', data: small }]))).toHaveLength(1);
    const text = Buffer.from('v 0 0 0\n'.repeat(300_000)); // 2.4 MB of one line
    expect((await refusal(writeZip([{ name: 'a.obj', data: text }]), { maxRatio: 20 })).code).toBe(
      'ARCHIVE_TOO_LARGE',
    );
  });

  it.each<[string, ZipFixtureEntry, string]>([
    [
      'an entry shorter than its header says',
      { name: 'short.png', data: PNG, declaredSize: PNG.length + 1 },
      `its entry "short.png" holds ${PNG.length} bytes, fewer than the ${PNG.length + 1} its header declares`,
    ],
    [
      'an entry whose CRC-32 does not match',
      { name: 'bad.png', data: PNG, declaredCrc: 0x12345678 },
      'its entry "bad.png" is corrupt (its CRC-32 does not match)',
    ],
    [
      'an encrypted entry',
      { name: 'secret.png', data: PNG, encryptedFlag: true },
      'its entry "secret.png" is encrypted',
    ],
  ])('refuses %s as unreadable, leaving nothing', async (_what, entry, why) => {
    const error = await refusal(writeZip([{ name: 'fine.png', data: PNG }, entry]));
    expect(error).toMatchObject({
      code: 'ARCHIVE_UNREADABLE',
      status: 415,
      message: `"upload.zip" could not be read as a zip: ${why}. Re-create it with a standard zip tool (Deflate, no password); nothing was stored.`,
    });
    expect(readdirSync(tempDir)).toEqual([]);
  });

  it('refuses a truncated zip and bytes that are no zip at all as unreadable', async () => {
    const zip = writeZip([{ name: 'a.png', data: PNG }]);
    expect((await refusal(zip.subarray(0, zip.length - 30))).code).toBe('ARCHIVE_UNREADABLE');
    expect((await refusal(PNG)).code).toBe('ARCHIVE_UNREADABLE');
    const corrupt = Buffer.from(zip);
    corrupt.fill(0xff, 40, 200); // inside the deflated data
    expect((await refusal(corrupt)).code).toBe('ARCHIVE_UNREADABLE');
    expect(readdirSync(tempDir)).toEqual([]);
  });

  it('extracts an empty zip to no files', async () => {
    expect(await extract(writeZip([]))).toEqual([]);
  });
});

import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { link, mkdtemp, readFile, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { BlobCache } from './blob-cache';

const blob = (fill: number, bytes = 1000) => {
  const content = Buffer.alloc(bytes, fill);
  return { content, sha256: createHash('sha256').update(content).digest('hex') };
};

describe('BlobCache', () => {
  let dir: string;
  let downloads: string[];
  const source = (blobs: Array<ReturnType<typeof blob>>) => (sha256: string) => {
    downloads.push(sha256);
    const found = blobs.find((candidate) => candidate.sha256 === sha256);
    return Promise.resolve(Readable.from([found ? found.content : Buffer.from('other bytes')]));
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kiln-cache-'));
    downloads = [];
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('fetches a blob once, then answers it from disk', async () => {
    const a = blob(1);
    const cache = new BlobCache(join(dir, 'cache'), 10_000);
    await cache.open();
    const fetch = source([a]);

    const [first, second] = await Promise.all([
      cache.get(a.sha256, () => fetch(a.sha256)),
      cache.get(a.sha256, () => fetch(a.sha256)),
    ]);
    const third = await cache.get(a.sha256, () => fetch(a.sha256));

    expect(first).toBe(join(dir, 'cache', a.sha256));
    expect([second, third]).toEqual([first, first]);
    expect(await readFile(first)).toEqual(a.content);
    expect(downloads).toEqual([a.sha256]);
  });

  it('evicts the least recently used blobs to stay under its cap', async () => {
    const [a, b, c, d] = [blob(1), blob(2), blob(3), blob(4)];
    const cache = new BlobCache(dir, 3000);
    await cache.open();
    const fetch = source([a, b, c, d]);
    for (const x of [a, b, c]) await cache.get(x.sha256, () => fetch(x.sha256));
    await cache.get(a.sha256, () => fetch(a.sha256)); // a is used again: b is now the oldest

    await cache.get(d.sha256, () => fetch(d.sha256));

    expect(cache.held()).toEqual([c.sha256, a.sha256, d.sha256]);
    expect(cache.bytes).toBe(3000);
    expect((await readdir(dir)).sort()).toEqual([a.sha256, c.sha256, d.sha256].sort());
    expect(downloads).toEqual([a.sha256, b.sha256, c.sha256, d.sha256]);
  });

  it('never evicts a blob in use, and a hard link made from it keeps its bytes after eviction', async () => {
    const [a, b] = [blob(1, 2000), blob(2, 2000)];
    const cache = new BlobCache(join(dir, 'cache'), 2500);
    await cache.open();
    const fetch = source([a, b]);
    const linked = join(dir, 'a-in-task-folder');

    await cache.holding([a.sha256, b.sha256], fetch, async ([pathA, pathB]) => {
      // Both held at once, over the cap, while the task lays them out.
      expect(existsSync(pathA) && existsSync(pathB)).toBe(true);
      await link(pathA, linked);
    });

    expect(cache.held()).toEqual([b.sha256]);
    expect(cache.bytes).toBe(2000);
    expect(await readFile(linked)).toEqual(a.content);
  });

  it('adopts a file just stored, so it is not fetched back, and refuses one it holds', async () => {
    const a = blob(1);
    const cache = new BlobCache(join(dir, 'cache'), 10_000);
    await cache.open();
    const stored = join(dir, 'stored.tmp');
    await writeFile(stored, a.content);

    expect(await cache.adopt(a.sha256, stored, 1000)).toBe(true);
    expect(existsSync(stored)).toBe(false);
    expect(await cache.get(a.sha256, () => source([a])(a.sha256))).toBe(
      join(dir, 'cache', a.sha256),
    );
    expect(downloads).toEqual([]);
    await writeFile(stored, a.content);
    expect(await cache.adopt(a.sha256, stored, 1000)).toBe(false);
    expect(existsSync(stored)).toBe(true);
  });

  it('keeps nothing of bytes that do not match their hash', async () => {
    const a = blob(1);
    const cache = new BlobCache(dir, 10_000);
    await cache.open();

    await expect(
      cache.get(a.sha256, () => Promise.resolve(Readable.from([Buffer.from('tampered')]))),
    ).rejects.toThrow(`Blob ${a.sha256} arrived with SHA-256`);
    expect(await readdir(dir)).toEqual([]);
  });

  it('indexes what an earlier run left, oldest first, and drops partial fetches', async () => {
    const [a, b] = [blob(1), blob(2)];
    await writeFile(join(dir, a.sha256), a.content);
    await writeFile(join(dir, b.sha256), b.content);
    await writeFile(join(dir, 'x.part'), 'half');
    await utimes(join(dir, b.sha256), new Date(1000), new Date(1000));

    const cache = new BlobCache(dir, 1500);
    await cache.open();

    expect(cache.held()).toEqual([a.sha256]);
    expect(await readdir(dir)).toEqual([a.sha256]);
  });
});

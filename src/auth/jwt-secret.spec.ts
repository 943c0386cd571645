import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveJwtSecret } from './jwt-secret';

describe('resolveJwtSecret', () => {
  let root: string;
  let dataDir: string;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'kiln-jwt-secret-'));
    dataDir = join(root, 'data');
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('uses JWT_SECRET when it is set, and writes nothing', async () => {
    await expect(resolveJwtSecret({ jwtSecret: 'from-the-environment', dataDir })).resolves.toBe(
      'from-the-environment',
    );
    await expect(stat(dataDir)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('generates 48 random bytes (base64url) into {dataDir}/jwt-secret, readable by its owner only', async () => {
    const secret = await resolveJwtSecret({ jwtSecret: undefined, dataDir });

    expect(secret).toMatch(/^[A-Za-z0-9_-]{64}$/);
    expect(await readFile(join(dataDir, 'jwt-secret'), 'utf8')).toBe(secret);
    expect((await stat(join(dataDir, 'jwt-secret'))).mode & 0o777).toBe(0o600);
  });

  it('reads the saved secret on the next start', async () => {
    const first = await resolveJwtSecret({ jwtSecret: undefined, dataDir });

    await expect(resolveJwtSecret({ jwtSecret: undefined, dataDir })).resolves.toBe(first);
  });

  it('ends with one secret when several processes start at once, and leaves no temp file', async () => {
    const secrets = await Promise.all(
      Array.from({ length: 8 }, () => resolveJwtSecret({ jwtSecret: undefined, dataDir })),
    );

    expect(new Set(secrets).size).toBe(1);
    expect(await readFile(join(dataDir, 'jwt-secret'), 'utf8')).toBe(secrets[0]);
    expect(await readdir(dataDir)).toEqual(['jwt-secret']);
  });

  it('refuses a saved secret too short to be one, saying how to fix it', async () => {
    await writeFile(join(root, 'jwt-secret'), 'short\n');

    await expect(resolveJwtSecret({ jwtSecret: undefined, dataDir: root })).rejects.toThrow(
      `${join(root, 'jwt-secret')} holds no usable JWT secret (fewer than 16 characters): delete it to have a new one generated, or set JWT_SECRET`,
    );
  });
});

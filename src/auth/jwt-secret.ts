import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KilnConfig } from '../config/kiln-config';

export const JWT_SECRET_FILE = 'jwt-secret';
const MIN_SECRET_LENGTH = 16;

/**
 * The key tokens are signed with: `JWT_SECRET` when set; otherwise the one saved in
 * `{dataDir}/jwt-secret`, generated on first start. Every process sharing the data dir must end
 * with the same secret, so the file is published with link(), which, unlike rename(), fails
 * when the name exists: of two processes starting at once, the first wins and the other reads it.
 */
export async function resolveJwtSecret(
  config: Pick<KilnConfig, 'jwtSecret' | 'dataDir'>,
): Promise<string> {
  if (config.jwtSecret !== undefined) return config.jwtSecret;
  const path = join(config.dataDir, JWT_SECRET_FILE);
  const saved = await readSecret(path);
  if (saved !== undefined) return saved;

  await mkdir(config.dataDir, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  const temp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(temp, secret, { mode: 0o600, flag: 'wx' });
  try {
    await link(temp, path);
    return secret;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const winner = await readSecret(path);
    if (winner === undefined) throw new Error(`${path} vanished while Kiln was reading it`);
    return winner;
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}

async function readSecret(path: string): Promise<string | undefined> {
  let content: string;
  try {
    content = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const secret = content.trim();
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new Error(
      `${path} holds no usable JWT secret (fewer than ${MIN_SECRET_LENGTH} characters): delete it to have a new one generated, or set JWT_SECRET`,
    );
  }
  return secret;
}

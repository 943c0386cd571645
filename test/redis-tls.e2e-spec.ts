import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { freePort } from '../src/redis/redis-locator';
import {
  FIXTURES,
  REPO_ROOT,
  type RunningKiln,
  signUp,
  startKiln,
  waitFor,
} from './support/kiln-app';
import { exitOf } from './support/process-exit';
import { asUser } from './support/task-http';
import { uploadFiles } from './support/upload-files';

const PASSWORD = 'tls-test-s3cret';

/**
 * A CA and a certificate for 127.0.0.1 signed by it, made with the openssl command line: what
 * a deployment with its own CA has. Kiln trusts the CA through Node's NODE_EXTRA_CA_CERTS.
 */
function makeCertificates(dir: string): { ca: string; cert: string; key: string } {
  const path = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });
  openssl(
    ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1'],
    ...['-keyout', path('ca.key'), '-out', path('ca.crt'), '-subj', '/CN=kiln-test-ca'],
  );
  openssl(
    ...['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1'],
    ...['-keyout', path('redis.key'), '-out', path('redis.csr')],
  );
  writeFileSync(path('san.cnf'), 'subjectAltName=IP:127.0.0.1\n');
  openssl(
    ...['x509', '-req', '-in', path('redis.csr'), '-days', '1', '-CAcreateserial'],
    ...['-CA', path('ca.crt'), '-CAkey', path('ca.key'), '-out', path('redis.crt')],
    ...['-extfile', path('san.cnf')],
  );
  return { ca: path('ca.crt'), cert: path('redis.crt'), key: path('redis.key') };
}

/** Issue 17: `REDIS_URL` with `rediss://` (TLS) and a password, against a real redis-server. */
describe('REDIS_URL=rediss:// with a password', () => {
  let dir: string;
  let certificates: ReturnType<typeof makeCertificates>;
  let port: number;
  let server: ChildProcess;
  let kiln: RunningKiln | undefined;

  /** A client of the test's own, over TLS, to look at what Kiln wrote. */
  const inspect = () =>
    new Redis({
      host: '127.0.0.1',
      port,
      password: PASSWORD,
      tls: { ca: readFileSync(certificates.ca) },
      lazyConnect: true,
    });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kiln-redis-tls-'));
    certificates = makeCertificates(dir);
    port = await freePort();
    // TLS only (no plain port), and every client must give the password.
    server = spawn(
      'redis-server',
      [
        ...['--port', '0', '--tls-port', String(port), '--bind', '127.0.0.1', '--dir', dir],
        ...['--tls-cert-file', certificates.cert, '--tls-key-file', certificates.key],
        ...['--tls-ca-cert-file', certificates.ca, '--tls-auth-clients', 'no'],
        ...['--requirepass', PASSWORD, '--save', '', '--appendonly', 'no'],
      ],
      { stdio: 'ignore' },
    );
    await waitFor('the TLS Redis to answer', async () => {
      const client = inspect();
      try {
        await client.connect();
        return (await client.ping()) === 'PONG' ? true : undefined;
      } catch {
        return undefined;
      } finally {
        client.disconnect();
      }
    });
  });

  afterAll(async () => {
    await kiln?.stop();
    if (server && server.exitCode === null) {
      server.kill('SIGKILL');
      await exitOf(server);
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs the core loop over TLS, and never prints the password', async () => {
    const running = await startKiln({
      REDIS_URL: `rediss://:${PASSWORD}@127.0.0.1:${port}`,
      NODE_EXTRA_CA_CERTS: certificates.ca,
    });
    kiln = running;
    const user = await signUp(running.baseUrl, 'tls');
    const [taskId] = await uploadFiles(running.baseUrl, user.token, [
      [readFileSync(join(FIXTURES, 'image/CesiumLogoFlat.png')), 'CesiumLogoFlat.png'],
    ]);
    const { state } = await asUser(running.baseUrl, user.token).settled(taskId);

    expect(state).toBe('succeeded');
    const client = inspect();
    await client.connect();
    try {
      expect(await client.exists(`${running.keyPrefix}:task:${taskId}`)).toBe(1);
    } finally {
      client.disconnect();
    }
    expect(running.output()).toMatch(/Redis: rediss:\/\/:\*\*\*@127\.0\.0\.1:\d+, from REDIS_URL/);
    expect(running.output()).not.toContain(PASSWORD);
  });

  it('stops at once with one line, without the password, when the password is wrong', async () => {
    const wrong = 'not-the-password';
    const child = spawn(process.execPath, [join(REPO_ROOT, 'dist/main.js')], {
      cwd: REPO_ROOT,
      env: {
        PATH: process.env.PATH,
        PORT: '0',
        HOST: '127.0.0.1',
        KILN_DATA_DIR: join(dir, 'wrong-password'),
        REDIS_URL: `rediss://:${wrong}@127.0.0.1:${port}`,
        NODE_EXTRA_CA_CERTS: certificates.ca,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));

    const startedAt = Date.now();
    const code = await exitOf(child);

    expect(code).toBe(1);
    expect(output.trim().split('\n')).toEqual([
      expect.stringMatching(
        /^Kiln cannot start: Redis at rediss:\/\/:\*\*\*@127\.0\.0\.1:\d+ \(REDIS_URL\) refused the credentials: WRONGPASS .* Correct the user or password in REDIS_URL\.$/,
      ),
    ]);
    // Not the 5 s an unreachable Redis is given: waiting does not fix a password.
    expect(Date.now() - startedAt).toBeLessThan(4000);
    expect(output).not.toContain(wrong);
  });
});

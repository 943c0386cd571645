import { join } from 'node:path';
import request from 'supertest';
import {
  connectRealtime,
  FIXTURES,
  type RunningKiln,
  signUp,
  startKiln,
  waitFor,
} from './support/kiln-app';
import { type PrivateRedis, startPrivateRedis } from './support/private-redis';
import { type PrivateSentinel, startPrivateSentinel } from './support/private-sentinel';
import { redisReplyLines, sendRedisCommand } from './support/redis-wire';
import { succeeded } from './support/task-events';
import { asUser } from './support/task-http';
import { tinyPng } from './support/tiny-png';
import { uploadFiles } from './support/upload-files';

/** How long the failover test may wait for Kiln to run a task again on the new master. */
const RECOVERY_TIMEOUT_MS = 60_000;

/**
 * Kiln reaching its Redis through a real Sentinel (`redis-server --sentinel`) that monitors a
 * master with one replica, and following the sentinel to the replica when the master dies, then
 * back to the old master. The tests run in order, each from where the one before left the pair.
 */
describe('REDIS_SENTINELS: Redis through Sentinel', () => {
  let primary: PrivateRedis;
  let replica: PrivateRedis;
  let sentinel: PrivateSentinel;
  let kiln: RunningKiln;

  beforeAll(async () => {
    primary = await startPrivateRedis();
    replica = await startPrivateRedis({ replicaOf: primary.port });
    await waitFor('the replica to be in sync', () => isSyncedReplica(replica.port));
    // A master is down after a second without an answer, and a failover that fails is tried
    // again after 2 × 3 s: a failover takes seconds, not the defaults' minutes.
    sentinel = await startPrivateSentinel(primary.port, {
      downAfterMs: 1000,
      failoverTimeoutMs: 3000,
    });
    // Without it the sentinel would have no replica to promote.
    await sentinel.knowsReplicas(1);
    kiln = await startKiln({
      REDIS_URL: '',
      REDIS_SENTINELS: `127.0.0.1:${sentinel.port}`,
      REDIS_SENTINEL_NAME: sentinel.name,
    });
  });
  afterAll(async () => {
    await kiln?.stop();
    await sentinel?.stop();
    await replica?.stop();
    await primary?.stop();
  });

  it('says so at start-up, and runs the core loop on the master the sentinel names', async () => {
    expect(kiln.output()).toMatch(
      /Redis: redis:\/\/127\.0\.0\.1:\d+\/kiln-master, through REDIS_SENTINELS/,
    );
    const user = await signUp(kiln.baseUrl, 'sentinel');
    const upload = await request(kiln.baseUrl)
      .post('/uploads')
      .set('Authorization', `Bearer ${user.token}`)
      .attach('files', join(FIXTURES, 'image/CesiumLogoFlat.png'))
      .expect(201);
    const { taskId } = upload.body.assets[0] as { taskId: string };
    expect(await asUser(kiln.baseUrl, user.token).settled(taskId)).toMatchObject({
      state: 'succeeded',
    });
    // The keys are on the master the sentinel monitors.
    expect(await sendRedisCommand(primary.port, `EXISTS ${kiln.keyPrefix}:task:${taskId}`)).toBe(
      ':1',
    );
  });

  it('carries on on the replica the sentinel promotes when the master is killed', async () => {
    const user = await signUp(kiln.baseUrl, 'failover');
    const live = await connectRealtime(kiln.baseUrl, { token: user.token });
    try {
      const [before] = await uploadFiles(kiln.baseUrl, user.token, [[await tinyPng(1), 'a.png']]);
      await succeeded(live.events, before, 30_000);
      // Replication is asynchronous: what the master acknowledged last may be lost with it. The
      // test kills it only once the replica has acknowledged everything so far (the user too).
      await replicaCaughtUp(primary.port);

      const killedAt = Date.now();
      await primary.kill();
      await waitFor(
        'the sentinel to name the replica as master',
        async () => (await sentinel.masterPort().catch(() => undefined)) === replica.port,
        RECOVERY_TIMEOUT_MS,
      );
      const promotedAt = Date.now();

      // The same session, the same socket: Kiln found the new master by itself.
      const [after] = await uploadFiles(kiln.baseUrl, user.token, [[await tinyPng(2), 'b.png']]);
      expect(
        await asUser(kiln.baseUrl, user.token).settled(after, RECOVERY_TIMEOUT_MS),
      ).toMatchObject({ state: 'succeeded' });
      const recoveredAt = Date.now();
      console.log(
        `master killed → replica promoted: ${promotedAt - killedAt} ms, → task succeeded: ${recoveredAt - killedAt} ms`,
      );
      await succeeded(live.events, after, RECOVERY_TIMEOUT_MS);
      expect(await sendRedisCommand(replica.port, `EXISTS ${kiln.keyPrefix}:task:${after}`)).toBe(
        ':1',
      );
      await waitFor(
        '/health to answer 200',
        async () => (await request(kiln.baseUrl).get('/health')).status === 200,
        RECOVERY_TIMEOUT_MS,
      );
      expect([kiln.process.exitCode, kiln.process.signalCode]).toEqual([null, null]);
    } finally {
      live.socket.disconnect();
    }
  }, 180_000);

  it('leaves a replaced master that still runs as soon as the sentinel announces the switch', async () => {
    // The killed master starts again; the sentinel makes it a replica of the new one.
    await primary.start();
    await waitFor(
      'the old master to be a replica in sync',
      () => isSyncedReplica(primary.port),
      RECOVERY_TIMEOUT_MS,
    );
    const user = await signUp(kiln.baseUrl, 'failback');
    const live = await connectRealtime(kiln.baseUrl, { token: user.token });
    try {
      await replicaCaughtUp(replica.port);
      expect(await kilnClients(replica.port)).toEqual(
        expect.arrayContaining(['kiln:commands', 'kiln:session-subscriber', 'kiln:task-cancels']),
      );
      // A failover with the master still running: the sentinel demotes it only seconds later.
      await waitFor(
        'the sentinel to start a failover',
        async () =>
          (await sendRedisCommand(sentinel.port, `SENTINEL FAILOVER ${sentinel.name}`)) === '+OK',
        RECOVERY_TIMEOUT_MS,
      );
      await waitFor(
        'the sentinel to name the old master again',
        async () => (await sentinel.masterPort().catch(() => undefined)) === primary.port,
        RECOVERY_TIMEOUT_MS,
      );
      const switchedAt = Date.now();
      await waitFor(
        "Kiln's connections to leave the replaced master",
        async () => (await kilnClients(replica.port)).length === 0,
        RECOVERY_TIMEOUT_MS,
      );
      console.log(`switch announced → Kiln off the replaced master: ${Date.now() - switchedAt} ms`);
      // Kiln left because the switch was announced, not because the master was demoted (which
      // would also drop every connection to it): it is still a master, taking writes.
      expect((await redisReplyLines(replica.port, 'ROLE', 3))[2]).toBe('master');

      const [taskId] = await uploadFiles(kiln.baseUrl, user.token, [[await tinyPng(3), 'c.png']]);
      expect(
        await asUser(kiln.baseUrl, user.token).settled(taskId, RECOVERY_TIMEOUT_MS),
      ).toMatchObject({ state: 'succeeded' });
      await succeeded(live.events, taskId, RECOVERY_TIMEOUT_MS);
      expect(await sendRedisCommand(primary.port, `EXISTS ${kiln.keyPrefix}:task:${taskId}`)).toBe(
        ':1',
      );
      expect([kiln.process.exitCode, kiln.process.signalCode]).toEqual([null, null]);
    } finally {
      live.socket.disconnect();
    }
  }, 180_000);
});

/**
 * The names of the clients connected to a Redis but for the sentinel's, the replication links
 * and the one asking: Kiln's (`kiln:…`) and BullMQ's (some unnamed).
 */
async function kilnClients(port: number): Promise<string[]> {
  // A bulk string: its length, then one line per client, separated by \n alone.
  const [, list = ''] = await redisReplyLines(port, 'CLIENT LIST', 2);
  return list
    .split('\n')
    .filter((line) => line !== '' && !/ cmd=client\|list /.test(line))
    .filter((line) => !/ flags=\S*[SM]/.test(line))
    .map((line) => / name=(\S*)/.exec(line)?.[1] ?? '')
    .filter((name) => !name.startsWith('sentinel-'));
}

/** Resolves once the master's only replica has acknowledged the master's offset of now. */
/** Whether the Redis at `port` is a replica whose link to its master is up. */
async function isSyncedReplica(port: number): Promise<boolean> {
  // ROLE on a replica: *5, $5, slave, $9, 127.0.0.1, :<port>, $9, connected, …
  const role = await redisReplyLines(port, 'ROLE', 8).catch(() => []);
  return role[2] === 'slave' && role[7] === 'connected';
}

async function replicaCaughtUp(masterPort: number): Promise<void> {
  // ROLE on a master: *3, $6, master, :<offset>, *1, *3, $9, 127.0.0.1, $<n>, <port>, $<n>, <acked>
  const offset = Number((await redisReplyLines(masterPort, 'ROLE', 4))[3]?.slice(1));
  await waitFor('the replica to acknowledge every write', async () => {
    const role = await redisReplyLines(masterPort, 'ROLE', 12).catch(() => []);
    return Number(role[11]) >= offset;
  });
}

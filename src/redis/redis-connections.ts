import type { ConnectionOptions } from 'bullmq';
import Redis, { type RedisOptions } from 'ioredis';
import type { RedisSentinelTarget } from '../config/kiln-config';
import { redactUrl, RedisErrorLog } from './redis-error-log';

/** How long a connection may take to say goodbye (QUIT) before it is cut. */
const QUIT_TIMEOUT_MS = 1000;

/** Creates and tracks ioredis connections so the app closes all of them on shutdown. */
export class RedisConnections {
  private readonly open = new Set<Redis>();
  /** Every Redis error of this process goes here: ours, and BullMQ's queue and worker. */
  readonly errorLog: RedisErrorLog;

  /**
   * `url` is the Redis, or with `sentinel` what the sentinels' master is shown as in logs (its
   * password and `rediss:` still apply: ioredis takes them for the master).
   */
  constructor(
    readonly url: string,
    private readonly sentinel?: RedisSentinelTarget,
  ) {
    this.errorLog = new RedisErrorLog(redactUrl(url));
  }

  /** How ioredis reaches the master through the sentinels; undefined without them. */
  private sentinelOptions(): RedisOptions | undefined {
    if (!this.sentinel) return undefined;
    const parsed = new URL(this.url);
    return {
      sentinels: this.sentinel.sentinels.map(({ host, port }) => ({ host, port })),
      name: this.sentinel.name,
      // A failover whose old master still runs (SENTINEL FAILOVER, a partition that heals)
      // does not drop the connections to it: without this they keep writing there until the
      // sentinel demotes it (8 s or more), and those writes are lost when it resyncs as a
      // replica. With it each connection subscribes to the sentinels' +switch-master and
      // reconnects, asking them for the new master, as soon as it is announced.
      failoverDetector: true,
      password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
      username: parsed.username ? decodeURIComponent(parsed.username) : undefined,
      tls: parsed.protocol === 'rediss:' ? {} : undefined,
    };
  }

  /** A new connection, named in `CLIENT LIST` as `kiln:{purpose}`. */
  create(purpose: string, options: RedisOptions = {}): Redis {
    const sentinel = this.sentinelOptions();
    const named = { connectionName: `kiln:${purpose}`, ...options };
    const client = sentinel ? new Redis({ ...sentinel, ...named }) : new Redis(this.url, named);
    client.on('error', this.errorLog.report);
    client.on('ready', this.errorLog.recovered);
    this.open.add(client);
    client.once('end', () => this.open.delete(client));
    return client;
  }

  /** Options for BullMQ, which opens its own connections (blocking ones must not time out). */
  bullmqOptions(): ConnectionOptions {
    const sentinel = this.sentinelOptions();
    // The same ioredis options; BullMQ's RedisOptions type comes from its own copy of ioredis.
    return sentinel
      ? ({ ...sentinel, maxRetriesPerRequest: null } as ConnectionOptions)
      : { url: this.url, maxRetriesPerRequest: null };
  }

  /** Whether Redis answers right now (some connection is up): a shutdown waits on nothing else. */
  reachable(): boolean {
    return [...this.open].some((client) => client.status === 'ready');
  }

  /**
   * Closes every connection: QUIT where Redis answers (pending replies still arrive), a plain
   * disconnect where it does not, so a Redis that is gone never holds the shutdown up.
   */
  async closeAll(): Promise<void> {
    this.errorLog.silence();
    await Promise.all([...this.open].map((client) => closeConnection(client)));
  }
}

async function closeConnection(client: Redis): Promise<void> {
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    client.quit().catch(() => undefined),
    new Promise<void>((resolve) => (timer = setTimeout(resolve, QUIT_TIMEOUT_MS))),
  ]);
  clearTimeout(timer);
  // Also after a QUIT that was answered: it leaves the failover detector's connections to the
  // sentinels open (ioredis closes them only on disconnect), and they would keep the process
  // alive.
  client.disconnect();
}

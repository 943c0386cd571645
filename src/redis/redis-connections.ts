import type { ConnectionOptions } from 'bullmq';
import Redis, { type RedisOptions } from 'ioredis';
import { redactUrl, RedisErrorLog } from './redis-error-log';

/** How long a connection may take to say goodbye (QUIT) before it is cut. */
const QUIT_TIMEOUT_MS = 1000;

/** Creates and tracks ioredis connections so the app closes all of them on shutdown. */
export class RedisConnections {
  private readonly open = new Set<Redis>();
  /** Every Redis error of this process goes here: ours, and BullMQ's queue and worker. */
  readonly errorLog: RedisErrorLog;

  constructor(readonly url: string) {
    this.errorLog = new RedisErrorLog(redactUrl(url));
  }

  /** A new connection, named in `CLIENT LIST` as `kiln:{purpose}`. */
  create(purpose: string, options: RedisOptions = {}): Redis {
    const client = new Redis(this.url, { connectionName: `kiln:${purpose}`, ...options });
    client.on('error', this.errorLog.report);
    client.on('ready', this.errorLog.recovered);
    this.open.add(client);
    client.once('end', () => this.open.delete(client));
    return client;
  }

  /** Options for BullMQ, which opens its own connections (blocking ones must not time out). */
  bullmqOptions(): ConnectionOptions {
    return { url: this.url, maxRetriesPerRequest: null };
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
  const quitOrTimeout = Promise.race([
    client.quit().then(() => true),
    new Promise<boolean>((resolve) => (timer = setTimeout(resolve, QUIT_TIMEOUT_MS, false))),
  ]);
  const quit = await quitOrTimeout.catch(() => false);
  clearTimeout(timer);
  if (!quit) client.disconnect();
}

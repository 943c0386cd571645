import type { ConnectionOptions } from 'bullmq';
import Redis, { type RedisOptions } from 'ioredis';

/** Creates and tracks ioredis connections so the app closes all of them on shutdown. */
export class RedisConnections {
  private readonly open = new Set<Redis>();

  constructor(readonly url: string) {}

  /** A new connection, named in `CLIENT LIST` as `kiln:{purpose}`. */
  create(purpose: string, options: RedisOptions = {}): Redis {
    const client = new Redis(this.url, { connectionName: `kiln:${purpose}`, ...options });
    this.open.add(client);
    client.once('end', () => this.open.delete(client));
    return client;
  }

  /** Options for BullMQ, which opens its own connections (blocking ones must not time out). */
  bullmqOptions(): ConnectionOptions {
    return { url: this.url, maxRetriesPerRequest: null };
  }

  async closeAll(): Promise<void> {
    await Promise.all(
      [...this.open].map((client) => client.quit().catch(() => client.disconnect())),
    );
  }
}

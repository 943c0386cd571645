import { Injectable, Logger } from '@nestjs/common';
import type Redis from 'ioredis';
import { RedisConnections } from '../redis/redis-connections';
import { RedisKeys } from '../redis/redis-keys';
import { type ChannelMessage, SessionStream } from './session-stream';

type Listener = (sessionId: string, message: ChannelMessage) => void;

/**
 * This API process's subscriptions to session channels: one per session it holds sockets of,
 * counted, so the channel is dropped when its last socket leaves. The subscriber connection is
 * closed with all the others (RedisModule, at application shutdown): after the Socket.IO server,
 * whose closing releases every socket's hold.
 */
@Injectable()
export class SessionSubscriptions {
  private readonly logger = new Logger(SessionSubscriptions.name);
  private readonly subscriber: Redis;
  private readonly holders = new Map<string, number>();
  private readonly subscribed = new Map<string, Promise<void>>();
  private listener: Listener = () => undefined;

  constructor(
    connections: RedisConnections,
    private readonly keys: RedisKeys,
  ) {
    this.subscriber = connections.create('session-subscriber');
    const channelPrefix = keys.sessionChannel('');
    this.subscriber.on('message', (channel: string, message: string) => {
      try {
        this.listener(channel.slice(channelPrefix.length), SessionStream.parse(message));
      } catch (error) {
        this.logger.error(`Bad message on ${channel}`, error);
      }
    });
  }

  onMessage(listener: Listener): void {
    this.listener = listener;
  }

  /**
   * Counts one more socket of the session and resolves once the channel is subscribed, also for
   * a socket that arrives while the first one's SUBSCRIBE is still on its way.
   */
  async hold(sessionId: string): Promise<void> {
    const count = this.holders.get(sessionId) ?? 0;
    this.holders.set(sessionId, count + 1);
    let subscribed = this.subscribed.get(sessionId);
    if (count === 0 || !subscribed) {
      subscribed = this.subscriber
        .subscribe(this.keys.sessionChannel(sessionId))
        .then(() => undefined);
      this.subscribed.set(sessionId, subscribed);
    }
    await subscribed;
  }

  /**
   * Counts one socket of the session less and drops the channel after the last one. Never
   * throws: it runs on every disconnect, also while the process is stopping.
   */
  async release(sessionId: string): Promise<void> {
    const count = (this.holders.get(sessionId) ?? 0) - 1;
    if (count > 0) {
      this.holders.set(sessionId, count);
      return;
    }
    this.holders.delete(sessionId);
    this.subscribed.delete(sessionId);
    // A closed connection holds no subscriptions any more: nothing to drop.
    if (this.subscriber.status === 'end') return;
    try {
      await this.subscriber.unsubscribe(this.keys.sessionChannel(sessionId));
    } catch (error) {
      // Harmless: a stray subscription only delivers events to a room with no sockets.
      this.logger.warn(
        `Could not unsubscribe from session ${sessionId}: ${(error as Error).message}`,
      );
    }
  }
}

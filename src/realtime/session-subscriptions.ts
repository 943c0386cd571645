import { Injectable, Logger } from '@nestjs/common';
import type Redis from 'ioredis';
import { RedisConnections } from '../redis/redis-connections';
import { RedisKeys } from '../redis/redis-keys';
import { type ChannelMessage, SessionStream } from './session-stream';

type Listener = (sessionId: string, message: ChannelMessage) => void;
type ResubscribedListener = (sessionIds: string[]) => void;

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
  private resubscribed: ResubscribedListener = () => undefined;
  private interrupted: ResubscribedListener = () => undefined;
  private connectedBefore = false;

  constructor(
    connections: RedisConnections,
    private readonly keys: RedisKeys,
  ) {
    // Resubscribed by hand after a reconnect (not ioredis's autoResubscribe), so the gateway
    // learns when the channels are live again and can send what was published in between.
    this.subscriber = connections.create('session-subscriber', { autoResubscribe: false });
    this.subscriber.on('ready', () => void this.resubscribe());
    this.subscriber.on('close', () => {
      if (this.connectedBefore) this.interrupted([...this.holders.keys()]);
    });
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
   * Called after the subscriber connection came back (Redis restarted, a network cut) and its
   * channels are subscribed again, with the sessions held: their live events published while it
   * was away were not delivered and must be read from the streams.
   */
  onResubscribed(listener: ResubscribedListener): void {
    this.resubscribed = listener;
  }

  /**
   * Called when the subscriber connection closed, with the sessions held: from now until the
   * catch-up after `onResubscribed`, their live events must be held back, or one arriving right
   * after the resubscribe would be sent before the ones missed in the gap.
   */
  onInterrupted(listener: ResubscribedListener): void {
    this.interrupted = listener;
  }

  private async resubscribe(): Promise<void> {
    if (!this.connectedBefore) {
      this.connectedBefore = true;
      return;
    }
    const sessionIds = [...this.holders.keys()];
    try {
      if (sessionIds.length > 0)
        await this.subscriber.subscribe(...sessionIds.map((id) => this.keys.sessionChannel(id)));
    } catch (error) {
      // The connection dropped again: its next 'ready' tries again.
      this.logger.warn(`Could not subscribe again: ${(error as Error).message}`);
      return;
    }
    this.resubscribed(sessionIds);
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

import { Inject, Logger } from '@nestjs/common';
import {
  type OnGatewayConnection,
  type OnGatewayDisconnect,
  type OnGatewayInit,
  WebSocketGateway,
  WebSocketServer,
} from '@nestjs/websockets';
import type { Namespace, Socket } from 'socket.io';
import type { AuthPrincipal } from '../auth/auth-principal';
import { AuthService } from '../auth/auth.service';
import { KILN_CONFIG, type KilnConfig } from '../config/kiln-config';
import { CorsPolicy } from '../http/cors-policy';
import {
  type ClientToServerEvents,
  type HandshakeAuth,
  ORIGIN_NOT_ALLOWED,
  REALTIME_NAMESPACE,
  type ServerToClientEvents,
  UNAUTHORIZED,
} from '../contract';
import { compareEventIds, isEventId, type SessionEvent, SessionStream } from './session-stream';
import { SessionSubscriptions } from './session-subscriptions';

/** Per-socket state: who it is, the last event it got, and live events held back during replay. */
interface SocketData {
  principal: AuthPrincipal;
  lastEventId?: string;
  replayBuffer?: SessionEvent[];
  /** A stream id of the moment it connected: where a catch-up starts when it got no event yet. */
  connectedAt?: string;
  /**
   * Set from the moment the subscriber connection dropped until the catch-up after it is back;
   * `again` when it reconnected once more while the catch-up ran.
   */
  catchingUp?: { running: boolean; again: boolean };
}

type RealtimeSocket = Socket<
  ClientToServerEvents,
  ServerToClientEvents,
  Record<string, never>,
  SocketData
>;
type RealtimeNamespace = Namespace<
  ClientToServerEvents,
  ServerToClientEvents,
  Record<string, never>,
  SocketData
>;

export const sessionRoom = (sessionId: string): string => `session:${sessionId}`;

/**
 * The `/realtime` namespace. A socket is authenticated in the handshake, joined to its
 * session's room, optionally replayed the events it missed (or told to `resync` when the stream
 * no longer holds them), and then gets its session's live events, each exactly once and in
 * stream order.
 */
@WebSocketGateway({
  namespace: REALTIME_NAMESPACE,
  transports: ['websocket'],
})
export class RealtimeGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect {
  private readonly logger = new Logger(RealtimeGateway.name);

  @WebSocketServer() private readonly namespace!: RealtimeNamespace;
  private readonly cors: CorsPolicy;

  constructor(
    private readonly auth: AuthService,
    private readonly stream: SessionStream,
    private readonly subscriptions: SessionSubscriptions,
    @Inject(KILN_CONFIG) config: Pick<KilnConfig, 'corsOrigins'>,
  ) {
    this.cors = new CorsPolicy(config.corsOrigins);
  }

  afterInit(namespace: RealtimeNamespace): void {
    namespace.use((socket, next) => {
      // Browsers apply no CORS to websockets: a page of another site is refused here instead.
      const { origin, host } = socket.handshake.headers;
      if (!this.cors.allows(origin, host)) return next(new Error(ORIGIN_NOT_ALLOWED));
      const { token } = (socket.handshake.auth ?? {}) as Partial<HandshakeAuth>;
      if (typeof token !== 'string' || token === '') return next(new Error(UNAUTHORIZED));
      this.auth.verify(token).then(
        (principal) => {
          socket.data.principal = principal;
          next();
        },
        () => next(new Error(UNAUTHORIZED)),
      );
    });
    this.subscriptions.onMessage((sessionId, message) => {
      if (message.type === 'session-ended') {
        this.namespace.in(sessionRoom(sessionId)).disconnectSockets(true);
        return;
      }
      for (const socket of this.socketsOf(sessionId)) this.deliver(socket, message.event);
    });
    this.subscriptions.onInterrupted((sessionIds) => {
      for (const sessionId of sessionIds)
        for (const socket of this.socketsOf(sessionId)) this.holdBack(socket);
    });
    this.subscriptions.onResubscribed((sessionIds) => {
      for (const sessionId of sessionIds)
        for (const socket of this.socketsOf(sessionId)) void this.catchUp(socket);
    });
  }

  async handleConnection(socket: RealtimeSocket): Promise<void> {
    const { sessionId } = socket.data.principal;
    const { lastEventId } = (socket.handshake.auth ?? {}) as Partial<HandshakeAuth>;
    const replayFrom = isEventId(lastEventId) ? lastEventId : undefined;
    // Subscribe and join before reading the stream, holding live events back until the replay
    // is out: nothing published in between is missed or sent twice.
    socket.data.lastEventId = replayFrom;
    socket.data.replayBuffer = replayFrom ? [] : undefined;
    socket.data.connectedAt = `${Date.now()}-0`;
    try {
      await this.subscriptions.hold(sessionId);
      await socket.join(sessionRoom(sessionId));
      if (replayFrom) {
        const replay = await this.stream.replay(sessionId, replayFrom);
        if (replay.resync)
          emitEvent(socket, 'resync', { ...replay.resync, at: new Date().toISOString() });
        for (const event of replay.events) this.emit(socket, event);
        // Live events up to the stream's newest were replayed or are covered by the resync; a
        // lastEventId newer than the newest (another server's clock, a made-up id) must not hold
        // back the ones after it.
        socket.data.lastEventId = replay.newestEventId;
        const held = socket.data.replayBuffer ?? [];
        socket.data.replayBuffer = undefined;
        for (const event of held) this.deliver(socket, event);
      }
    } catch (error) {
      this.logger.error(`Socket ${socket.id} of session ${sessionId} could not be set up`, error);
      socket.disconnect(true);
    }
  }

  /** Runs for every socket when the server closes at shutdown too, so it must never throw. */
  async handleDisconnect(socket: RealtimeSocket): Promise<void> {
    const principal = socket.data.principal as AuthPrincipal | undefined;
    if (!principal) return;
    try {
      await this.subscriptions.release(principal.sessionId);
    } catch (error) {
      this.logger.error(
        `Socket ${socket.id} of session ${principal.sessionId} not released`,
        error,
      );
    }
  }

  /**
   * After the subscriber reconnected: sends a socket that stayed connected what its session's
   * stream got while the channel was away, holding live events back meanwhile, as a replay does.
   */
  /** The subscriber dropped: live events wait until the catch-up has sent the missed ones. */
  private holdBack(socket: RealtimeSocket): void {
    // A socket still in its first replay is covered by it.
    if (socket.data.catchingUp || socket.data.replayBuffer) return;
    socket.data.catchingUp = { running: false, again: false };
    socket.data.replayBuffer = [];
  }

  private async catchUp(socket: RealtimeSocket): Promise<void> {
    const state = socket.data.catchingUp;
    if (!state) {
      if (socket.data.replayBuffer) return; // in its first replay
      this.holdBack(socket); // the close went unseen (e.g. the socket joined meanwhile)
      return this.catchUp(socket);
    }
    if (state.running) {
      // Its read may predate this reconnect's gap: read once more when it is done.
      state.again = true;
      return;
    }
    const { sessionId } = socket.data.principal;
    state.running = true;
    state.again = true;
    while (state.again) {
      state.again = false;
      const from = socket.data.lastEventId ?? socket.data.connectedAt ?? '0-0';
      try {
        // Skips what the socket already got; live events wait in replayBuffer meanwhile.
        for (const event of await this.stream.readAfter(sessionId, from))
          this.emitNew(socket, event);
      } catch (error) {
        // Redis went away again: its next reconnect tries again; live events flow meanwhile.
        this.logger.warn(`Socket ${socket.id} could not catch up: ${(error as Error).message}`);
      }
    }
    const held = socket.data.replayBuffer ?? [];
    socket.data.replayBuffer = undefined;
    socket.data.catchingUp = undefined;
    for (const event of held) this.deliver(socket, event);
  }

  private socketsOf(sessionId: string): RealtimeSocket[] {
    const ids = this.namespace.adapter.rooms.get(sessionRoom(sessionId)) ?? new Set<string>();
    return [...ids].flatMap((id) => this.namespace.sockets.get(id) ?? []);
  }

  private deliver(socket: RealtimeSocket, event: SessionEvent): void {
    if (socket.data.replayBuffer) {
      socket.data.replayBuffer.push(event);
      return;
    }
    this.emitNew(socket, event);
  }

  /** Emits the event unless the socket already got it (or a later one). */
  private emitNew(socket: RealtimeSocket, event: SessionEvent): void {
    const last = socket.data.lastEventId;
    if (last !== undefined && compareEventIds(event.eventId, last) <= 0) return;
    this.emit(socket, event);
  }

  private emit(socket: RealtimeSocket, event: SessionEvent): void {
    socket.data.lastEventId = event.eventId;
    emitEvent(socket, event.name, event.payload);
  }
}

/** Emits one contract event: the name picks the payload's type (`ServerToClientEvents`). */
function emitEvent<N extends keyof ServerToClientEvents>(
  socket: RealtimeSocket,
  name: N,
  ...payload: Parameters<ServerToClientEvents[N]>
): void {
  socket.emit(name, ...payload);
}

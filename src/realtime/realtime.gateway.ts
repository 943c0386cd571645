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
import { CutSocketLog, isTooFarBehind, replayWindow, type SocketBacklog } from './flood-control';
import { compareEventIds, isEventId, type SessionEvent, SessionStream } from './session-stream';
import { SessionSubscriptions } from './session-subscriptions';
import { batchSocketWrites } from './socket-write-batching';

/**
 * Per-socket state: who it is, the last event it got, live events held back during replay, and
 * whether flood control cut it.
 */
interface SocketData {
  principal: AuthPrincipal;
  lastEventId?: string;
  replayBuffer?: SessionEvent[];
  cut?: boolean;
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

/** At most this many warnings about cut sockets in 10 s; see CutSocketLog. */
const CUT_LOG_LINES_PER_10_S = 10;

export const sessionRoom = (sessionId: string): string => `session:${sessionId}`;

/**
 * The `/realtime` namespace. A socket is authenticated in the handshake, joined to its
 * session's room, optionally replayed the events it missed (or told to `resync` when the stream
 * no longer holds them), and then gets its session's live events, each exactly once and in
 * stream order. A socket that falls `KILN_SOCKET_MAX_BUFFERED_EVENTS` behind is disconnected
 * (flood-control.ts); its client resumes by replay.
 */
@WebSocketGateway({
  namespace: REALTIME_NAMESPACE,
  transports: ['websocket'],
})
export class RealtimeGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect {
  private readonly logger = new Logger(RealtimeGateway.name);

  @WebSocketServer() private readonly namespace!: RealtimeNamespace;
  private readonly cors: CorsPolicy;
  private readonly maxBufferedEvents: number;
  private readonly replayWindow: number;
  private readonly cutLog = new CutSocketLog(CUT_LOG_LINES_PER_10_S, 10_000);

  constructor(
    private readonly auth: AuthService,
    private readonly stream: SessionStream,
    private readonly subscriptions: SessionSubscriptions,
    @Inject(KILN_CONFIG) config: Pick<KilnConfig, 'corsOrigins' | 'socketMaxBufferedEvents'>,
  ) {
    this.cors = new CorsPolicy(config.corsOrigins);
    this.maxBufferedEvents = config.socketMaxBufferedEvents;
    this.replayWindow = replayWindow(config.socketMaxBufferedEvents);
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
      const ids = this.namespace.adapter.rooms.get(sessionRoom(sessionId));
      if (!ids) return;
      for (const id of ids) {
        const socket = this.namespace.sockets.get(id);
        if (socket) for (const event of message.events) this.deliver(socket, event);
      }
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
    batchSocketWrites(socket);
    socket.data.connectedAt = `${Date.now()}-0`;
    try {
      await this.subscriptions.hold(sessionId);
      await socket.join(sessionRoom(sessionId));
      if (replayFrom) {
        const replay = await this.stream.replay(sessionId, replayFrom);
        if (replay.resync)
          emitEvent(socket, 'resync', { ...replay.resync, at: new Date().toISOString() });
        for (const event of replay.events) {
          if (!(await this.paced(socket))) return;
          this.emit(socket, event);
        }
        // Live events up to the stream's newest were replayed or are covered by the resync; a
        // lastEventId newer than the newest (another server's clock, a made-up id) must not hold
        // back the ones after it.
        socket.data.lastEventId = replay.newestEventId;
        // The held-back events leave the buffer one by one, paced like the replay: live ones that
        // arrive meanwhile queue behind them, and count against the cap while they wait.
        const held = socket.data.replayBuffer ?? [];
        for (let event = held.shift(); event; event = held.shift()) {
          if (!(await this.paced(socket))) return;
          this.sendIfNew(socket, event);
        }
        socket.data.replayBuffer = undefined;
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

  /** The subscriber dropped: live events wait until the catch-up has sent the missed ones. */
  private holdBack(socket: RealtimeSocket): void {
    // A socket still in its first replay is covered by it.
    if (socket.data.catchingUp || socket.data.replayBuffer) return;
    socket.data.catchingUp = { running: false, again: false };
    socket.data.replayBuffer = [];
  }

  /**
   * After the subscriber reconnected: sends a socket that stayed connected what its session's
   * stream got while the channel was away, holding live events back meanwhile, as a replay does.
   */
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
          this.sendIfNew(socket, event);
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
    if (socket.data.cut) return;
    const held = socket.data.replayBuffer;
    const backlog = { unsent: unsentPackets(socket), heldBack: held?.length ?? 0 };
    if (isTooFarBehind(backlog, this.maxBufferedEvents)) {
      this.cut(socket, backlog);
      return;
    }
    if (held) held.push(event);
    else this.sendIfNew(socket, event);
  }

  private sendIfNew(socket: RealtimeSocket, event: SessionEvent): void {
    const last = socket.data.lastEventId;
    if (last !== undefined && compareEventIds(event.eventId, last) <= 0) return;
    this.emit(socket, event);
  }

  /**
   * Lets a replay go on: at once while fewer than a replay window's events wait to be sent, else
   * once the connection took them. False when the socket is gone meanwhile (cut, or closed by its
   * client): the replay stops, and the client's next connection replays from where it got to.
   */
  private async paced(socket: RealtimeSocket): Promise<boolean> {
    if (socket.connected && unsentPackets(socket) >= this.replayWindow) {
      await new Promise<void>((resolve) => {
        const done = () => {
          socket.conn.off('drain', done);
          socket.conn.off('close', done);
          resolve();
        };
        socket.conn.on('drain', done);
        socket.conn.on('close', done);
      });
    }
    return socket.connected && !socket.data.cut;
  }

  /**
   * Disconnects a socket that fell too far behind, dropping what it has queued: Engine.IO's buffer
   * (a hard close does not wait for it to drain, which a stalled client never lets happen) and the
   * bytes already handed to the connection (destroyed, rather than kept through the WebSocket
   * closing handshake the client would not answer).
   */
  private cut(socket: RealtimeSocket, backlog: SocketBacklog): void {
    socket.data.cut = true;
    const reported = this.cutLog.record();
    if (reported !== undefined) {
      const behind = backlog.unsent + backlog.heldBack;
      const held = backlog.heldBack > 0 ? `, ${backlog.heldBack} held behind its replay` : '';
      const others = reported > 1 ? `; ${reported - 1} more cut since the last such line` : '';
      this.logger.warn(
        `Socket ${socket.id} of session ${socket.data.principal.sessionId} fell ${behind} events ` +
          `behind${held} (KILN_SOCKET_MAX_BUFFERED_EVENTS=${this.maxBufferedEvents}): ` +
          `disconnected, it resumes by replay${others}`,
      );
    }
    socket.conn.close(true);
    socket.conn.request.socket.destroy();
  }

  private emit(socket: RealtimeSocket, event: SessionEvent): void {
    socket.data.lastEventId = event.eventId;
    emitEvent(socket, event.name, event.payload);
  }
}

/**
 * Packets Engine.IO queued for the socket because its connection has not taken the previous ones
 * yet. Its types mark the buffer private, but it is the one measure of a socket's backlog Engine.IO
 * keeps; test/slow-socket.e2e-spec.ts fails should a new version stop keeping it.
 */
function unsentPackets(socket: RealtimeSocket): number {
  return (socket.conn as unknown as { writeBuffer: readonly unknown[] }).writeBuffer.length;
}

/** Emits one contract event: the name picks the payload's type (`ServerToClientEvents`). */
function emitEvent<N extends keyof ServerToClientEvents>(
  socket: RealtimeSocket,
  name: N,
  ...payload: Parameters<ServerToClientEvents[N]>
): void {
  socket.emit(name, ...payload);
}

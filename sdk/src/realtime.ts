import { io, type Socket } from 'socket.io-client';
import {
  type ClientToServerEvents,
  type HandshakeAuth,
  REALTIME_EVENT_NAMES,
  REALTIME_NAMESPACE,
  type RealtimeEvent,
  type RealtimeEventName,
  type ServerToClientEvents,
  UNAUTHORIZED,
} from '../../src/contract/index';

/** `online`: connected and caught up; `offline`: reconnecting by itself; `unauthorized`: sign in again. */
export type ConnectionStatus = 'online' | 'offline' | 'unauthorized';

/** Everything `kiln.on(…)` can listen to: the server's events (from its contract) and the connection's status. */
export interface KilnEvents extends ServerToClientEvents {
  status: (status: ConnectionStatus) => void;
}

type Listener = (payload: never) => void;

/** How long after the server closed the socket the client connects again. */
const SERVER_DISCONNECT_RETRY_MS = 500;

/**
 * The session's Socket.IO connection. It reconnects by itself and resumes from the last event it
 * delivered (`lastEventId`), so the server replays what was missed; an event at or before that
 * id (a replay overlapping a live one) is dropped, so listeners see each event once, in order.
 */
export class RealtimeConnection {
  readonly socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  private readonly listeners = new Map<keyof KilnEvents, Set<Listener>>();
  private last: string | undefined;
  status: ConnectionStatus = 'offline';
  /** Set by close(): no reconnection after it. */
  private closed = false;

  constructor(baseUrl: string, token: () => string | undefined, lastEventId?: string) {
    this.last = lastEventId;
    this.socket = io(`${baseUrl}${REALTIME_NAMESPACE}`, {
      // Websocket only, as the server expects: several API processes need no sticky sessions.
      transports: ['websocket'],
      autoConnect: false,
      reconnectionDelay: 250,
      reconnectionDelayMax: 5000,
      // A function, so each reconnection sends the id of the last event delivered by then.
      auth: (send: (auth: HandshakeAuth) => void) =>
        send({ token: token() ?? '', ...(this.last ? { lastEventId: this.last } : {}) }),
    });
    for (const name of REALTIME_EVENT_NAMES) {
      this.socket.on(name, (payload: { eventId: string }) => this.deliver(name, payload));
    }
    this.socket.on('resync', (event) => this.dispatch('resync', event));
    this.socket.on('connect', () => this.setStatus('online'));
    this.socket.on('disconnect', (reason) => {
      this.setStatus('offline');
      // Socket.IO reconnects by itself after a transport failure, but not when the server closed
      // the socket: a restarting server does that, and so does a logout. Connecting again tells
      // which: a logged-out session is refused with `unauthorized` and stays down.
      if (reason === 'io server disconnect' && !this.closed) {
        setTimeout(() => {
          if (!this.closed) this.socket.connect();
        }, SERVER_DISCONNECT_RETRY_MS);
      }
    });
    this.socket.on('connect_error', (error) => {
      // Refused by the server's handshake check: retrying with the same token cannot help.
      this.setStatus(error.message === UNAUTHORIZED ? 'unauthorized' : 'offline');
    });
  }

  /** The id of the last task event delivered: pass it to a later client to resume from there. */
  get lastEventId(): string | undefined {
    return this.last;
  }

  connect(): void {
    this.closed = false;
    if (!this.socket.connected && !this.socket.active) this.socket.connect();
  }

  close(): void {
    this.closed = true;
    this.socket.disconnect();
  }

  on<N extends keyof KilnEvents>(name: N, listener: KilnEvents[N]): () => void {
    let set = this.listeners.get(name);
    if (!set) this.listeners.set(name, (set = new Set()));
    set.add(listener);
    this.connect();
    return () => set.delete(listener);
  }

  /** Every task event, as one `{name, payload}` stream. */
  onTaskEvent(listener: (event: RealtimeEvent) => void): () => void {
    const offs = REALTIME_EVENT_NAMES.map((name) =>
      this.on(name, (payload: RealtimeEvent['payload']) =>
        listener({ name, payload } as RealtimeEvent),
      ),
    );
    return () => offs.forEach((off) => off());
  }

  private deliver(name: RealtimeEventName, payload: { eventId: string }): void {
    if (this.last !== undefined && compareEventIds(payload.eventId, this.last) <= 0) return;
    this.last = payload.eventId;
    this.dispatch(name, payload);
  }

  private setStatus(status: ConnectionStatus): void {
    if (status === this.status) return;
    this.status = status;
    this.dispatch('status', status);
  }

  private dispatch(name: keyof KilnEvents, payload: unknown): void {
    for (const listener of [...(this.listeners.get(name) ?? [])]) {
      try {
        (listener as (payload: unknown) => void)(payload);
      } catch (error) {
        // One listener's bug must not stop the others, nor the connection.
        setTimeout(() => {
          throw error;
        });
      }
    }
  }
}

/** Orders Redis stream ids (`<ms>-<seq>`): negative, zero or positive, as for sort. */
export function compareEventIds(a: string, b: string): number {
  const [aMs = 0, aSeq = 0] = a.split('-').map(Number);
  const [bMs = 0, bSeq = 0] = b.split('-').map(Number);
  return aMs - bMs || aSeq - bSeq;
}

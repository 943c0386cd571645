import type { Socket as NetSocket } from 'node:net';
import type { Socket } from 'socket.io';

/** The part of engine.io's websocket transport this file touches (not in its public types). */
interface BurstSender {
  send(packets: unknown[]): void;
}

/**
 * Makes every burst of packets engine.io sends on this socket one write to the TCP socket.
 *
 * engine.io sends the first packet at once and queues the ones emitted while it is on its way;
 * then it sends the queue as a burst, one websocket frame after another, and `ws` writes each
 * frame on its own: a `writev` system call per event. A task's progress events come in bursts
 * (one Redis message per event, many per read), so that was the gateway's largest cost under
 * load (docs/performance.md, "Realtime"). Corking the TCP socket around the burst sends the same
 * frames, in the same order, in one call. Only for the websocket transport; anything else is
 * left as it is.
 */
export function batchSocketWrites(socket: Socket): void {
  const transport = socket.conn.transport as unknown as Partial<BurstSender> & { name?: string };
  // The upgrade request's socket is the TCP socket the websocket writes to.
  const tcp = socket.request.socket as NetSocket | undefined;
  if (transport.name !== 'websocket' || typeof transport.send !== 'function' || !tcp?.cork) {
    return;
  }
  const send = transport.send.bind(transport);
  transport.send = (packets: unknown[]) => {
    tcp.cork();
    try {
      send(packets);
    } finally {
      tcp.uncork();
    }
  };
}

import { connect } from 'node:net';

/**
 * Sends one inline command and answers the first reply line. The global set-up and teardown
 * use this instead of ioredis: a client library's sockets and timers in jest's parent process
 * keep jest from exiting.
 */
export async function sendRedisCommand(port: number, command: string): Promise<string> {
  const [first] = await redisReplyLines(port, command, 1);
  return first ?? '';
}

/**
 * Sends one inline command and answers the reply's first `lines` lines, for a reply of more
 * than one (`SENTINEL get-master-addr-by-name` is `*2`, `$9`, `127.0.0.1`, `$5`, the port). An
 * error or a nil reply is one line: it comes alone.
 */
export function redisReplyLines(port: number, command: string, lines: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let reply = '';
    const received = () => reply.split('\r\n').slice(0, -1);
    socket.setTimeout(2000, () => socket.destroy(new Error('timeout')));
    socket.on('connect', () => socket.write(`${command}\r\n`));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      const got = received();
      if (got.length >= lines || /^(-|\*-1$|\$-1$)/.test(got[0] ?? '')) socket.end();
    });
    socket.on('close', () => resolve(received().slice(0, lines)));
    socket.on('error', reject);
  });
}

/* eslint-disable @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-member-access --
   Plain JavaScript run by node without a compile step: values from JSON and IPC are untyped. */
// Baseline "bare Socket.IO" of bench/realtime: a Socket.IO server (websocket transport, the
// namespace and room per session as Kiln's gateway) that emits the events of S × T tasks of K
// progress ticks + 1 end straight to the session rooms: no queue, no Redis, no auth beyond the
// handshake's session id. Emits as fast as it can (in slices of 256 per macrotask, so the
// sockets get written), or paced at `rate` events/s.
//
// IPC in: { id, sids: [...], perSession, k, rate? }; out: { id, emitted, emitMs }.
// The payload is Kiln's progress event's shape with `at` as epoch ms (µs precision).
import { createServer } from 'node:http';
import { Server } from 'socket.io';

const http = createServer();
const io = new Server(http, { transports: ['websocket'] });
const realtime = io.of('/realtime');
realtime.use((socket, next) => {
  const { sid } = socket.handshake.auth ?? {};
  if (typeof sid !== 'string') return next(new Error('unauthorized'));
  socket.data.sid = sid;
  next();
});
realtime.on('connection', (socket) => void socket.join(`session:${socket.data.sid}`));

const nowMs = () => performance.timeOrigin + performance.now();
const tick = () => new Promise((resolve) => setImmediate(resolve));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

let runs = 0;
async function run({ sids, perSession, k, rate }) {
  const runId = `b${runs++}`;
  const tasks = [];
  for (let n = 0; n < sids.length * perSession; n++)
    tasks.push({ taskId: `${runId}-${n}`, sid: sids[n % sids.length] });
  // Four tasks "run" at once, as in Kiln's four slots: their events interleave.
  let emitted = 0;
  const t0 = nowMs();
  for (let first = 0; first < tasks.length; first += 4) {
    const running = tasks.slice(first, first + 4);
    for (let i = 1; i <= k + 1; i++) {
      for (const { taskId, sid } of running) {
        const at = nowMs();
        const room = realtime.to(`session:${sid}`);
        if (i <= k)
          room.emit('task.progress', { taskId, step: 'bench', progress: (i * 100) / k, at });
        else room.emit('task.succeeded', { taskId, outputs: [], at });
        emitted++;
        if (rate) {
          const ahead = t0 + (emitted / rate) * 1000 - nowMs();
          if (ahead > 1) await sleep(ahead);
        } else if (emitted % 256 === 0) await tick();
      }
    }
  }
  return { emitted, emitMs: nowMs() - t0 };
}

http.listen(0, '127.0.0.1', () => {
  process.send({ ready: true, url: `http://127.0.0.1:${http.address().port}` });
});
process.on('message', (message) => {
  run(message).then(
    (result) => process.send({ id: message.id, ...result }),
    (error) => process.send({ id: message.id, error: String(error?.stack ?? error) }),
  );
});
process.on('disconnect', () => {
  void io.close();
  process.exit(0);
});

/* eslint-disable @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-return --
   Plain JavaScript run by node without a compile step: values from JSON, IPC and sockets are
   untyped (`any`) to the type-aware rules, which are meant for the TypeScript sources. */
// CPU time per process and per thread, from /proc/<pid>/task/<tid>/stat (utime + stime, in
// clock ticks of 10 ms): where the CPU went during a phase.
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

const TICK_MS = 10; // getconf CLK_TCK = 100 on Linux

function statMs(path) {
  const stat = readFileSync(path, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state): utime is field 14, stime field 15
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
}

function threadTimes(pid) {
  const threads = [];
  let tids = [];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return threads;
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // fields[0] is field 3 (state): utime is field 14, stime field 15
      const ms = (Number(fields[11]) + Number(fields[12])) * TICK_MS;
      threads.push({ tid: Number(tid), comm, ms });
    } catch {
      // the thread ended
    }
  }
  return threads;
}

/**
 * CPU ms of a process: in all (/proc/<pid>/stat, which keeps the time of threads that have
 * ended, such as libvips' idle workers), its main thread, the rest, and per live thread name.
 */
export function processCpu(pid) {
  const byComm = {};
  let main = 0;
  for (const { tid, comm, ms } of threadTimes(pid)) {
    if (tid === pid) main += ms;
    else byComm[comm] = (byComm[comm] ?? 0) + ms;
  }
  let total;
  try {
    total = statMs(`/proc/${pid}/stat`);
  } catch {
    return { main: 0, others: 0, total: 0, byComm };
  }
  return { main, others: total - main, total, byComm };
}

/** Snapshots of several processes; `diff(a, b)` gives the CPU ms spent in between. */
export function cpuSnapshot(pids) {
  return Object.fromEntries(
    Object.entries(pids)
      .filter(([, pid]) => pid)
      .map(([name, pid]) => [name, processCpu(pid)]),
  );
}

export function cpuDiff(before, after) {
  const out = {};
  for (const [name, b] of Object.entries(after)) {
    const a = before[name] ?? { main: 0, others: 0, total: 0, byComm: {} };
    const byComm = {};
    for (const [comm, ms] of Object.entries(b.byComm)) byComm[comm] = ms - (a.byComm[comm] ?? 0);
    out[name] = {
      main: b.main - a.main,
      others: b.others - a.others,
      total: b.total - a.total,
      byComm,
    };
  }
  return out;
}

/** The pid of the Redis server at `url` when it runs on this machine (INFO server). */
export async function redisPid(redis) {
  const info = await redis.info('server');
  const pid = Number(/process_id:(\d+)/.exec(info)?.[1]);
  try {
    readFileSync(`/proc/${pid}/stat`);
    return pid;
  } catch {
    return undefined;
  }
}

/** Machine-wide CPU ticks from /proc/stat (all cores). */
export function systemCpu() {
  const fields = readFileSync('/proc/stat', 'utf8')
    .split('\n')[0]
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = fields;
  return {
    busy: user + nice + system + irq + softirq,
    idle: idle + iowait,
    iowait,
    steal,
    total: fields.slice(0, 8).reduce((a, b) => a + b, 0),
  };
}

/** Between two systemCpu() readings: the share of all cores that was busy, in %. */
export function systemBusyPct(before, after) {
  const total = after.total - before.total;
  return {
    busyPct: total > 0 ? ((after.busy - before.busy) / total) * 100 : NaN,
    iowaitPct: total > 0 ? ((after.iowait - before.iowait) / total) * 100 : NaN,
    stealPct: total > 0 ? ((after.steal - before.steal) / total) * 100 : NaN,
  };
}

/** Calls per Redis command so far (INFO commandstats). */
export async function redisCommandCalls(redis) {
  const info = await redis.info('commandstats');
  const calls = {};
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm))
    calls[match[1]] = Number(match[2]);
  return calls;
}

/** Commands issued between two redisCommandCalls() readings, per command, minus our INFO calls. */
export function redisCommandDiff(before, after) {
  const diff = {};
  let total = 0;
  for (const [name, calls] of Object.entries(after)) {
    const n = calls - (before[name] ?? 0) - (name === 'info' ? 1 : 0);
    if (n > 0) {
      diff[name] = n;
      total += n;
    }
  }
  return { total, byCommand: diff };
}

/**
 * CPU over a window: the machine's busy %, the share used by our processes (`pids`), and the rest
 * ("foreign": anything else on the machine, which would disturb the timings).
 */
export function cpuWindow(pids) {
  const cores = availableParallelism();
  const t0 = performance.now();
  const sys0 = systemCpu();
  const ours0 = cpuSnapshot(pids);
  return () => {
    const wallMs = performance.now() - t0;
    const { busyPct } = systemBusyPct(sys0, systemCpu());
    const used = cpuDiff(ours0, cpuSnapshot(pids));
    const oursMs = Object.values(used).reduce((sum, c) => sum + c.total, 0);
    const oursPct = (oursMs / (cores * wallMs)) * 100;
    return { wallMs, busyPct, oursPct, foreignPct: Math.max(0, busyPct - oursPct), used };
  };
}

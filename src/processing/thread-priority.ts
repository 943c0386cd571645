import { readdirSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/**
 * Lowers the CPU priority (raises the nice value to `niceness`) of every thread of this process
 * except the main one, and answers how many it lowered.
 *
 * Why: the main thread is the API's and the task loop's event loop (HTTP, Redis, the socket
 * relay), while the pixels are crunched by the pool's threads and the libuv and libvips threads
 * they drive. On a machine whose cores the image work fills, the main thread otherwise waits for
 * a core behind them, and every request and event waits with it (measured on 2 cores, 100
 * sessions of small uploads: API p99 110–130 → 58–82 ms, event p99 39–66 → 22–32 ms, and more
 * tasks/s, as the loop that feeds the pool is no longer starved; see docs/performance.md). Nice
 * only weighs when cores are contended: an idle API leaves the image work all the CPU.
 *
 * Linux only: there the nice value is per thread (setpriority(2) on a thread id), and a thread
 * inherits it from the thread that creates it, so the libvips threads the (lowered) libuv threads
 * start later are lowered too. Elsewhere (no /proc/self/task) it does nothing. Raising the nice
 * value needs no privilege; a thread already at or above `niceness` is left alone.
 */
export function lowerOtherThreadsPriority(niceness: number): number {
  if (niceness <= 0 || process.platform !== 'linux') return 0;
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return 0;
  }
  let lowered = 0;
  for (const tid of tids.map(Number)) {
    if (tid === process.pid) continue; // the main thread's id is the process id
    try {
      if (getPriority(tid) >= niceness) continue;
      setPriority(tid, niceness);
      lowered += 1;
    } catch {
      // The thread ended between the listing and the call: nothing to lower.
    }
  }
  return lowered;
}

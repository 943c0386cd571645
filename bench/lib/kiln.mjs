/* eslint-disable @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-return --
   Plain JavaScript run by node without a compile step: values from JSON, IPC and sockets are
   untyped (`any`) to the type-aware rules, which are meant for the TypeScript sources. */
// Starts the BUILT app (dist/main.js) as a child process on a free port, as the e2e tests do,
// and samples its memory from /proc.
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DIST_MAIN, REPO_ROOT, sleep } from './env.mjs';

const ELD_PROBE = fileURLToPath(new URL('./eld-probe.mjs', import.meta.url));
const KEEP_OUTPUT = 64 * 1024;

/**
 * @param {object} o
 * @param {string} o.redisUrl
 * @param {string} o.keyPrefix
 * @param {string} o.dataDir
 * @param {'all'|'api'|'worker'} [o.role]
 * @param {string} [o.eldFile] when set, the event-loop delay probe is preloaded (see eld-probe.mjs)
 * @param {Record<string,string>} [o.env]
 * @param {string[]} [o.nodeArgs] e.g. ['--cpu-prof', '--cpu-prof-dir', dir] to profile
 * @param {string[]} [o.launcher] a command that execs node, e.g. ['nice', '-n', '10']
 * @param {string} [o.main] another build's main.js (an A/B of two builds), else this one's dist/
 * @param {string} [o.logFile] when set, all the process's output is also written there
 */
export async function startKiln({
  redisUrl,
  keyPrefix,
  dataDir,
  role = 'all',
  eldFile,
  env = {},
  nodeArgs = [],
  launcher = [],
  main = DIST_MAIN,
  logFile,
}) {
  const args = [...nodeArgs, ...(eldFile ? ['--import', pathToFileURL(ELD_PROBE).href] : []), main];
  const [command, ...commandArgs] = [...launcher, process.execPath, ...args];
  const child = spawn(command, commandArgs, {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH,
      REDIS_URL: redisUrl,
      PORT: '0',
      HOST: '127.0.0.1',
      KILN_ROLE: role,
      KILN_KEY_PREFIX: keyPrefix,
      KILN_DATA_DIR: dataDir,
      KILN_SHUTDOWN_GRACE_MS: '10000',
      ...(eldFile ? { BENCH_ELD_FILE: eldFile } : {}),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const log = logFile ? createWriteStream(logFile, { flags: 'a' }) : undefined;
  const append = (chunk) => {
    output = (output + chunk.toString()).slice(-KEEP_OUTPUT);
    log?.write(chunk);
  };
  child.stdout.on('data', append);
  child.stderr.on('data', append);
  const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));

  const ready =
    role === 'worker'
      ? /processing tasks with concurrency (\d+)/
      : /listening on (http:\/\/127\.0\.0\.1:\d+)/;
  const deadline = Date.now() + 30_000;
  let match = null;
  while (!(match = ready.exec(output))) {
    if (child.exitCode !== null) throw new Error(`Kiln exited with ${child.exitCode}:\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`Kiln did not start within 30 s:\n${output}`);
    }
    await sleep(20);
  }
  const memory = new MemorySampler(child.pid);
  memory.start();
  return {
    role,
    pid: child.pid,
    baseUrl: role === 'worker' ? undefined : match[1],
    memory,
    output: () => output,
    /** Reads the memory high-water mark, then SIGTERM (SIGKILL after 15 s). */
    async stop() {
      memory.stop();
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const code = await Promise.race([exited, sleep(15_000).then(() => 'timeout')]);
        if (code === 'timeout') {
          child.kill('SIGKILL');
          await exited;
        }
      }
      return memory.summary();
    },
  };
}

function readStatus(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
    return {
      rssKB: kb('VmRSS'),
      hwmKB: kb('VmHWM'),
      threads: Number(/^Threads:\s+(\d+)/m.exec(text)?.[1]),
    };
  } catch {
    return undefined;
  }
}

/** Samples VmRSS every `intervalMs`; `mark(label)` starts a phase so each phase gets its own peak. */
export class MemorySampler {
  constructor(pid, intervalMs = 200) {
    this.pid = pid;
    this.intervalMs = intervalMs;
    this.peakRssKB = 0;
    this.hwmKB = 0;
    this.samples = 0;
    this.phases = new Map();
    this.phase = undefined;
    this.timer = undefined;
  }

  start() {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
  }

  mark(label) {
    this.sample();
    this.phase = label;
    if (!this.phases.has(label)) this.phases.set(label, 0);
  }

  sample() {
    const status = readStatus(this.pid);
    if (!status) return;
    this.samples++;
    this.peakRssKB = Math.max(this.peakRssKB, status.rssKB);
    this.hwmKB = Math.max(this.hwmKB, status.hwmKB);
    if (this.phase !== undefined)
      this.phases.set(this.phase, Math.max(this.phases.get(this.phase), status.rssKB));
  }

  stop() {
    this.sample(); // the last VmHWM, read before the process exits
    clearInterval(this.timer);
  }

  summary() {
    const mb = (kb) => Math.round((kb / 1024) * 10) / 10;
    return {
      samples: this.samples,
      intervalMs: this.intervalMs,
      peakSampledRssMB: mb(this.peakRssKB),
      vmHwmMB: mb(this.hwmKB),
      phasePeakRssMB: Object.fromEntries([...this.phases].map(([k, v]) => [k, mb(v)])),
    };
  }
}

/**
 * The event-loop delay probe preloaded into a Kiln process: SIGUSR2 appends one JSON line with
 * the delay histogram since the previous SIGUSR2 (then resets it). Returns that line.
 */
export async function readEventLoopDelay(kiln, eldFile) {
  const lines = () =>
    existsSync(eldFile)
      ? readFileSync(eldFile, 'utf8').split('\n').slice(0, -1) // only complete lines: the last element is '' or a line being written
      : [];
  const before = lines().length;
  process.kill(kiln.pid, 'SIGUSR2');
  const deadline = Date.now() + 5000;
  for (;;) {
    const now = lines();
    if (now.length > before) return JSON.parse(now[now.length - 1]);
    if (Date.now() > deadline) throw new Error(`no event-loop delay report in ${eldFile}`);
    await sleep(20);
  }
}

export function eldFileIn(dir, name) {
  return join(dir, `eld-${name}.jsonl`);
}

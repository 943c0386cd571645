import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

/**
 * Names of the per-process temp folders under `{dataDir}/tmp`, and whether the process a folder
 * belongs to is provably gone. Several Kiln processes share one data dir (an API and workers on
 * one host, or containers on one volume), so a folder may only be swept when its process is
 * certainly dead.
 *
 * The name is `p<pid>-<start>@<host>`. On Linux `<start>` is `s` and the process start time in
 * clock ticks since boot (field 22 of /proc/<pid>/stat): a live pid with another start time is
 * a reused pid, so the folder's process is dead. Elsewhere it is `e` and the start in epoch ms,
 * and only a pid that is not alive counts. A pid means something only in its own pid namespace
 * (each container has its own): folders of another host name are never swept, so processes
 * that share a data dir across pid namespaces need distinct host names (Docker's default).
 */
export interface ProcessStamp {
  pid: number;
  /** `s<ticks since boot>` (Linux) or `e<epoch ms>`. */
  start: string;
  host: string;
}

const FOLDER_NAME = /^p(\d+)-([se]\d+)@(.+)$/;

export function folderName({ pid, start, host }: ProcessStamp): string {
  return `p${pid}-${start}@${host}`;
}

export function parseFolderName(name: string): ProcessStamp | undefined {
  const match = FOLDER_NAME.exec(name);
  return match ? { pid: Number(match[1]), start: match[2], host: match[3] } : undefined;
}

/** This process's stamp. */
export function ownStamp(): ProcessStamp {
  const ticks = linuxStartTicks(process.pid);
  return {
    pid: process.pid,
    start: ticks !== undefined ? `s${ticks}` : `e${Math.round(performance.timeOrigin)}`,
    host: safeHostname(),
  };
}

/** The host name as it may appear in a folder name. */
export function safeHostname(): string {
  return hostname().replace(/[^A-Za-z0-9.-]/g, '_') || 'localhost';
}

/** True only when the process the stamp names is certainly not running any more. */
export function isProvablyDead(stamp: ProcessStamp): boolean {
  if (stamp.start.startsWith('s')) {
    const ticks = linuxStartTicks(stamp.pid);
    if (ticks !== undefined) return `s${ticks}` !== stamp.start;
    // No /proc entry: on Linux that means no such process, unless /proc is not there at all.
    if (linuxStartTicks(process.pid) !== undefined) return true;
  }
  return !pidAlive(stamp.pid);
}

/** Field 22 of /proc/<pid>/stat; undefined off Linux or when there is no such process. */
export function linuxStartTicks(pid: number): string | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // Field 2 is the command name in parentheses and may hold spaces and parentheses itself.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = fields[22 - 3];
  return ticks && /^\d+$/.test(ticks) ? ticks : undefined;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

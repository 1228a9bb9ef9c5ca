// Resource use of a process we started, read from Linux /proc: CPU seconds
// (user + system, including the native threads of the Temporal core) and the
// peak resident set size (VmHWM).

import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** Fields of /proc/<pid>/stat after the command name (which may contain spaces). */
function statFields(pid: number): string[] | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/** utime + stime of the process, in seconds; null when it is gone (or not on Linux). */
export function cpuSeconds(pid: number): number | null {
  const f = statFields(pid);
  if (!f) return null;
  // After ")": state(3) ppid(4) … utime(14) stime(15) cutime(16) cstime(17); index = field - 3.
  return (Number(f[11]) + Number(f[12])) / clockTicks();
}

/**
 * CPU seconds of a process and its children: its own, those of children it
 * has reaped (cutime + cstime) and those of its live children. For PostgreSQL
 * (the postmaster forks a backend per connection).
 */
export function treeCpuSeconds(pid: number): number | null {
  const f = statFields(pid);
  if (!f) return null;
  let total = (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / clockTicks();
  for (const child of childPids(pid)) total += cpuSeconds(child) ?? 0;
  return total;
}

function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function statusKb(pid: number, field: string): number | null {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith(`${field}:`));
    return line ? Number(line.split(/\s+/)[1]) : null;
  } catch {
    return null;
  }
}

/** Peak resident set size in MB (VmHWM). */
export function peakRssMb(pid: number): number | null {
  const kb = statusKb(pid, 'VmHWM');
  return kb === null ? null : kb / 1024;
}

export function rssMb(pid: number): number | null {
  const kb = statusKb(pid, 'VmRSS');
  return kb === null ? null : kb / 1024;
}

/** Resets VmHWM to the current RSS (Linux ≥ 4.0); false when not permitted. */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** A CPU meter over a window: start(), then read() the seconds used since. */
export function cpuMeter(read: () => number | null): { read(): number | null } {
  const start = read();
  return { read: () => (start === null ? null : (read() ?? start) - start) };
}

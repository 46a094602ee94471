// CPU use of benchmark processes, read from /proc (Linux): what a bench reports as server, agent or SFU load.
import { readFileSync } from 'node:fs';

/** CPU seconds (user + system) of a process, from /proc; 0 when it is gone. */
export function cpuSeconds(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return 0;
  }
}

/** Pids of a process's children. */
function childPids(pid: number): number[] {
  try {
    const tasks = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    return tasks ? tasks.split(' ').map(Number) : [];
  } catch {
    return [];
  }
}

/** A process and all its descendants. */
export function processTree(pid: number): number[] {
  return [pid, ...childPids(pid).flatMap(processTree)];
}

/** CPU seconds of a process and all its descendants. */
export function treeCpuSeconds(pid: number): number {
  return processTree(pid).reduce((s, p) => s + cpuSeconds(p), 0);
}

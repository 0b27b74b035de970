/** What the benchmarks read of a process from /proc (Linux). */
import { readdir, readFile } from 'node:fs/promises';

/** The unit of CPU times in /proc (USER_HZ), 100 on every Linux. */
export const CLOCK_TICKS_PER_SECOND = 100;

/** A process's name and the CPU time (user + system, clock ticks) it has used so far; undefined once it has gone. */
export async function processCpu(pid: number): Promise<{ name: string; ticks: number } | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  const close = stat.lastIndexOf(')');
  if (close < 0) return undefined;
  // After the name: state is field 3, utime and stime are fields 14 and 15 of proc(5)'s stat.
  const fields = stat.slice(close + 2).split(' ');
  return { name: stat.slice(stat.indexOf('(') + 1, close), ticks: Number(fields[11]) + Number(fields[12]) };
}

/** The processes of a process group still running (zombies, already dead, left out). */
export async function groupMembers(pgid: number): Promise<number[]> {
  const members: number[] = [];
  for (const pid of (await readdir('/proc')).filter((entry) => /^\d+$/.test(entry)).map(Number)) {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    // After the name: state is field 3, the process group field 5 of proc(5)'s stat.
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === pgid && state !== 'Z') members.push(pid);
  }
  return members;
}

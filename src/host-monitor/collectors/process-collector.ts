import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { ProcessStatus } from '../observations.ts';

/** A running process as /proc shows it: `comm` (15 characters at most) and argv[0]. */
interface ProcessEntry {
  pid: number;
  comm: string;
  executable: string;
}

async function listProcesses(procPath: string): Promise<ProcessEntry[]> {
  const entries: ProcessEntry[] = [];
  for (const name of await readdir(procPath)) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const comm = (await readFile(join(procPath, name, 'comm'), 'utf8')).trim();
      let executable = '';
      try {
        const cmdline = await readFile(join(procPath, name, 'cmdline'), 'utf8');
        executable = basename(cmdline.split('\0')[0] ?? '');
      } catch {
        // Kernel threads and vanished processes have no readable cmdline.
      }
      entries.push({ pid: Number(name), comm, executable });
    } catch {
      // The process exited between readdir and read: not running, nothing to record.
    }
  }
  return entries;
}

/**
 * Which of the wanted processes run. A name matches `comm` or the basename of argv[0]; `comm` is cut to 15
 * characters by the kernel, so longer names also match their 15-character prefix.
 */
export async function collectProcesses(names: string[], procPath = '/proc'): Promise<ProcessStatus[]> {
  const processes = await listProcesses(procPath);
  return names.map((name) => {
    const pids = processes
      .filter(
        (entry) =>
          entry.comm === name || entry.executable === name || (name.length > 15 && entry.comm === name.slice(0, 15)),
      )
      .map((entry) => entry.pid);
    return { name, running: pids.length > 0, pids };
  });
}

import { readdir, readFile, readlink, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { ProcessMatch, ProcessStatus } from '../observations.ts';

/**
 * A running process as the kernel shows it. `comm` (15 bytes at most) is the executed file's name, which the process
 * may change for itself (prctl PR_SET_NAME); `exe` is the file the kernel executed (readable as root or as its
 * owner), with ` (deleted)` appended once the file is gone; argv[0] is not read: any process rewrites its own
 * (`exec -a sshd sleep`, `process.title`), so it would let anyone pass for a watched process.
 */
interface ProcessEntry {
  pid: number;
  comm: string;
  uid?: number;
  exe?: string;
  /** The executed file has no link left (st_nlink 0): removed or replaced after the start, whatever its name says. */
  deleted?: boolean;
}

async function readEntry(procPath: string, pid: string): Promise<ProcessEntry | undefined> {
  const directory = join(procPath, pid);
  let comm: string;
  try {
    // The kernel ends comm with one newline; the rest (spaces, newlines, escapes) is the name as set.
    comm = (await readFile(join(directory, 'comm'), 'utf8')).replace(/\n$/, '');
  } catch {
    return undefined; // Exited between readdir and read: not running.
  }
  const entry: ProcessEntry = { pid: Number(pid), comm };
  try {
    const uid = /^Uid:\s+(\d+)/m.exec(await readFile(join(directory, 'status'), 'utf8'));
    if (uid) entry.uid = Number(uid[1]);
  } catch {
    // Gone meanwhile.
  }
  try {
    entry.exe = await readlink(join(directory, 'exe'));
    entry.deleted = (await stat(join(directory, 'exe'))).nlink === 0;
  } catch {
    // Kernel threads have no exe; another user's process hides it unless we run as root.
  }
  return entry;
}

async function listProcesses(procPath: string): Promise<ProcessEntry[]> {
  const pids = (await readdir(procPath)).filter((name) => /^\d+$/.test(name));
  const entries = await Promise.all(pids.map((pid) => readEntry(procPath, pid)));
  return entries.filter((entry): entry is ProcessEntry => entry !== undefined);
}

/** The executed file without the ` (deleted)` the kernel appends (only when the file really has no link left). */
const executedPath = (entry: ProcessEntry) =>
  entry.exe && entry.deleted ? entry.exe.replace(/ \(deleted\)$/, '') : entry.exe;

/**
 * A watched name given as a path (`/usr/sbin/sshd`) matches only processes executing that file (the kernel's exe
 * link, also once an upgrade replaced it); a bare name matches `comm` (its 15-byte prefix for longer names) or the
 * executed file's name. A bare name is what the process or whoever named its file chose: any local user can run a
 * process called `sshd`; only the path form proves the binary.
 */
function matches(name: string, entry: ProcessEntry): boolean {
  if (name.startsWith('/')) return executedPath(entry) === name;
  if (entry.comm === name || (name.length > 15 && entry.comm === name.slice(0, 15))) return true;
  const path = executedPath(entry);
  return path !== undefined && basename(path) === name;
}

/** Which of the wanted processes run, with the kernel's view of each match (pid, owner, executed file). */
export async function collectProcesses(names: string[], procPath = '/proc'): Promise<ProcessStatus[]> {
  const processes = await listProcesses(procPath);
  return names.map((name) => {
    const found = processes.filter((entry) => matches(name, entry));
    const matched = found.map(({ pid, uid, exe, deleted }): ProcessMatch => {
      const match: ProcessMatch = { pid };
      if (uid !== undefined) match.uid = uid;
      if (exe !== undefined) match.exe = exe;
      if (deleted) match.deleted = true;
      return match;
    });
    return { name, running: found.length > 0, pids: found.map((entry) => entry.pid), matches: matched };
  });
}

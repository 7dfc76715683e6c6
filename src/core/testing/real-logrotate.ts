import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';

/**
 * Test helpers that run Debian's real `logrotate` against a log a child process keeps writing, as a daemon does: it
 * holds its descriptor open (O_APPEND, as Traefik opens its access log) and reopens the path on a signal, which is
 * what the stanzas' postrotate scripts send it.
 */

export const LOGROTATE = '/usr/sbin/logrotate';
export const logrotateMissing = existsSync(LOGROTATE)
  ? undefined
  : `${LOGROTATE} is absent: install Debian's logrotate package (apt-get install logrotate) to run this test`;

const run = promisify(execFile);

/** The stanza with its placeholders (LOG, PIDFILE) filled in, written beside the log. */
export async function writeStanza(stanza: string, directory: string, log: string): Promise<string> {
  const config = join(directory, 'logrotate.conf');
  await writeFile(config, stanza.replaceAll('PIDFILE', join(directory, 'writer.pid')).replace(/^LOG\b/m, log));
  return config;
}

/** One forced rotation (`logrotate -f -s STATE CONFIG`); its stderr, if it said anything. */
export async function rotate(config: string, directory: string): Promise<string> {
  const { stderr } = await run(LOGROTATE, ['-f', '-s', join(directory, 'logrotate.state'), config]);
  return stderr;
}

// The writer: up to `count` lines, `perTick` of them every 2 ms, each one write() call; reopens the path on `signal`;
// stops on SIGTERM, and writes how many lines it wrote to `<pid file>.count`.
const WRITER = `
const fs = require('node:fs');
const [path, template, count, perTick, signal, pidFile] = process.argv.slice(1);
fs.writeFileSync(pidFile, String(process.pid));
let fd = fs.openSync(path, 'a');
process.on(signal, () => { fs.closeSync(fd); fd = fs.openSync(path, 'a'); });
let n = 0;
const timer = setInterval(() => {
  for (let k = 0; k < Number(perTick) && n < Number(count); k++) fs.writeSync(fd, template.replaceAll('__N__', String(n++)) + '\\n');
  if (n >= Number(count)) stop();
}, 2);
function stop() { clearInterval(timer); fs.closeSync(fd); fs.writeFileSync(pidFile + '.count', String(n)); process.exit(0); }
process.on('SIGTERM', stop);
`;

export interface Writer {
  child: ChildProcess;
  done: Promise<void>;
  /** Stops the writer; how many lines it wrote (0..n-1). */
  stop(): Promise<number>;
}

/** Starts the writer of lines 0..count-1 (`__N__` in the template is the line's number). */
export function startWriter(
  path: string,
  directory: string,
  options: { template: string; count: number; perTick: number; signal: 'SIGUSR1' | 'SIGHUP' },
): Writer {
  const { template, count, perTick, signal } = options;
  const args = ['-e', WRITER, path, template, String(count), String(perTick), signal, join(directory, 'writer.pid')];
  const child = spawn(process.execPath, args, { stdio: 'ignore' });
  const done = new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`writer exited with ${code}`))));
  });
  const stop = async () => {
    child.kill('SIGTERM');
    await done;
    return Number(await readFile(join(directory, 'writer.pid.count'), 'utf8'));
  };
  return { child, done, stop };
}

/** Waits until the writer has written its pid file (it handles its signal from then on). */
export async function writerReady(directory: string): Promise<void> {
  while (!existsSync(join(directory, 'writer.pid'))) await new Promise((resolve) => setTimeout(resolve, 2));
}

/** Every line in the directory's files (the log and its rotated copies, gzip or zstd decompressed). */
export async function linesOnDisk(directory: string, prefix: string): Promise<string[]> {
  const lines: string[] = [];
  for (const name of await readdir(directory)) {
    if (!name.startsWith(prefix)) continue;
    const path = join(directory, name);
    let bytes = await readFile(path);
    if (name.endsWith('.gz')) bytes = gunzipSync(bytes);
    else if (name.endsWith('.zst')) bytes = (await run('zstd', ['-dc', path], { encoding: 'buffer' })).stdout;
    lines.push(
      ...bytes
        .toString('utf8')
        .split('\n')
        .filter((line) => line.length > 0),
    );
  }
  return lines;
}

/** What a reader got, against what was written (0..count-1) and what logrotate kept on disk. */
export interface Measurement {
  written: number;
  read: number;
  /** Written lines that are in no file at the end: logrotate lost them (copytruncate's copy-to-truncate window). */
  lostByLogrotate: number;
  /** Lines on disk that the reader never reported: our loss. */
  lostByUs: number;
  duplicated: number;
  outOfOrder: number;
}

export function measure(count: number, readNumbers: number[], onDisk: Set<number>): Measurement {
  const seen = new Map<number, number>();
  let outOfOrder = 0;
  for (let i = 0; i < readNumbers.length; i++) {
    seen.set(readNumbers[i], (seen.get(readNumbers[i]) ?? 0) + 1);
    if (i > 0 && readNumbers[i] <= readNumbers[i - 1]) outOfOrder++;
  }
  let lostByLogrotate = 0;
  let lostByUs = 0;
  for (let n = 0; n < count; n++) {
    if (seen.has(n)) continue;
    if (onDisk.has(n)) lostByUs++;
    else lostByLogrotate++;
  }
  const duplicated = [...seen.values()].reduce((sum, times) => sum + times - 1, 0);
  return { written: count, read: readNumbers.length, lostByLogrotate, lostByUs, duplicated, outOfOrder };
}

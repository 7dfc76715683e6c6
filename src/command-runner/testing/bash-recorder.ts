import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * Ground truth for the shell corpus: which programs the real bash executes for a command line. Every program bash
 * could execute is a recorder that writes its argv and exits 0. The command runs as
 *
 *   env -i PATH=... unshare --user --map-root-user --mount --pid --net --ipc --uts --fork --kill-child sh SETUP
 *
 * and SETUP (with a /proc of the new namespace, to wait for stragglers) mounts a tmpfs, builds a root in it (bash and its libraries read-only under /.rec, the system bin dirs
 * holding nothing but recorder links, /dev/null, /dev/fd, the namespace's own /proc, an empty /tmp), then `chroot`s there to run
 * `bash --noprofile --norc -c SNIPPET`. So an absolute path such as /bin/rm is a recorder too, there is no network,
 * no host process is visible, root inside is an unprivileged user outside, and the only writable place is the
 * throwaway tmpfs, gone when the namespace ends. The records and bash's stderr sit on a second tmpfs outside the
 * chroot (only the record directory is bound in) and are printed by SETUP after bash exits.
 */

export interface BashRecording {
  /**
   * argv of each program bash executed, argv[0] the path bash found; in start order. Each word is its exact bytes:
   * UTF-8 where they are valid UTF-8, and a byte that is not (`$'\xff'`) as the lone surrogate U+DC80 + byte
   * (Python's "surrogateescape"), so the JSON fixture holds every byte bash passed.
   */
  executed: string[][];
  /** Names bash looked up and did not find (`bash: line N: NAME: command not found`): attempted programs. */
  notFound: string[];
  exitCode: number | null;
  timedOut: boolean;
  stderr: string;
}

const BIN_DIRS = ['/usr/bin', '/usr/sbin'];
const SEARCH_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

// `-p` (privileged): the recorder reads no BASH_ENV a snippet exported. File names sort in start order.
const RECORDER = `#!/.rec/bash -p
printf '%s\\0' "$0" "$@" > "/.rec/log/\${EPOCHREALTIME/./}-$BASHPID"
exit 0
`;

const SETUP = `set -eu
work=$1 template=$2 snippet=$3 seconds=$4
mount -t tmpfs -o size=8m tmpfs "$work"
mkdir "$work/root" "$work/log"
root=$work/root
mount -t tmpfs -o size=16m,mode=755 tmpfs "$root"
for dir in .rec usr lib lib64; do
  mkdir "$root/$dir"
  mount --bind -o ro "$template/$dir" "$root/$dir"
done
mount --bind "$work/log" "$root/.rec/log"
ln -s usr/bin "$root/bin"
ln -s usr/sbin "$root/sbin"
mkdir "$root/dev" "$root/tmp" "$root/work"
touch "$root/dev/null"
mount --bind /dev/null "$root/dev/null"
# Process substitution hands the program /dev/fd/N.
mkdir "$root/proc"
mount -t proc proc "$root/proc"
ln -s /proc/self/fd "$root/dev/fd"
set +e
timeout -s KILL "$seconds" chroot "$root" /.rec/bash --noprofile --norc -c "$snippet" </dev/null >/dev/null 2>"$work/stderr"
status=$?
# Process substitutions and background jobs may still run after bash exits: wait (up to 2 s) until pid 1 is alone.
for tick in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32 33 34 35 36 37 38 39 40; do
  set -- /proc/[0-9]*
  [ $# -le 1 ] && break
  sleep 0.05
done
for record in "$work"/log/*; do
  [ -f "$record" ] || continue
  printf 'R %s\\n' "$(wc -c < "$record")"
  cat "$record"
done
printf 'E %s\\n' "$(wc -c < "$work/stderr")"
cat "$work/stderr"
printf 'X %s\\n' "$status"
`;

/** True when this machine can record: bash, unshare with user namespaces, chroot. */
export function canRecordBash(): boolean {
  if (process.platform !== 'linux' || !existsSync('/usr/bin/bash')) return false;
  const probe = spawnSync('unshare', ['--user', '--map-root-user', '--mount', '--pid', '--net', '--fork', 'true']);
  return probe.status === 0 && spawnSync('chroot', ['--version']).status === 0;
}

/** The read-only template: bash, the libraries it links, the recorder, and a link per host program name. */
export function buildRecorderTemplate(): string {
  const template = mkdtempSync(join(tmpdir(), 'bash-recorder-'));
  mkdirSync(join(template, '.rec', 'log'), { recursive: true });
  copyFileSync('/usr/bin/bash', join(template, '.rec', 'bash'));
  const libraries = spawnSync('ldd', ['/usr/bin/bash'], { encoding: 'utf8' }).stdout;
  for (const match of libraries.matchAll(/(\/\S+\.so[.\d]*)/g)) {
    const target = join(template, match[1].replace(/^\/usr\//, '/'));
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(match[1], target);
  }
  for (const dir of ['lib', 'lib64']) mkdirSync(join(template, dir), { recursive: true });
  const recorder = join(template, '.rec', 'record');
  writeFileSync(recorder, RECORDER, { mode: 0o755 });
  for (const dir of [...BIN_DIRS, '/usr/local/bin', '/usr/local/sbin'])
    mkdirSync(join(template, dir), { recursive: true });
  const names = new Set<string>();
  for (const dir of BIN_DIRS) for (const name of readdirSync(dir)) names.add(name);
  for (const name of names) for (const dir of BIN_DIRS) symlinkSync('/.rec/record', join(template, dir, name));
  return template;
}

/** Runs one snippet under the real bash in the sandbox described above. */
export function recordBash(template: string, snippet: string, timeoutSeconds = 2): BashRecording {
  const work = mkdtempSync(join(tmpdir(), 'bash-recording-'));
  const result = spawnSync(
    'timeout',
    [
      '-s',
      'KILL',
      String(timeoutSeconds + 5),
      'env',
      '-i',
      `PATH=${SEARCH_PATH}`,
      'HOME=/work',
      'unshare',
      '--user',
      '--map-root-user',
      '--mount',
      '--pid',
      '--net',
      '--ipc',
      '--uts',
      '--fork',
      '--kill-child',
      '--mount-proc',
      '/bin/sh',
      '-c',
      SETUP,
      'setup',
      work,
      template,
      snippet,
      String(timeoutSeconds),
    ],
    { input: '', maxBuffer: 64 * 1024 * 1024 },
  );
  rmSync(work, { recursive: true, force: true });
  return parseRecording(result.stdout);
}

/** The recorder's NUL-terminated words, each decoded losslessly (see `BashRecording.executed`). */
function splitArgv(record: Buffer): string[] {
  const words: string[] = [];
  for (let start = 0; start < record.length; ) {
    const end = record.indexOf(0, start);
    if (end === -1) break;
    words.push(decodeExactly(record.subarray(start, end)));
    start = end + 1;
  }
  return words;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function decodeExactly(bytes: Uint8Array): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    let text = '';
    for (let index = 0; index < bytes.length; ) {
      const length = [4, 3, 2, 1].find((size) => validUtf8(bytes.subarray(index, index + size), size));
      if (length) {
        text += strictUtf8.decode(bytes.subarray(index, index + length));
        index += length;
      } else text += String.fromCharCode(0xdc00 + bytes[index++]);
    }
    return text;
  }
}

function validUtf8(bytes: Uint8Array, size: number): boolean {
  if (bytes.length !== size) return false;
  try {
    strictUtf8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

function parseRecording(output: Buffer): BashRecording {
  const executed: string[][] = [];
  let stderr = '';
  let exitCode: number | null = null;
  let offset = 0;
  while (offset < output.length) {
    const newline = output.indexOf(10, offset);
    if (newline === -1) break;
    const [kind, value] = output.subarray(offset, newline).toString('utf8').split(' ');
    offset = newline + 1;
    if (kind === 'X') {
      exitCode = Number(value);
      break;
    }
    const length = Number(value);
    const body = output.subarray(offset, offset + length);
    offset += length;
    if (kind === 'R') executed.push(splitArgv(body));
    else if (kind === 'E') stderr = body.toString('utf8');
  }
  const notFound = [...stderr.matchAll(/^\S*bash: line \d+: (.+): command not found$/gm)].map((match) => match[1]);
  // 137: the inner timeout killed bash (a loop); the records up to then are kept.
  return { executed, notFound, exitCode, timedOut: exitCode === 137 || exitCode === null, stderr };
}

import type { Finding } from './danger-level.ts';
import { optionValues, scanOptions } from './option-model.ts';
import {
  destructiveTargetFinding,
  isSystemPath,
  resolvePath,
  SECRET_FILES,
  type ShellWord,
  writeTargetFinding,
} from './path-rules.ts';
import { PROGRAM_OPTIONS } from './program-options.ts';
import {
  cloudMetadataRead,
  finding,
  fixed,
  hasFlag,
  literalWord,
  operands,
  optionValue,
  type ProgramRule,
  type RuleContext,
  runtimeNetworkData,
  subcommand,
  text,
} from './rule-helpers.ts';

function noted(words: ShellWord[], context: RuleContext): ShellWord[] {
  for (const word of words) context.notePath(word);
  return words;
}

/** Writes to each operand (touch, mkdir, tee, truncate...). */
function writesEach(base: Finding, withValue: string[] = [], how = 'writes'): ProgramRule {
  return (args, context) => {
    const targets = noted(operands(args, withValue), context);
    const found = [base];
    for (const target of targets) {
      const write = writeTargetFinding(target, context, how);
      if (write && write.level !== 'MEDIUM') found.push(write);
    }
    return found;
  };
}

/** Changes or deletes each operand (rm, chmod, truncate); recursion on a tree above the working dir is CRITICAL. */
function changesEach(
  base: Finding,
  how: string,
  recursive: boolean,
  targets: ShellWord[],
  context: RuleContext,
): Finding[] {
  const found = [base];
  for (const target of noted(targets, context)) {
    const change = destructiveTargetFinding(target, context, how, recursive);
    if (change.level === 'CRITICAL') found.push(change);
  }
  return found;
}

const rm: ProgramRule = (args, context) => {
  const recursive = hasFlag(args, 'rR', ['--recursive']);
  const force = hasFlag(args, 'f', ['--force']);
  if (hasFlag(args, '', ['--no-preserve-root']))
    return [finding('CRITICAL', 'no-preserve-root', 'rm --no-preserve-root')];
  const targets = operands(args);
  if (recursive && force) {
    noted(targets, context);
    return [finding('CRITICAL', 'recursive-force-delete', `rm -rf ${targets.map(text).join(' ')}`)];
  }
  return changesEach(
    finding('HIGH', 'delete', `deletes ${targets.map(text).join(' ')}`),
    'rm',
    recursive,
    targets,
    context,
  );
};

/** cp/mv/ln/install/rsync: the last operand (or -t DIR) is written; mv also removes its sources. */
function copy(base: Finding, movesSources: boolean, withValue: string[] = []): ProgramRule {
  return (args, context) => {
    const files = noted(operands(args, [...withValue, '-t', '--target-directory', '-S', '--suffix']), context);
    const targetOption = optionValue(args, '-t', '--target-directory');
    const destination = targetOption ?? files.at(-1);
    const sources = targetOption ? files : files.slice(0, -1);
    const found = [base];
    if (destination) {
      const write = writeTargetFinding(destination, context, `${base.rule} into`, true);
      if (write && write.level !== 'MEDIUM') found.push(write);
    }
    if (movesSources)
      for (const source of sources) {
        const change = destructiveTargetFinding(source, context, 'moves away', false);
        if (change.level === 'CRITICAL') found.push(change);
      }
    return found;
  };
}

const chmodLike =
  (name: string): ProgramRule =>
  (args, context) => {
    const recursive = hasFlag(args, 'R', ['--recursive']);
    const [, ...targets] = operands(args, ['--reference']);
    const base = finding('HIGH', 'permission-change', `${name} changes ownership/permissions`);
    return changesEach(base, name, recursive, targets, context);
  };

/** Device, filesystem and wiping tools: the spec's CRITICAL family. */
const DESTROYERS = [
  'dd',
  'mkfs',
  'mke2fs',
  'mkswap',
  'fdisk',
  'sfdisk',
  'cfdisk',
  'parted',
  'gdisk',
  'sgdisk',
  'wipefs',
  'shred',
  'blkdiscard',
  'badblocks',
  'mkdosfs',
  'mformat',
  'cryptsetup',
  'lvremove',
  'vgremove',
  'pvremove',
  'zpool',
  'debugfs',
];

/**
 * zfs: `destroy` deletes datasets and snapshots like `zpool destroy`, `rollback` discards the newer data; no rule reads
 * the other sub-commands (most create, set, mount, send or receive datasets), so they are held.
 */
const zfs: ProgramRule = (args) => {
  const command = subcommand(args);
  if (command === 'destroy')
    return [finding('CRITICAL', 'disk-destroyer', 'zfs destroy deletes a dataset or snapshot and its data')];
  if (command === 'rollback')
    return [finding('HIGH', 'zfs-rollback', 'zfs rollback discards every change since the snapshot')];
  return [finding('HIGH', 'zfs-change', `zfs ${command ?? ''} may create, set, mount or send datasets`)];
};

const tar: ProgramRule = (args, context) => {
  const first = args[0]?.value ?? '';
  const cluster = first.startsWith('-') ? '' : first;
  const all = args.map(text).join(' ');
  if (
    /--to-command|--checkpoint-action|--use-compress-program|--rsh-command|--info-script|--new-volume-script/.test(
      all,
    ) ||
    hasFlag(args, 'IF') ||
    /[IF]/.test(cluster)
  )
    return [finding('CRITICAL', 'tar-command-exec', 'tar option that runs a command')];
  const mode = (letter: string, long: string) => cluster.includes(letter) || hasFlag(args, letter, [long]);
  if (mode('t', '--list')) return [finding('LOW', 'archive-list', 'lists an archive')];
  const file = optionValue(args, '-f', '--file') ?? (cluster.includes('f') ? args[1] : undefined);
  if (mode('x', '--extract') || mode('x', '--get')) {
    const directory = optionValue(args, '-C', '--directory') ?? literalWord('.');
    const write = writeTargetFinding(directory, context, 'extracts into');
    const found = [finding('MEDIUM', 'archive-extract', 'extracts files')];
    if (write && write.level !== 'MEDIUM') found.push(write);
    if (hasFlag(args, 'P', ['--absolute-names']))
      found.push(finding('CRITICAL', 'archive-absolute', 'extracts absolute paths'));
    return found;
  }
  const found = [finding('MEDIUM', 'archive-create', 'writes an archive')];
  if (file && file.value !== '-') {
    const write = writeTargetFinding(file, context, 'archive to');
    if (write && write.level !== 'MEDIUM') found.push(write);
  }
  return found;
};

const compress: ProgramRule = (args) =>
  hasFlag(args, 'lct', ['--list', '--stdout', '--test'])
    ? [finding('LOW', 'compress-read', 'reads a compressed file')]
    : [finding('MEDIUM', 'compress-write', 'replaces files with (de)compressed ones')];

/** What a sed script does besides filtering text, read the way GNU sed parses it. */
interface SedScript {
  /** `e command`, a bare `e` (runs the pattern space) or the `e` flag of `s`. */
  executes: boolean;
  /** Files named by `w`/`W` and the `w` flag of `s`. */
  writes: string[];
  /** Files named by `r`/`R`. */
  reads: string[];
  /** A command we do not know stopped the reading. */
  unread: boolean;
}

const SED_NO_ARGUMENT = new Set([...'=dDgGhHlnNpPxzF{}']);

/** GNU sed's file and command arguments run to the end of the line, after optional blanks. */
function restOfLine(code: string, at: number): [string, number] {
  const end = code.indexOf('\n', at);
  const stop = end === -1 ? code.length : end;
  return [code.slice(at, stop).trim(), stop];
}

/** Index just after the delimited part that starts at `at` (the delimiter itself is code[at - 1]). */
function skipDelimited(code: string, at: number, delimiter: string): number {
  let index = at;
  while (index < code.length && code[index] !== delimiter) index += code[index] === '\\' ? 2 : 1;
  return index + 1;
}

function readSedScript(code: string): SedScript {
  const script: SedScript = { executes: false, writes: [], reads: [], unread: false };
  let index = 0;
  const address = () => {
    if (code[index] === '$') index++;
    else if (/[0-9]/.test(code[index] ?? '')) while (/[0-9~]/.test(code[index] ?? '')) index++;
    else if (code[index] === '/' || code[index] === '\\') {
      const delimiter = code[index] === '/' ? '/' : code[index + 1];
      index = skipDelimited(code, index + (code[index] === '/' ? 1 : 2), delimiter);
      while (/[IM]/.test(code[index] ?? '')) index++;
    }
  };
  while (index < code.length) {
    const char = code[index];
    if (/[\s;{}!]/.test(char)) {
      index++;
      continue;
    }
    if (char === '#') {
      index = restOfLine(code, index)[1];
      continue;
    }
    const before = index;
    address();
    if (index !== before && code[index] === ',') {
      index++;
      if (/[+~]/.test(code[index] ?? '')) index++;
      address();
    }
    while (/[\s!]/.test(code[index] ?? '')) index++;
    const command = code[index++];
    if (command === undefined) break;
    if (command === 's' || command === 'y') {
      const delimiter = code[index];
      index = skipDelimited(code, skipDelimited(code, index + 1, delimiter), delimiter);
      if (command === 'y') continue;
      while (index < code.length && /[gpiImMe0-9w]/.test(code[index])) {
        const flag = code[index++];
        if (flag === 'e') script.executes = true;
        if (flag === 'w') {
          const [file, stop] = restOfLine(code, index);
          script.writes.push(file);
          index = stop;
        }
      }
    } else if (command === 'w' || command === 'W' || command === 'r' || command === 'R' || command === 'e') {
      const [argument, stop] = restOfLine(code, index);
      if (command === 'e') script.executes = true;
      else (command === 'r' || command === 'R' ? script.reads : script.writes).push(argument);
      index = stop;
    } else if (/[aic:btTqQlLv]/.test(command)) {
      // Text (a, i, c), a label (: b t T) or a number (q Q l L): read up to the end of the command.
      while (index < code.length && code[index] !== '\n' && (/[aic]/.test(command) || code[index] !== ';')) index++;
    } else if (!SED_NO_ARGUMENT.has(command)) {
      // sed rejects a command it does not know; a script we cannot read further is not called harmless.
      script.unread = true;
      break;
    }
  }
  return script;
}

const sed: ProgramRule = (args, context) => {
  // Every -e script in every spelling (`-ne 'e id'`, `--expr=...`); without one, the first operand is the script.
  const expressions = optionValues(args, PROGRAM_OPTIONS.sed, '-e').concat(
    optionValues(args, PROGRAM_OPTIONS.sed, '--expression'),
  );
  const scripts =
    expressions.length > 0 || hasFlag(args, 'f', ['--file'])
      ? expressions
      : operands(args, ['-e', '-f', '--expression', '--file', '-l']).slice(0, 1);
  const found: Finding[] = [finding('LOW', 'stream-edit', 'sed filters text')];
  for (const script of scripts) {
    const code = script.value;
    if (code === undefined) {
      found.push(finding('HIGH', 'dynamic-script', `sed script decided at run time (${script.raw})`));
      continue;
    }
    if (/(^|[;\n{}]\s*|\d\s*|\/\s*)e(\s|$)|\/[gpIiMm0-9]*e[gpIiMm0-9]*\s*($|;|})/.test(code))
      found.push(finding('CRITICAL', 'sed-execute', 'sed script runs a shell command (e)'));
    const read = readSedScript(code);
    if (read.executes) found.push(finding('CRITICAL', 'sed-execute', 'sed script runs a shell command (e)'));
    if (read.unread)
      found.push(finding('HIGH', 'sed-script-unread', `sed script ${script.raw.slice(0, 60)} not understood`));
    for (const file of read.reads) {
      const path = resolvePath(literalWord(file), context);
      if (path && SECRET_FILES.test(path))
        found.push(finding('HIGH', 'secret-file', `sed r reads credential file ${path}`));
    }
    for (const file of read.writes) {
      const write = file
        ? writeTargetFinding(literalWord(file), context, 'sed w')
        : finding('MEDIUM', 'file-write', 'sed w without a file name');
      if (write) found.push(write);
    }
    if (script.pattern)
      found.push(finding('HIGH', 'dynamic-script', `sed script ${script.raw} is a pattern the shell expands`));
  }
  const inPlace =
    hasFlag(args, 'i', ['--in-place']) ||
    scanOptions(args, PROGRAM_OPTIONS.sed).some((use) => use.option === '-i' || use.option === '-I') ||
    args.some((word) => /^--i(n(-(p(l(a(ce?)?)?)?)?)?)?(=|$)/.test(word.value ?? ''));
  if (inPlace) {
    found.push(finding('MEDIUM', 'in-place-edit', 'sed -i edits files'));
    for (const file of operands(args, ['-e', '-f', '--expression', '--file', '-l']).slice(scripts.length > 1 ? 0 : 1)) {
      const write = writeTargetFinding(file, context, 'sed -i edits');
      if (write && write.level !== 'MEDIUM') found.push(write);
    }
  }
  return found;
};

const awk: ProgramRule = (args, context) => {
  const [program, ...files] = operands(args, ['-f', '-v', '-F', '-W', '--file', '--assign', '--field-separator']);
  const found: Finding[] = [
    files.length > 0
      ? finding('LOW', 'read-files', 'awk reads files')
      : finding('SAFE', 'filter', 'awk filters its input'),
  ];
  if (hasFlag(args, 'f', ['--file'])) found.push(finding('HIGH', 'run-script', 'awk runs a program file'));
  const code = program?.value;
  if (program && code === undefined) found.push(finding('HIGH', 'dynamic-script', 'awk program decided at run time'));
  if (program?.pattern)
    found.push(finding('HIGH', 'dynamic-script', `awk program ${program.raw} is a pattern the shell expands`));
  // gawk's `@fn(...)` calls the function whose name is in fn, system() included; `print | cmd` pipes to a command.
  if (code && /system\s*\(|\|\s*getline|\|&|print[^;}]*\|\s*["A-Za-z_(]|@\s*[A-Za-z_]\w*\s*\(|@load\b/.test(code))
    found.push(finding('CRITICAL', 'awk-execute', 'awk program runs shell commands'));
  if (code && /@include\b/.test(code)) found.push(finding('HIGH', 'run-script', 'awk program includes a program file'));
  if (
    args.some(
      (word, index) =>
        /^-W\s*exec(=|$)|^--ex/.test(word.value ?? '') ||
        (word.value === '-W' && /^exec/.test(args[index + 1]?.value ?? '')),
    )
  )
    found.push(finding('HIGH', 'run-script', 'awk -W exec runs a program file'));
  // `print > name` writes to the file whose name is in a variable (or computed).
  if (code && /print[f]?\b[^;}]*[^>]>>?\s*[A-Za-z_$(]/.test(code))
    found.push(finding('HIGH', 'write-dynamic-path', 'awk prints to a file named at run time'));
  for (const match of (code ?? '').matchAll(/>>?\s*"([^"]+)"/g)) {
    const write = writeTargetFinding(literalWord(match[1]), context, 'awk writes');
    if (write) found.push(write);
  }
  if (hasFlag(args, '', ['-i', '--include']) && args.some((word) => word.value === 'inplace'))
    found.push(finding('MEDIUM', 'in-place-edit', 'awk edits files in place'));
  return found;
};

/** A login, token or cookie given on the line: whoever runs the host named (or the proxy) receives it. */
const CREDENTIAL_HEADER = /^\s*(proxy-)?authorization\s*:|^\s*cookie\s*:|^\s*[\w-]*(token|api-?key|secret)[\w-]*\s*:/i;

function sendsCredential(args: readonly ShellWord[]): boolean {
  const spec = PROGRAM_OPTIONS.curl;
  const headers = ['-H', '--header', '--proxy-header'].flatMap((option) => optionValues(args, spec, option));
  if (headers.some((header) => header.value === undefined || CREDENTIAL_HEADER.test(header.value))) return true;
  return ['-u', '--user', '-U', '--proxy-user', '--oauth2-bearer'].some(
    (option) => optionValues(args, spec, option).length > 0,
  );
}

const curl: ProgramRule = (args, context) => {
  const found: Finding[] = [finding('LOW', 'http-read', 'fetches a URL (the sandbox has no network)')];
  const all = args.map(text);
  // file:// reads any local file, and curl's URL decoding and globbing (file:///etc/%73hadow, /etc/shado[w]) hide
  // which one from a path check: a person decides.
  if (all.some((value) => /(^|=)file:/i.test(value)))
    found.push(finding('HIGH', 'local-file-url', 'curl reads a local file through a file: URL'));
  if (hasFlag(args, 'TK', ['--upload-file', '--config']) || all.some((value) => /^@|=@|^-[dF]@/.test(value)))
    found.push(finding('HIGH', 'upload', 'curl uploads a local file or reads a config'));
  else if (
    hasFlag(args, 'dF', ['--data', '--data-raw', '--data-binary', '--form', '--json']) ||
    // Any method but GET and HEAD may change something: PURGE empties a CDN cache, MKCOL and MOVE edit WebDAV.
    !/^(GET|HEAD)$/i.test(text(optionValue(args, '-X', '--request') ?? literalWord('GET')))
  )
    found.push(finding('MEDIUM', 'http-write', 'curl sends data'));
  if (sendsCredential(args))
    found.push(finding('MEDIUM', 'credential-send', 'curl sends a credential to the host it names'));
  const output = optionValue(args, '-o', '--output');
  if (output && output.value !== '-') {
    const write = writeTargetFinding(output, context, 'curl -o');
    if (write) found.push(write);
  } else if (hasFlag(args, 'O', ['--remote-name'])) found.push(finding('MEDIUM', 'file-write', 'curl -O saves a file'));
  const sent = runtimeNetworkData('curl', args);
  if (sent) found.push(sent);
  const metadata = cloudMetadataRead('curl', args);
  if (metadata) found.push(metadata);
  return found;
};

const wgetDownload: ProgramRule = (args, context) => {
  const all = args.map(text);
  if (hasFlag(args, 'e', ['--execute', '--use-askpass']))
    return [finding('HIGH', 'wget-execute', 'wget -e runs wgetrc commands')];
  if (all.some((value) => value.startsWith('--post-file') || value.startsWith('--body-file')))
    return [finding('HIGH', 'upload', 'wget uploads a local file')];
  const output =
    optionValue(args, '-O', '--output-document') ??
    (all.some((value) => /^-q?O-$|^-qO-$/.test(value)) ? literalWord('-') : undefined);
  if (output?.value === '-' || hasFlag(args, '', ['--spider']))
    return [finding('LOW', 'http-read', 'fetches a URL to standard output')];
  if (output) {
    const write = writeTargetFinding(output, context, 'wget -O');
    return [finding('MEDIUM', 'download', 'wget saves a file'), ...(write ? [write] : [])];
  }
  return [finding('MEDIUM', 'download', 'wget saves files in the working directory')];
};

const wget: ProgramRule = (args, context) => {
  const extra = [runtimeNetworkData('wget', args), cloudMetadataRead('wget', args)].filter(
    (found) => found !== undefined,
  );
  return [...extra, ...wgetDownload(args, context)];
};

const netcat: ProgramRule = (args) => {
  if (hasFlag(args, 'ec', ['--exec', '--sh-exec', '--lua-exec']))
    return [finding('CRITICAL', 'reverse-shell', 'netcat -e/-c wires a shell to a socket')];
  if (hasFlag(args, 'l', ['--listen'])) return [finding('HIGH', 'listen', 'netcat listens for connections')];
  return [finding('MEDIUM', 'network-connect', 'opens a raw network connection')];
};

const outputOption =
  (base: Finding, short: string | undefined, long: string): ProgramRule =>
  (args, context) => {
    const output = optionValue(args, short, long);
    const write = output ? writeTargetFinding(output, context, `${long}`) : undefined;
    return write ? [base, write.level === 'MEDIUM' ? { ...write } : write] : [base];
  };

export const FILE_PROGRAM_RULES: Record<string, ProgramRule> = {
  rm,
  unlink: (args, context) =>
    changesEach(finding('HIGH', 'delete', 'deletes a file'), 'unlink', false, operands(args), context),
  rmdir: (args, context) =>
    changesEach(
      finding('MEDIUM', 'delete-empty-dir', 'removes empty directories'),
      'rmdir',
      false,
      operands(args),
      context,
    ),
  cp: copy(finding('MEDIUM', 'copy', 'copies files'), false),
  mv: copy(finding('HIGH', 'move', 'moves/renames files'), true),
  ln: (args, context) => {
    const found = copy(finding('MEDIUM', 'link', 'creates links'), false)(args, context);
    // A link to a system file turns a later harmless-looking write (`echo x > ./link`) into a system write.
    const sources = operands(args, ['-t', '--target-directory', '-S', '--suffix']).slice(0, -1);
    for (const source of sources) {
      const path = resolvePath(source, context);
      if (path === undefined || isSystemPath(path, context) || path.startsWith('/dev'))
        found.push(finding('HIGH', 'link-to-system', `links to ${path ?? source.raw}`));
    }
    return found;
  },
  install: copy(finding('MEDIUM', 'install-file', 'installs files'), false, [
    '-m',
    '-o',
    '-g',
    '--mode',
    '--owner',
    '--group',
  ]),
  rsync: (args, context) => {
    const rsh = optionValue(args, '-e', '--rsh');
    const found = copy(finding('MEDIUM', 'copy', 'rsync copies files'), false, [
      '-e',
      '--rsh',
      '--exclude',
      '--include',
      '--filter',
      '-f',
    ])(args, context);
    if (rsh) found.push(...context.script(rsh.value, 'rsync -e'));
    if (hasFlag(args, '', ['--rsync-path']))
      found.push(finding('HIGH', 'remote-command', 'rsync --rsync-path runs a remote command'));
    if (
      hasFlag(args, '', ['--delete', '--delete-before', '--delete-after', '--delete-during', '--remove-source-files'])
    )
      found.push(finding('HIGH', 'rsync-delete', 'rsync deletes files'));
    return found;
  },
  mkdir: writesEach(finding('MEDIUM', 'create-directory', 'creates directories'), ['-m', '--mode'], 'mkdir'),
  touch: writesEach(
    finding('MEDIUM', 'create-file', 'creates/touches files'),
    ['-d', '-r', '-t', '--date', '--reference'],
    'touch',
  ),
  mktemp: fixed('LOW', 'temporary-file', 'creates a temporary file'),
  tee: (args, context) => {
    const files = noted(operands(args), context);
    const found: Finding[] = [finding('SAFE', 'tee', 'copies standard input to standard output')];
    for (const file of files) {
      const write = writeTargetFinding(file, context, 'tee writes');
      if (write) found.push(write);
    }
    return found;
  },
  truncate: (args, context) =>
    changesEach(
      finding('HIGH', 'truncate', 'truncates files'),
      'truncate',
      false,
      operands(args, ['-s', '-r', '--size', '--reference']),
      context,
    ),
  chmod: chmodLike('chmod'),
  chown: chmodLike('chown'),
  chgrp: chmodLike('chgrp'),
  chattr: (args, context) =>
    changesEach(
      finding('HIGH', 'attribute-change', 'changes file attributes'),
      'chattr',
      false,
      operands(args).filter((word) => !/^[-+=]/.test(text(word))),
      context,
    ),
  setfacl: (args, context) =>
    changesEach(
      finding('HIGH', 'permission-change', 'changes ACLs'),
      'setfacl',
      hasFlag(args, 'R'),
      operands(args, ['-m', '-x', '-M', '-X']),
      context,
    ),
  setcap: fixed('HIGH', 'capability-change', 'grants file capabilities'),
  ...Object.fromEntries(
    DESTROYERS.map((name) => [
      name,
      fixed('CRITICAL', 'disk-destroyer', `${name} writes or wipes disks and filesystems`),
    ]),
  ),
  zfs,
  tar,
  gzip: compress,
  gunzip: compress,
  bzip2: compress,
  bunzip2: compress,
  xz: compress,
  unxz: compress,
  zstd: compress,
  zip: (args) =>
    hasFlag(args, 'T', ['-TT', '--unzip-command'])
      ? [finding('CRITICAL', 'zip-command-exec', 'zip -T/-TT runs a command')]
      : [finding('MEDIUM', 'archive-create', 'writes a zip archive')],
  unzip: (args) =>
    hasFlag(args, 'ltvZ')
      ? [finding('LOW', 'archive-list', 'lists a zip archive')]
      : [finding('MEDIUM', 'archive-extract', 'extracts a zip archive')],
  sed,
  awk,
  gawk: awk,
  mawk: awk,
  nawk: awk,
  curl,
  wget,
  nc: netcat,
  ncat: netcat,
  netcat,
  socat: (args) =>
    args.some((word) => /\b(EXEC|SYSTEM)\s*:/i.test(text(word)))
      ? [finding('CRITICAL', 'reverse-shell', 'socat EXEC/SYSTEM wires a program to a socket')]
      : [finding('MEDIUM', 'network-connect', 'socat opens connections')],
  scp: (args) =>
    hasFlag(args, 'S')
      ? [finding('CRITICAL', 'scp-program', 'scp -S runs a program')]
      : [finding('HIGH', 'remote-copy', 'copies files over ssh')],
  sftp: fixed('HIGH', 'remote-copy', 'transfers files over ssh'),
  xxd: (args, context) => {
    const files = operands(args, ['-s', '-l', '-c', '-g', '-o']);
    const found = [finding('LOW', 'hex-dump', 'hex dump')];
    if (hasFlag(args, 'r') && files[1]) {
      const write = writeTargetFinding(files[1], context, 'xxd -r writes');
      if (write) found.push(write);
    }
    return found;
  },
  openssl: outputOption(finding('LOW', 'crypto-tool', 'openssl inspects or computes'), undefined, '-out'),
  split: fixed('MEDIUM', 'file-write', 'writes pieces of a file'),
  patch: fixed('MEDIUM', 'file-write', 'patches files'),
};

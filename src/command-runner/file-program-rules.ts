import type { Finding } from './danger-level.ts';
import { optionValues } from './option-model.ts';
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
  finding,
  fixed,
  hasFlag,
  literalWord,
  operands,
  optionValue,
  type ProgramRule,
  type RuleContext,
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

/**
 * The file commands of a sed script: `w`/`W` write a file, `r`/`R` read one into the output. A command may follow an
 * address (`1,5w out`, `$r file`, `/x/w out`) or an `s///` flag (`s/a/b/w out`); GNU sed reads the file name to the end
 * of the line, with or without a space after the command letter (`1w/tmp/x`).
 */
function sedFileCommands(code: string): Array<{ command: string; file: string }> {
  const spaced = /(?:^|[;\n{}!]|[0-9$]|\/[gpIiMme0-9]*)\s*([wWrR])[ \t]+([^\n]+)/g;
  const joined = /(?:^|[;\n{}!]|[0-9$])\s*([wWrR])([/~.][^\n]*)/g;
  const found: Array<{ command: string; file: string }> = [];
  for (const pattern of [spaced, joined])
    for (const match of code.matchAll(pattern)) found.push({ command: match[1], file: match[2].trimEnd() });
  return found;
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
    for (const { command, file } of sedFileCommands(code)) {
      if (command === 'r' || command === 'R') {
        const path = resolvePath(literalWord(file), context);
        if (path && SECRET_FILES.test(path))
          found.push(finding('HIGH', 'secret-file', `sed ${command} reads credential file ${path}`));
        continue;
      }
      const write = writeTargetFinding(literalWord(file), context, `sed ${command}`);
      if (write) found.push(write);
    }
  }
  if (hasFlag(args, 'i', ['--in-place'])) {
    found.push(finding('MEDIUM', 'in-place-edit', 'sed -i edits files'));
    for (const file of operands(args, ['-e', '-f', '--expression', '--file', '-l']).slice(scripts.length > 1 ? 0 : 1)) {
      const write = writeTargetFinding(file, context, 'sed -i edits');
      if (write && write.level !== 'MEDIUM') found.push(write);
    }
  }
  return found;
};

const awk: ProgramRule = (args, context) => {
  const [program, ...files] = operands(args, ['-f', '-v', '-F', '--file', '--assign', '--field-separator']);
  const found: Finding[] = [
    files.length > 0
      ? finding('LOW', 'read-files', 'awk reads files')
      : finding('SAFE', 'filter', 'awk filters its input'),
  ];
  if (hasFlag(args, 'f', ['--file'])) found.push(finding('HIGH', 'run-script', 'awk runs a program file'));
  const code = program?.value;
  if (program && code === undefined) found.push(finding('HIGH', 'dynamic-script', 'awk program decided at run time'));
  if (code && /system\s*\(|\|\s*getline|\|&|print[^;}]*\|\s*"/.test(code))
    found.push(finding('CRITICAL', 'awk-execute', 'awk program runs shell commands'));
  for (const match of (code ?? '').matchAll(/>>?\s*"([^"]+)"/g)) {
    const write = writeTargetFinding(literalWord(match[1]), context, 'awk writes');
    if (write) found.push(write);
  }
  if (hasFlag(args, '', ['-i', '--include']) && args.some((word) => word.value === 'inplace'))
    found.push(finding('MEDIUM', 'in-place-edit', 'awk edits files in place'));
  return found;
};

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
    /^(POST|PUT|DELETE|PATCH)$/i.test(text(optionValue(args, '-X', '--request') ?? literalWord('GET')))
  )
    found.push(finding('MEDIUM', 'http-write', 'curl sends data'));
  const output = optionValue(args, '-o', '--output');
  if (output && output.value !== '-') {
    const write = writeTargetFinding(output, context, 'curl -o');
    if (write) found.push(write);
  } else if (hasFlag(args, 'O', ['--remote-name'])) found.push(finding('MEDIUM', 'file-write', 'curl -O saves a file'));
  return found;
};

const wget: ProgramRule = (args, context) => {
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

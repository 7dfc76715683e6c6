import type { OptionEffect, ProgramOptions } from './option-model.ts';

/**
 * The options of known programs that name a program to run, a pager/editor/browser to spawn, a settings file to load
 * or a file to write, with the value-taking options around them (so a cluster like `-nz` or a prefix like `--pr` is
 * read the way the program reads it). Programs rated SAFE or LOW come first: an option here is the only thing that
 * stands between them and running without approval. Sources: each program's man page / --help.
 */
const values = (letters: string, effect: OptionEffect = 'value') =>
  Object.fromEntries([...letters].map((letter) => [letter, effect]));

const LESS: ProgramOptions = {
  short: { ...values('bhjpPtTxyzD#'), o: 'write', O: 'write', k: 'config' },
  long: {
    '--log-file': 'write',
    '--LOG-FILE': 'write',
    '--lesskey-file': 'config',
    '--lesskey-src': 'config',
    '--lesskey-content': 'config',
    '--tag': 'value',
    '--tag-file': 'value',
    '--prompt': 'value',
    '--pattern': 'value',
  },
  // `+cmd` runs less commands at start: `!cmd` and `|` run a shell, `v` an editor, `s` saves to a file.
  plus: (text) => (/[!|]|^[vs]/.test(text) ? 'exec' : undefined),
};

const BINUTILS: ProgramOptions = { long: { '--plugin': 'exec', '--target': 'value' } };

const NPM_LIKE: ProgramOptions = {
  long: {
    '--browser': 'pager',
    '--editor': 'pager',
    '--viewer': 'value',
    '--shell': 'exec',
    '--script-shell': 'exec',
    '--git': 'exec',
    '--node-options': 'exec',
    '--userconfig': 'config',
    '--globalconfig': 'config',
    '--prefix': 'value',
  },
};

const PIP: ProgramOptions = {
  long: { '--log': 'write', '--log-file': 'write', '--editor': 'pager', '--exists-action': 'value' },
};

const APT: ProgramOptions = {
  short: { o: 'config', c: 'config', t: 'value', q: 'flag' },
  long: { '--option': 'config', '--config-file': 'config', '--target-release': 'value' },
};

const TCPDUMP: ProgramOptions = {
  short: { ...values('BcCEFGiMrsTVyZj'), w: 'write', W: 'value', z: 'exec' },
  long: { '--interface': 'value', '--snapshot-length': 'value', '--relinquish-privileges': 'value' },
};

const AWK: ProgramOptions = {
  short: { ...values('vFe'), f: 'config', E: 'config', i: 'config', l: 'exec', o: 'write', p: 'write', d: 'write' },
  optionalShort: 'opd',
  long: {
    '--file': 'config',
    '--exec': 'config',
    '--include': 'config',
    '--load': 'exec',
    '--source': 'value',
    '--assign': 'value',
    '--field-separator': 'value',
    '--pretty-print': 'write',
    '--profile': 'write',
    '--dump-variables': 'write',
  },
};

/** Wrappers: their options end where the wrapped command begins. */
const TIME: ProgramOptions = {
  short: { f: 'value', o: 'write' },
  long: { '--format': 'value', '--output': 'write' },
  stopAtOperand: true,
};
const TRACER: ProgramOptions = {
  short: { ...values('epsuEPIbSaXU'), o: 'write' },
  long: { '--output': 'write' },
  stopAtOperand: true,
};

export const PROGRAM_OPTIONS: Record<string, ProgramOptions> = {
  // GNU base64 has -w/--wrap; the BSD and macOS one writes its output to a file with -o/--output.
  base64: {
    short: { ...values('wbi'), o: 'write' },
    long: { '--wrap': 'value', '--break': 'value', '--input': 'value', '--output': 'write' },
  },
  rg: {
    short: values('eEfgtTmAMBCjrd'),
    long: { '--pre': 'exec', '--hostname-bin': 'exec', '--pre-glob': 'value', '--regexp': 'value' },
  },
  ag: {
    short: { p: 'value', G: 'value', g: 'value', A: 'value', B: 'value', C: 'value', m: 'value' },
    long: { '--pager': 'pager' },
  },
  ack: { long: { '--pager': 'pager', '--ackrc': 'config' } },
  less: LESS,
  zless: LESS,
  man: {
    short: { ...values('MmSseLRETrp'), P: 'pager', H: 'pager', C: 'config' },
    optionalShort: 'HT',
    long: { '--pager': 'pager', '--html': 'pager', '--config-file': 'config', '--prompt': 'value' },
  },
  apropos: { short: { C: 'config' }, long: { '--config-file': 'config' } },
  whatis: { short: { C: 'config' }, long: { '--config-file': 'config' } },
  info: {
    short: { ...values('dfn'), o: 'write' },
    long: { '--output': 'write', '--dribble': 'write', '--init-file': 'config', '--restore': 'value' },
  },
  sort: {
    short: { ...values('ktST'), o: 'write' },
    long: {
      '--output': 'write',
      '--compress-program': 'exec',
      '--key': 'value',
      '--field-separator': 'value',
      '--buffer-size': 'value',
      '--temporary-directory': 'value',
      '--files0-from': 'value',
      '--random-source': 'value',
      '--parallel': 'value',
      '--batch-size': 'value',
      '--check': 'flag',
    },
  },
  tree: { short: { ...values('LPIHT'), o: 'write' }, long: { '--output': 'write', '--filelimit': 'value' } },
  yq: { short: { s: 'write' }, long: { '--split-exp': 'write' } },
  nm: BINUTILS,
  objdump: BINUTILS,
  readelf: BINUTILS,
  size: BINUTILS,
  strings: BINUTILS,
  'ssh-keygen': { short: { ...values('bCEfFIJjmMnNOPrsStVYz'), D: 'exec', w: 'exec' } },
  openssl: {
    singleDash: true,
    long: {
      '-out': 'write',
      '-keyout': 'write',
      '-writerand': 'write',
      '-sess_out': 'write',
      '-config': 'config',
      '-engine': 'exec',
      '-keyform': 'value',
      '-provider': 'exec',
      '-provider-path': 'exec',
      '-in': 'value',
    },
  },
  curl: {
    short: { ...values('bdFHuxXAeETwmrCUYyzPQt'), o: 'write', D: 'write', c: 'write', K: 'config' },
    long: {
      '--output': 'write',
      '--dump-header': 'write',
      '--cookie-jar': 'write',
      '--trace': 'write',
      '--trace-ascii': 'write',
      '--stderr': 'write',
      '--libcurl': 'write',
      '--etag-save': 'write',
      '--hsts': 'write',
      '--alt-svc': 'write',
      '--config': 'config',
      '--engine': 'exec',
      '--cookie': 'value',
      '--header': 'value',
      '--proxy-header': 'value',
      '--user': 'value',
      '--proxy-user': 'value',
      '--oauth2-bearer': 'value',
    },
  },
  wget: {
    short: { ...values('iBtTwQUlAIX'), o: 'write', a: 'write', P: 'write', e: 'config' },
    long: {
      '--output-file': 'write',
      '--append-output': 'write',
      '--directory-prefix': 'write',
      '--save-cookies': 'write',
      '--warc-file': 'write',
      '--config': 'config',
      '--execute': 'config',
      '--use-askpass': 'exec',
    },
  },
  git: {
    long: {
      '--output': 'write',
      '--open-files-in-pager': 'exec',
      '--upload-pack': 'exec',
      '--receive-pack': 'exec',
      '--exec': 'exec',
      '--template': 'config',
      '--output-directory': 'write',
      '--output-indicator-new': 'value',
      '--output-indicator-old': 'value',
      '--output-indicator-context': 'value',
    },
  },
  docker: { exactLong: true, long: { '--config': 'config', '--context': 'value', '--host': 'value' } },
  podman: { exactLong: true, long: { '--config': 'config', '--connection': 'value' } },
  kubectl: {
    exactLong: true,
    long: {
      '--kubeconfig': 'config',
      '--cache-dir': 'write',
      '--log-file': 'write',
      '--log-dir': 'write',
    },
  },
  helm: {
    exactLong: true,
    long: {
      '--post-renderer': 'exec',
      '--post-renderer-args': 'value',
      '--kubeconfig': 'config',
      '--registry-config': 'config',
      '--repository-config': 'config',
      '--output-dir': 'write',
      '--repository-cache': 'write',
    },
  },
  apt: APT,
  'apt-get': APT,
  'apt-cache': APT,
  dnf: { short: { c: 'config' }, long: { '--setopt': 'config', '--config': 'config' } },
  yum: { short: { c: 'config' }, long: { '--setopt': 'config', '--config': 'config' } },
  rpm: {
    short: { E: 'exec', D: 'exec' },
    long: {
      '--pipe': 'exec',
      '--eval': 'exec',
      '--define': 'exec',
      '--macros': 'config',
      '--rcfile': 'config',
      '--dbpath': 'config',
    },
  },
  pip: PIP,
  pip3: PIP,
  npm: NPM_LIKE,
  pnpm: NPM_LIKE,
  yarn: NPM_LIKE,
  cargo: { short: { Z: 'value' }, long: { '--config': 'config' } },
  go: {
    singleDash: true,
    long: { '-toolexec': 'exec', '-exec': 'exec', '-modfile': 'config', '-overlay': 'config', '-o': 'write' },
  },
  tar: {
    short: { ...values('bCfKNTXVLH'), g: 'write', I: 'exec', F: 'exec' },
    long: {
      '--to-command': 'exec',
      '--checkpoint-action': 'exec',
      '--use-compress-program': 'exec',
      '--rsh-command': 'exec',
      '--rmt-command': 'exec',
      '--info-script': 'exec',
      '--new-volume-script': 'exec',
      '--index-file': 'write',
      '--listed-incremental': 'write',
      '--file': 'value',
      '--directory': 'value',
    },
  },
  zip: { long: { '--unzip-command': 'exec' } },
  zstd: { short: { o: 'write' } },
  tcpdump: TCPDUMP,
  sed: {
    short: { e: 'value', l: 'value', f: 'config' },
    // GNU `-i[SUFFIX]` (`-ni.bak`), BSD `-I[SUFFIX]`: in-place editing, the suffix joined if given.
    optionalShort: 'iI',
    long: { '--expression': 'value', '--file': 'config', '--line-length': 'value' },
  },
  awk: AWK,
  gawk: AWK,
  mawk: AWK,
  nawk: AWK,
  find: {
    singleDash: true,
    long: {
      '-fprint': 'write',
      '-fprint0': 'write',
      '-fprintf': 'write',
      '-fls': 'write',
      // Tests that take a value: a value decided at run time there cannot become an action.
      ...Object.fromEntries(
        'name iname path ipath wholename iwholename regex iregex lname ilname type xtype newer anewer cnewer samefile mtime mmin atime amin ctime cmin size user group uid gid perm maxdepth mindepth inum links fstype printf'
          .split(' ')
          .map((test) => [`-${test}`, 'value' as const]),
      ),
    },
  },
  rsync: {
    long: {
      '--log-file': 'write',
      '--write-batch': 'write',
      '--only-write-batch': 'write',
      '--exclude': 'value',
      '--include': 'value',
    },
  },
  ssh: { short: { ...values('bcDeiJlLmOpQRSwW'), F: 'config', E: 'write' }, stopAtOperand: true },
  scp: { short: { ...values('cDilPJo'), S: 'exec', F: 'config' } },
  sar: { short: { o: 'write', f: 'value' } },
  ncdu: { short: { o: 'write', f: 'value' } },
  iconv: { short: { o: 'write', f: 'value', t: 'value' }, long: { '--output': 'write' } },
  shuf: { short: { o: 'write', n: 'value' }, long: { '--output': 'write', '--random-source': 'value' } },
  xmllint: { long: { '--output': 'write', '--xpath': 'value' } },
  ss: { short: { D: 'write', F: 'value' }, long: { '--diag': 'write', '--filter': 'value' } },
  dmidecode: { long: { '--dump-bin': 'write', '--from-dump': 'value' } },
  lshw: { singleDash: true, long: { '-dump': 'write' } },
  hwinfo: { long: { '--log': 'write', '--dump-db': 'value' } },
  time: TIME,
  strace: TRACER,
  ltrace: TRACER,
  journalctl: { long: { '--output': 'value', '--file': 'value', '--directory': 'value' } },
};

/** The option table of a program, by its base name. */
export function optionsFor(program: string): ProgramOptions | undefined {
  return Object.hasOwn(PROGRAM_OPTIONS, program) ? PROGRAM_OPTIONS[program] : undefined;
}

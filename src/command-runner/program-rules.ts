import { BUILD_TOOL_RULES } from './build-tool-rules.ts';
import { CLOUD_PROGRAM_RULES } from './cloud-program-rules.ts';
import { FILE_PROGRAM_RULES } from './file-program-rules.ts';
import { escalating, REPORTING_ESCALATIONS } from './reporting-program-rules.ts';
import { finding, fixed, hasFlag, operands, type ProgramRule } from './rule-helpers.ts';
import { SHELL_PROGRAM_RULES } from './shell-program-rules.ts';
import { SYSTEM_PROGRAM_RULES } from './system-program-rules.ts';

export {
  DANGEROUS_CODE,
  type ProgramRule,
  type RuleContext,
  STDIN_CODE_RULE,
  STDIN_SCRIPT_RULE,
} from './rule-helpers.ts';

/** Programs that only report on the system (the spec's SAFE row: df, du, ls, pwd). */
const SAFE_PROGRAMS = [
  'df',
  'du',
  'ls',
  'pwd',
  'whoami',
  'id',
  'hostname',
  'uname',
  'uptime',
  'free',
  'date',
  'w',
  'who',
  'users',
  'last',
  'lastlog',
  'lsblk',
  'lscpu',
  'lsmem',
  'lsusb',
  'lspci',
  'lsmod',
  'lsns',
  'lsipc',
  'nproc',
  'arch',
  'echo',
  'printf',
  'true',
  'false',
  ':',
  'test',
  '[',
  '[[',
  'sleep',
  'which',
  'type',
  'whereis',
  'stat',
  'wc',
  'basename',
  'dirname',
  'realpath',
  'readlink',
  'printenv',
  'groups',
  'locale',
  'tty',
  'vmstat',
  'iostat',
  'mpstat',
  'sar',
  'pidstat',
  'ps',
  'pstree',
  'pgrep',
  'top',
  'htop',
  'seq',
  'yes',
  'cal',
  'expr',
  'bc',
  'getconf',
  'cd',
  'pushd',
  'popd',
  'dirs',
  'set',
  'shopt',
  'wait',
  'jobs',
  'shift',
  'getopts',
  'return',
  'exit',
  'break',
  'continue',
  'let',
  'read',
  'help',
  'tree',
  'findmnt',
  'blkid',
  'sensors',
  'nvidia-smi',
  'iotop',
  'slabtop',
  'tload',
  'lsof',
  'ss',
  'netstat',
  'arp',
  'file',
  'info',
  'apropos',
  'whatis',
  'systemd-analyze',
  'systemd-cgtop',
  'systemd-cgls',
  'chronyc',
  'ntpq',
  'nmcli',
  'lshw',
  'dmidecode',
  'inxi',
  'hwinfo',
  'lsattr',
  'quota',
];

/** Programs that read file contents or the network (the spec's LOW row: cat, grep, find). */
const LOW_PROGRAMS = [
  'dig',
  'nslookup',
  'host',
  'getent',
  'ping',
  'ping6',
  'traceroute',
  'tracepath',
  'mtr',
  'whois',
  'cat',
  'less',
  'more',
  'zgrep',
  'rg',
  'ag',
  'ack',
  'jq',
  'yq',
  'diff',
  'cmp',
  'comm',
  'paste',
  'fold',
  'fmt',
  'rev',
  'tac',
  'strings',
  'od',
  'hexdump',
  'nl',
  'base64',
  'base32',
  'md5sum',
  'sha1sum',
  'sha224sum',
  'sha256sum',
  'sha384sum',
  'sha512sum',
  'b2sum',
  'cksum',
  'zcat',
  'bzcat',
  'xzcat',
  'zless',
  'zmore',
  'iconv',
  'numfmt',
  'join',
  'expand',
  'unexpand',
  'shuf',
  'look',
  'nm',
  'objdump',
  'readelf',
  'size',
  'ssh-keygen',
  'ssh-keyscan',
  'aa-status',
  'sestatus',
  'getenforce',
  'getfacl',
  'namei',
  'lslocks',
  'lslogins',
  'uuidgen',
  'modinfo',
  'ausearch',
  'aureport',
  'fail2ban-client',
  'ncdu',
  'iftop',
  'nethogs',
  'tcpdump',
  'pv',
  'envsubst',
  'zipinfo',
  'procs',
  'pidof',
  'xmllint',
  'csvlook',
];

/**
 * A text filter: SAFE when it only reads standard input (`ps aux | head`), LOW when it names files. `withValue`
 * are options taking a value; `patterns` leading operands are not files (grep's pattern).
 */
function filter(name: string, withValue: string[], patterns = 0): ProgramRule {
  return (args) => {
    if (hasFlag(args, '', ['--output']) || (name === 'sort' && args.some((word) => word.value?.startsWith('-o'))))
      return [finding('MEDIUM', 'file-write', `${name} writes a file`)];
    const usesPatternOption = hasFlag(args, 'ef', ['--regexp', '--file']);
    const files = operands(args, withValue).length - (usesPatternOption ? 0 : patterns);
    return files > 0 || (name.endsWith('grep') && hasFlag(args, 'rR', ['--recursive']))
      ? [finding('LOW', 'read-files', `${name} reads files`)]
      : [finding('SAFE', 'filter', `${name} filters its input`)];
  };
}

const GREP_VALUES = ['-e', '-f', '-m', '-A', '-B', '-C', '--regexp', '--file', '--max-count'];
const FILTERS: Record<string, ProgramRule> = {
  head: filter('head', ['-n', '-c', '--lines', '--bytes']),
  tail: filter('tail', ['-n', '-c', '--lines', '--bytes', '-s', '--pid']),
  grep: filter('grep', GREP_VALUES, 1),
  egrep: filter('egrep', GREP_VALUES, 1),
  fgrep: filter('fgrep', GREP_VALUES, 1),
  sort: filter('sort', [
    '-k',
    '-t',
    '-S',
    '-T',
    '--key',
    '--field-separator',
    '--buffer-size',
    '--parallel',
    '--temporary-directory',
  ]),
  uniq: filter('uniq', ['-f', '-s', '-w']),
  cut: filter('cut', ['-d', '-f', '-b', '-c', '--delimiter', '--fields']),
  tr: fixed('SAFE', 'filter', 'tr filters its input'),
  column: filter('column', ['-s', '-o', '-c', '-N']),
};

const BUILT_IN: Record<string, ProgramRule> = {
  ...Object.fromEntries(SAFE_PROGRAMS.map((name) => [name, fixed('SAFE', 'read-only', `${name} only reports`)])),
  ...Object.fromEntries(
    LOW_PROGRAMS.map((name) => [name, fixed('LOW', 'read-files', `${name} reads files or streams`)]),
  ),
  ...FILTERS,
  ...FILE_PROGRAM_RULES,
  ...SYSTEM_PROGRAM_RULES,
  ...CLOUD_PROGRAM_RULES,
  ...SHELL_PROGRAM_RULES,
  ...BUILD_TOOL_RULES,
  // ldd may run the binary it inspects (it sets LD_TRACE_LOADED_OBJECTS and execs it): a human looks first.
  ldd: fixed('MEDIUM', 'may-execute', 'ldd can execute the program it inspects'),
};
for (const [name, check] of Object.entries(REPORTING_ESCALATIONS)) BUILT_IN[name] = escalating(BUILT_IN[name], check);

/** Every built-in program rule, by program name. */
export const PROGRAM_RULES: Readonly<Record<string, ProgramRule>> = BUILT_IN;

/** The rule for a program name; `mkfs.ext4` and `fsck.xfs` fall back to their family (`mkfs`, `fsck`). */
export function ruleFor(program: string): ProgramRule | undefined {
  if (Object.hasOwn(BUILT_IN, program)) return BUILT_IN[program];
  const family = program.split('.')[0];
  if (family !== program && Object.hasOwn(BUILT_IN, family)) return BUILT_IN[family];
  const versionless = program.replace(/[\d.]+$/, '');
  if (versionless !== program && versionless !== '' && Object.hasOwn(BUILT_IN, versionless))
    return BUILT_IN[versionless];
  return undefined;
}

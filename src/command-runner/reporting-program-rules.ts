import type { Finding } from './danger-level.ts';
import type { ShellWord } from './path-rules.ts';
import {
  finding,
  hasFlag,
  operands,
  type ProgramRule,
  runtimeNetworkData,
  scriptOptionValue,
  text,
} from './rule-helpers.ts';

/** The finding that replaces a reporting program's level for these arguments, or undefined to keep it. */
export type Escalation = (args: ShellWord[]) => Finding | undefined;

/** Wraps a program's reporting rule: an escalation, when one applies, replaces its level. */
export function escalating(base: ProgramRule, check: Escalation): ProgramRule {
  return (args, context) => {
    const escalated = check(args);
    return escalated ? [escalated] : base(args, context);
  };
}

const change = (name: string, what: string) => finding('HIGH', 'system-change', `${name} ${what}`);
const writes = (name: string) => finding('MEDIUM', 'file-write', `${name} writes a file`);

/** The sub-command: the first word that is not an option (option values skipped). */
function firstWord(args: ShellWord[], withValue: string[]): string | undefined {
  const first = operands(args, withValue)[0];
  return first ? text(first) : undefined;
}

const NMCLI_VALUES = ['-f', '--fields', '-g', '--get-values', '-m', '--mode', '-c', '--colors', '-e', '--escape'];
const NMCLI_CHANGES = [
  'on',
  'off',
  'up',
  'down',
  'connect',
  'disconnect',
  'hotspot',
  'rescan',
  'delete',
  'add',
  'modify',
  'edit',
  'clone',
  'reload',
  'load',
  'import',
  'export',
  'set',
  'reapply',
];
const NMCLI_READS = /^(show|status|list|wifi|lldp|hostname|permissions|logging|connectivity|monitor|help|all|general)$/;

const NVIDIA_CHANGES =
  /^(-r|-pm|-pl|-e|-p|-c|-am|-ac|-rac|-acp|-lgc|-rgc|-lmc|-rmc|-mig|-caa|-f)$|^--(gpu-reset|persistence-mode|power-limit|ecc-config|reset-ecc-errors|compute-mode|accounting-mode|clear-accounted-apps|applications-clocks|reset-applications-clocks|applications-clocks-permission|lock-gpu-clocks|reset-gpu-clocks|lock-memory-clocks|reset-memory-clocks|multi-instance-gpu|filename)(=|$)/;

/** Look-up and probe tools: what they are given goes out as a DNS name, a packet or a query. */
const NETWORK_PROBES = [
  'dig',
  'nslookup',
  'host',
  'ping',
  'ping6',
  'traceroute',
  'tracepath',
  'mtr',
  'whois',
  'ssh-keyscan',
];

/**
 * Programs listed as SAFE or LOW because they report, but which some options or sub-commands turn into ones that
 * change the machine (`date -s`, `hostname NAME`, `nmcli networking off`, `fail2ban-client stop`), write files
 * (`tcpdump -w`, `iconv -o`) or run another program (`tcpdump -z`).
 */
export const REPORTING_ESCALATIONS: Record<string, Escalation> = {
  // BSD-style `e` (no dash: `ps e`, `ps auxe`, `ps eww`) prints each process's environment, the agent's own API keys
  // included, like /proc/*/environ; `-e` (all processes) is harmless.
  ps: (args) =>
    args.some((word) => /^[A-Za-z]*e[A-Za-z]*$/.test(text(word)) && !/^-/.test(text(word)))
      ? finding('HIGH', 'secret-file', 'ps e prints the environment of processes (credentials)')
      : undefined,
  // GNU date's value letters (-d, -f, -r, -I, -s) end a bundle; `-s2020-01-01` and `-us DATE` set the clock too.
  date: (args) =>
    scriptOptionValue(args, 's', '--set', { valueLetters: 'dfrI' }) !== undefined
      ? change('date', 'sets the system clock')
      : hasFlag(args, 'f', ['--file'])
        ? finding('LOW', 'read-files', 'date -f reads a file')
        : undefined,
  // `-F/etc/x` carries its file in the same word, leaving no operand behind.
  hostname: (args) =>
    operands(args, ['-F', '--file']).length > 0 ||
    hasFlag(args, 'b', ['--boot']) ||
    scriptOptionValue(args, 'F', '--file') !== undefined
      ? change('hostname', 'sets the host name')
      : undefined,
  chronyc: (args) => {
    const command = firstWord(args, ['-h', '-p', '-f']);
    return command === undefined ||
      /^(tracking|sources|sourcestats|sourcename|selectdata|activity|authdata|clients|ntpdata|serverstats|rtcdata|smoothing|waitsync|help)$/.test(
        command,
      )
      ? undefined
      : change('chronyc', `${command} changes time keeping`);
  },
  // nmcli OBJECT VERB NAME...: a changing verb anywhere (abbreviations of objects are read-only words), or a new name.
  nmcli: (args) => {
    const words = operands(args, NMCLI_VALUES).map((word) => text(word).toLowerCase());
    // nmcli takes any unambiguous prefix (`nmcli c del x`); a word after the object that starts a changing verb counts.
    const changing = words
      .slice(1)
      .find((word) => !NMCLI_READS.test(word) && NMCLI_CHANGES.some((verb) => verb.startsWith(word)));
    if (changing) return change('nmcli', `${changing} changes networking`);
    const [object, verb] = words;
    if (object && /^g/.test(object) && verb && /^(hostname|logging|reload)$/.test(verb) && words.length > 2)
      return change('nmcli', `general ${verb} changes settings`);
    return undefined;
  },
  'nvidia-smi': (args) => {
    const flag = args.map(text).find((value) => NVIDIA_CHANGES.test(value));
    return flag === undefined ? undefined : change('nvidia-smi', `${flag} changes the GPU or writes a file`);
  },
  sensors: (args) => (hasFlag(args, 's', ['--set']) ? change('sensors', '-s writes chip limits') : undefined),
  lastlog: (args) =>
    hasFlag(args, 'CS', ['--clear', '--set']) ? change('lastlog', 'clears or sets login records') : undefined,
  'fail2ban-client': (args) => {
    const command = firstWord(args, ['-c', '-s', '-p', '--timeout']);
    return command === undefined || /^(status|ping|version|get|banned|help)$/.test(command)
      ? undefined
      : change('fail2ban-client', `${command} changes the intrusion blocker`);
  },
  'systemd-analyze': (args) =>
    operands(args).some((word) => /^(set-|log-level$|log-target$|service-watchdogs$)/.test(text(word)))
      ? change('systemd-analyze', 'changes systemd settings')
      : undefined,
  sar: (args) => (hasFlag(args, 'o') ? writes('sar') : undefined),
  ncdu: (args) => (hasFlag(args, 'o') ? writes('ncdu') : undefined),
  info: (args) => (hasFlag(args, 'o', ['--output', '--dribble']) ? writes('info') : undefined),
  iconv: (args) => (hasFlag(args, 'o', ['--output']) ? writes('iconv') : undefined),
  shuf: (args) => (hasFlag(args, 'o', ['--output']) ? writes('shuf') : undefined),
  xmllint: (args) => (hasFlag(args, 'o', ['--output', '--shell']) ? writes('xmllint') : undefined),
  yq: (args) => (hasFlag(args, 'i', ['--inplace']) ? writes('yq') : undefined),
  'ssh-keygen': (args) => (hasFlag(args, 'lyFLQ') && !hasFlag(args, 'RpcAsuk') ? undefined : writes('ssh-keygen')),
  ss: (args) =>
    hasFlag(args, 'K', ['--kill'])
      ? change('ss', '-K closes the sockets it lists')
      : hasFlag(args, 'D', ['--diag'])
        ? writes('ss')
        : undefined,
  arp: (args) =>
    hasFlag(args, 'dsf', ['--delete', '--set', '--file']) ? change('arp', 'changes the ARP cache') : undefined,
  // -z starts a decompressor (gzip, xz, bzip2, lz4, zstd, brotli) for every compressed file the search reaches, named
  // in the command or not: Codex, Qwen Code and Gemini CLI all hold it.
  rg: (args) =>
    hasFlag(args, 'z', ['--search-zip'])
      ? finding('MEDIUM', 'runs-decompressors', 'rg -z runs a decompressor program on each compressed file it searches')
      : undefined,
  dmidecode: (args) => (hasFlag(args, '', ['--dump-bin']) ? writes('dmidecode') : undefined),
  lshw: (args) => (args.some((word) => word.value === '-dump') ? writes('lshw') : undefined),
  hwinfo: (args) => (hasFlag(args, '', ['--log', '--dump-db']) ? writes('hwinfo') : undefined),
  ...Object.fromEntries(NETWORK_PROBES.map((name) => [name, (args: ShellWord[]) => runtimeNetworkData(name, args)])),
  // `getent hosts NAME` asks the resolver (DNS); passwd, group and the other databases are local files.
  getent: (args) => {
    const database = operands(args)[0];
    return database && (database.value === undefined || /^a?hosts/.test(database.value))
      ? runtimeNetworkData('getent', args)
      : undefined;
  },
  // uniq's second operand is its output file.
  // A second operand is the output file; an unquoted glob or expansion may supply one (`uniq *`).
  uniq: (args) => {
    const named = operands(args, ['-f', '-s', '-w']);
    return named.length > 1 ||
      named.some((word) => word.pattern || (word.value === undefined && !word.raw.startsWith('"')))
      ? writes('uniq')
      : undefined;
  },
};

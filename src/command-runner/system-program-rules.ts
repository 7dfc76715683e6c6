import type { DangerLevel, Finding } from './danger-level.ts';
import {
  finding,
  fixed,
  hasFlag,
  isLongOption,
  literalWord,
  operands,
  type ProgramRule,
  STDIN_SCRIPT_RULE,
  scriptOptionValue,
  subcommand,
  text,
  wrappedStart,
} from './rule-helpers.ts';

/** A program whose sub-command decides: listed read-only sub-commands get `readLevel`, the rest `otherLevel`. */
function bySubcommand(
  name: string,
  reads: string[],
  options: {
    readLevel?: DangerLevel;
    otherLevel?: DangerLevel;
    bare?: DangerLevel;
    critical?: string[];
    withValue?: string[];
  } = {},
): ProgramRule {
  return (args) => {
    const command = subcommand(args, options.withValue);
    if (command === undefined)
      return [finding(options.bare ?? 'LOW', `${name}-status`, `${name} without a sub-command (status/list)`)];
    if (options.critical?.includes(command)) return [finding('CRITICAL', `${name}-${command}`, `${name} ${command}`)];
    if (reads.includes(command))
      return [finding(options.readLevel ?? 'LOW', `${name}-read`, `${name} ${command} only reads`)];
    return [finding(options.otherLevel ?? 'HIGH', `${name}-change`, `${name} ${command} changes the system`)];
  };
}

const systemctl: ProgramRule = (args) => {
  const command = subcommand(args, [
    '-t',
    '--type',
    '-p',
    '--property',
    '-H',
    '--host',
    '-M',
    '-n',
    '--lines',
    '-o',
    '--output',
    '--state',
  ]);
  if (command === undefined || /^(status|show|help|list-[a-z-]+|is-[a-z-]+|get-default)$/.test(command))
    return [finding('SAFE', 'systemctl-read', `systemctl ${command ?? 'list'} only reads`)];
  if (command === 'cat') return [finding('LOW', 'systemctl-read', 'systemctl cat shows unit files')];
  if (
    /^(poweroff|reboot|halt|kexec|emergency|rescue|isolate|suspend|hibernate|hybrid-sleep|soft-reboot|default)$/.test(
      command,
    )
  )
    return [finding('CRITICAL', 'system-power', `systemctl ${command} stops or reboots the machine`)];
  return [finding('HIGH', 'service-change', `systemctl ${command} changes services`)];
};

const kill: ProgramRule = (args) => {
  // Only a first word that is the list option itself lists: `-KILL`, `-SIGALRM` are signal names that hold an L.
  const first = args[0]?.value ?? '';
  if (first === '-l' || first === '-L' || isLongOption(first, '--list') || isLongOption(first, '--table'))
    return [finding('SAFE', 'signal-list', 'lists signals')];
  const targets = operands(args, ['-s', '-n', '--signal'])
    .map(text)
    .filter((value) => !/^-[A-Z0-9]+$/.test(value));
  const all = args.map(text);
  if (
    targets.some((value) => value === '1' || value === '-1' || value === '0') ||
    (all.includes('-1') && all.at(-1) === '-1')
  )
    return [finding('CRITICAL', 'kill-all', 'kills init or every process')];
  return [finding('HIGH', 'kill', `signals processes ${targets.join(' ')}`)];
};

// `git branch` and `git tag` list instead of creating when a filter implies `--list` (git-branch(1), git-tag(1):
// `--contains`, `--merged`, `--points-at`...); their commit is then a filter value and any other operand a pattern.
// Only display options may come with it: `-c`, `-u`, `-a`, `-m` and the like make or annotate refs.
const REF_LIST_FILTER = /^--(list|contains|no-contains|merged|no-merged|points-at)(=|$)/;
const REF_LIST_DISPLAY =
  /^(--(list|contains|no-contains|merged|no-merged|points-at|sort|format|color|no-color|column|no-column|abbrev|no-abbrev|ignore-case|omit-empty)(=.*)?)$/;
// Short display flags: branch -r/-a (remote, all), -v (verbose), -i; tag -i and -n<lines> (tag -v verifies).
const REF_LIST_SHORT = { branch: /^-[ravi]+$/, tag: /^-(i|n\d*)$/ };

function listsRefs(command: string | undefined, words: readonly string[]): boolean {
  if (command !== 'branch' && command !== 'tag') return false;
  const options = words.filter((word) => word.startsWith('-'));
  return (
    options.some((word) => REF_LIST_FILTER.test(word)) &&
    options.every(
      (word) =>
        REF_LIST_DISPLAY.test(word) ||
        REF_LIST_SHORT[command].test(word) ||
        (command === 'branch' && /^--(remotes|all|verbose)$/.test(word)),
    )
  );
}

/** Git settings whose value is a command git will run (or that pull in other config). */
const GIT_COMMAND_SETTING =
  /^(alias\.|core\.(pager|sshcommand|editor|fsmonitor|hookspath|gitproxy|askpass)|.*\.(command|cmd|textconv|helper|process|clean|smudge)(=|$)|diff\.external|pager\.|sequence\.editor|protocol\.|uploadpack\.|receive\.|credential\.|include\.|includeif\.)/;

const git: ProgramRule = (args, context) => {
  const found: Finding[] = [];
  const configIndex = args.findIndex((word) => word.value === 'config');
  if (configIndex !== -1) {
    const key = operands(args.slice(configIndex + 1), ['--file', '-f', '--blob'])[0];
    const setsValue = operands(args.slice(configIndex + 1), ['--file', '-f', '--blob']).length > 1;
    if (key && setsValue && GIT_COMMAND_SETTING.test(text(key).toLowerCase()))
      found.push(finding('CRITICAL', 'git-config-command', `git config ${text(key)} makes git run a command later`));
  }
  for (const [index, word] of args.entries()) {
    const value = text(word);
    // After `--` git reads paths only (`git log -- --output=x` names a file), before it too in the global options.
    if (value === '--') break;
    // `-c name=value`, joined `-cname=value`, `--config-env name=VAR` and `--config-env=name=VAR` (also abbreviated).
    const joined = /^-c./.test(value)
      ? value.slice(2)
      : /^--config-e/.test(value)
        ? value.split('=').slice(1).join('=')
        : undefined;
    if (value === '-c' || value === '--config-env' || (joined !== undefined && joined !== '')) {
      const setting = (joined || text(args[index + 1] ?? literalWord(''))).toLowerCase();
      if (GIT_COMMAND_SETTING.test(setting))
        found.push(finding('CRITICAL', 'git-config-command', `git -c ${setting} makes git run a command`));
      else found.push(finding('MEDIUM', 'git-config-override', `git -c ${setting}`));
    }
    if (
      /^--(exec-path|upload-pack|receive-pack)(=|$)|^-u$|^--ext-diff$/.test(value) ||
      /^--(config|template)=/.test(value)
    )
      found.push(finding('CRITICAL', 'git-command-option', `git ${value} runs another program`));
    // `git grep -O<cmd>` runs <cmd> with the matching files as arguments.
    if (/^(-O|--open-files-in-pager(=|$))/.test(value) && args.some((other) => other.value === 'grep'))
      found.push(finding('CRITICAL', 'git-command-option', `git ${value} runs another program`));
    if (/^--output(=|$)/.test(value)) found.push(finding('MEDIUM', 'file-write', `git ${value} writes a file`));
  }
  const command = subcommand(args, ['-c', '-C', '--git-dir', '--work-tree', '--namespace', '--config-env']);
  const rest = operands(args.slice(args.findIndex((word) => word.value === command) + 1)).map(text);
  const flags = args.map(text);
  // `git <command> --help` is `git help <command>` (git rewrites it before the command runs); stash show prints a
  // stash as git diff prints changes, and submodule status lists the submodules' commits.
  const commandIndex = args.findIndex((word) => word.value === command);
  const asksHelp = command !== undefined && text(args[commandIndex + 1] ?? literalWord('')) === '--help';
  // `git submodule foreach <command>` hands its words to sh in every submodule: they are a script.
  if (command === 'submodule' && rest[0] === 'foreach') {
    let start = args.findIndex((word, index) => index > commandIndex && word.value === 'foreach') + 1;
    while (/^(--recursive|-q|--quiet|--)$/.test(text(args[start] ?? literalWord('')))) start++;
    const words = args.slice(start);
    const script = words.some((word) => word.value === undefined) ? undefined : words.map(text).join(' ');
    found.push(...context.script(script, 'git submodule foreach'));
  }
  if (
    command === undefined ||
    asksHelp ||
    (command === 'stash' && rest[0] === 'show') ||
    (command === 'submodule' && rest[0] === 'status') ||
    (command === 'reflog' && !/^(expire|delete)$/.test(rest[0] ?? '')) ||
    /^(status|log|diff|show|blame|describe|shortlog|rev-parse|rev-list|ls-files|ls-tree|ls-remote|cat-file|grep|version|help|whatchanged|count-objects|fsck|for-each-ref|name-rev|merge-base|check-ignore|var)$/.test(
      command,
    )
  )
    found.push(finding('LOW', 'git-read', `git ${command ?? ''} only reads`));
  else if (
    command === 'branch' ||
    command === 'tag' ||
    command === 'remote' ||
    (command === 'stash' && rest[0] === 'list') ||
    command === 'config' ||
    command === 'worktree'
  )
    found.push(
      flags.some((value) =>
        /^-(D|d|m|M|f|-delete|-force|-move|-unset.*|-add|-replace-all|-edit-description|-set-upstream-to(=.*)?)$/.test(
          value,
        ),
      ) ||
        (command === 'remote' && rest.length > 0 && !['show', '-v', 'get-url'].includes(rest[0])) ||
        (command === 'config' &&
          !flags.some((value) => /^(--get|--list|-l|--get-all|--get-regexp|--show-origin)$/.test(value)) &&
          rest.length > 1) ||
        (command !== 'config' &&
          command !== 'remote' &&
          !listsRefs(command, flags.slice(commandIndex + 1)) &&
          rest.length > ((command === 'stash' || command === 'worktree') && rest[0] === 'list' ? 1 : 0))
        ? finding('HIGH', 'git-ref-change', `git ${command} changes refs or settings`)
        : finding('LOW', 'git-read', `git ${command} lists`),
    );
  else if (
    command === 'push' ||
    command === 'filter-branch' ||
    command === 'filter-repo' ||
    (command === 'gc' && flags.includes('--prune=now'))
  )
    found.push(finding('HIGH', 'git-publish', `git ${command} changes shared history`));
  else if (
    (command === 'reset' && flags.some((value) => /^--ha(r(d)?)?$/.test(value))) ||
    (command === 'clean' && flags.some((value) => /^-[a-zA-Z]*f|^--f(o(r(ce?)?)?)?$/.test(value))) ||
    (command === 'reflog' && /^(expire|delete)$/.test(rest[0] ?? '')) ||
    (command === 'stash' && /^(drop|clear)$/.test(rest[0] ?? '')) ||
    (command === 'checkout' && flags.includes('--')) ||
    command === 'restore'
  )
    found.push(finding('HIGH', 'git-discard', `git ${command} discards work`));
  else found.push(finding('MEDIUM', 'git-change', `git ${command} changes the working tree or fetches`));
  return found;
};

const docker: ProgramRule = (args, context) => {
  const command = subcommand(args, ['-H', '--host', '--context', '-c', '--config', '-l', '--log-level']);
  const all = args.map(text);
  const afterCommand = args.slice(args.findIndex((word) => word.value === command) + 1);
  if (
    command === undefined ||
    /^(ps|images|logs|inspect|stats|top|version|info|port|diff|history|events|search)$/.test(command)
  )
    return [finding('LOW', 'container-read', `docker ${command ?? ''} only reads`)];
  if (
    /^(container|image|network|volume|system|node|service|context|compose|plugin|stack|secret|config)$/.test(command)
  ) {
    const inner = subcommand(afterCommand) ?? '';
    // `secret inspect` shows a secret's metadata only: the engine never returns secret data.
    if (
      /^(ls|list|ps|inspect|df|info|logs|top|config|version|images|events|history|port|stats|diff|services|show)$/.test(
        inner,
      )
    )
      return [finding('LOW', 'container-read', `docker ${command} ${inner} only reads`)];
    return [finding('HIGH', 'container-change', `docker ${command} ${inner} changes containers`)];
  }
  if (command === 'run' || command === 'create') {
    const escapesHost = all.some(
      (value, index) =>
        /^--privileged$|^--pid=host$|^--cap-add=(ALL|SYS_ADMIN)$|^--device|^--security-opt=.*unconfined/.test(value) ||
        ((value === '-v' || value === '--volume' || value === '--mount') &&
          /^(\/|\/etc|\/root|\/var\/run\/docker\.sock|\/run\/docker\.sock|\/proc|\/sys|\/dev)(:|,|$)/.test(
            all[index + 1] ?? '',
          )) ||
        /^(-v|--volume=)(\/|\/etc|\/root|\/var\/run\/docker\.sock)(:|$)/.test(value),
    );
    if (escapesHost)
      return [finding('CRITICAL', 'container-escape', 'docker run with host root, devices or full privileges')];
    return [finding('HIGH', 'container-run', `docker ${command} starts a container`)];
  }
  if (command === 'exec') {
    const start = wrappedStart(afterCommand, ['-u', '--user', '-w', '--workdir', '-e', '--env', '--env-file'], {
      skipOperands: 1,
    });
    const inner = afterCommand.slice(start);
    const floor = finding('HIGH', 'container-exec', 'runs a command inside a container');
    return inner.length > 0 ? [...context.argv(inner), floor] : [floor];
  }
  return [finding('HIGH', 'container-change', `docker ${command} changes containers or images`)];
};

/**
 * Reads that print credentials: Secret values (`get secret -o yaml|json|jsonpath=...`, `get --raw .../secrets`) and
 * the kubeconfig's keys and tokens (`config view --raw`). Names only (`get secrets`) and `describe` (sizes) stay LOW.
 */
function kubectlSecretRead(command: string | undefined, all: readonly string[]) {
  const names = /^(secrets?|secret\/.+|secrets\/.+)$|(^|,)secrets?(,|$)/;
  const formatted = all.some((value) => /^(-o|--output|--template)(=|$)|^-o./.test(value));
  if (command === 'get' && formatted && all.some((value) => names.test(value)))
    return finding('HIGH', 'kubernetes-secret-read', 'kubectl prints Secret values');
  if (command === 'get' && all.some((value) => /\/secrets(\/|$|\?)/.test(value)))
    return finding('HIGH', 'kubernetes-secret-read', 'kubectl get --raw reads Secrets');
  if (command === 'config' && all.includes('view') && all.some((value) => /^--(raw|flatten)(=|$)/.test(value)))
    return finding('HIGH', 'kubernetes-secret-read', 'kubectl config view --raw prints keys and tokens');
  return undefined;
}

const kubectl: ProgramRule = (args, context) => {
  const command = subcommand(args, [
    '-n',
    '--namespace',
    '--context',
    '--kubeconfig',
    '-l',
    '--selector',
    '-o',
    '--output',
    '-c',
    '--container',
    '--cluster',
    '--user',
    '-s',
    '--server',
  ]);
  const all = args.map(text);
  // kubectl sends the kubeconfig's token or client certificate to whatever --server names
  if (scriptOptionValue(args, 's', '--server', { valueLetters: 'nlcoLf' }))
    return [
      finding('HIGH', 'kubernetes-credential-send', 'kubectl --server sends the cluster credentials to another host'),
    ];
  const secretRead = kubectlSecretRead(command, all);
  if (secretRead) return [secretRead];
  // Without verifying the server's certificate, whoever answers gets the kubeconfig's token (as aws --no-verify-ssl).
  if (all.some((value) => /^--insecure-skip-tls-verify(=true)?$/.test(value)))
    return [
      finding(
        'MEDIUM',
        'insecure-transport',
        'kubectl --insecure-skip-tls-verify sends credentials to an unverified host',
      ),
    ];
  if (
    command === undefined ||
    /^(get|describe|logs|top|explain|api-resources|api-versions|version|cluster-info|events|diff|wait)$/.test(command)
  )
    return [finding('LOW', 'kubernetes-read', `kubectl ${command ?? ''} only reads`)];
  const inner = operands(args.slice(args.findIndex((word) => word.value === command) + 1), [
    '-n',
    '--namespace',
    '-o',
    '--output',
  ])[0];
  if (
    /^(auth|config)$/.test(command) &&
    /^(can-i|whoami|view|get-contexts|current-context|get-clusters)$/.test(inner ? text(inner) : '')
  )
    return [finding('LOW', 'kubernetes-read', `kubectl ${command} only reads`)];
  if (command === 'rollout' && /^(status|history)$/.test(inner ? text(inner) : ''))
    return [finding('LOW', 'kubernetes-read', 'kubectl rollout status/history only reads')];
  if (
    command === 'delete' &&
    ((all.includes('--all') && (all.includes('-A') || all.includes('--all-namespaces'))) ||
      (/^(ns|namespace|namespaces|node|nodes|crd|crds|customresourcedefinition)$/.test(inner ? text(inner) : '') &&
        all.some((value) => /kube-system|--all/.test(value))))
  )
    return [finding('CRITICAL', 'kubernetes-wipe', 'kubectl deletes cluster-wide objects')];
  if (command === 'exec' || command === 'debug' || command === 'run' || command === 'attach') {
    const separator = args.findIndex((word) => word.value === '--');
    const floor = finding('HIGH', 'kubernetes-exec', `kubectl ${command} runs a command in the cluster`);
    return separator === -1 ? [floor] : [...context.argv(args.slice(separator + 1)), floor];
  }
  return [finding('HIGH', 'kubernetes-change', `kubectl ${command} changes the cluster`)];
};

const packages = (name: string, reads: string[]): ProgramRule => bySubcommand(name, reads, { bare: 'LOW' });
const PACKAGE_READS = [
  'list',
  'search',
  'show',
  'policy',
  'info',
  'depends',
  'rdepends',
  'showpkg',
  'madison',
  'check-update',
  'history',
  'repolist',
  'provides',
  'outdated',
  'freeze',
  'check',
  'ls',
  'view',
  'why',
  'audit',
  'doctor',
  'config',
  'help',
  'version',
  '--version',
  'stats',
  'dump',
  'pkgnames',
  'changelog',
];

const firewall =
  (name: string): ProgramRule =>
  (args) => {
    const all = args.map(text);
    if (
      all.length === 0 ||
      all.some((value) =>
        /^-[a-z]*[LS][a-z]*$|^--list|^list$|^status$|^--state$|^--get-|^--query-|^--check$|^show$|^-C$/.test(value),
      )
    )
      return [finding('LOW', 'firewall-read', `${name} lists rules`)];
    return [finding('HIGH', 'firewall-change', `${name} changes firewall rules`)];
  };

/** A program that only reads unless one of the listed flags (or `key=value` words) asks it to change something. */
const readUnless =
  (name: string, letters: string, longNames: string[] = [], level: DangerLevel = 'HIGH'): ProgramRule =>
  (args) =>
    hasFlag(args, letters, longNames) || args.some((word) => /^[\w.-]+=\S/.test(text(word)) && name === 'sysctl')
      ? [finding(level, `${name}-change`, `${name} changes the system`)]
      : [finding('LOW', `${name}-read`, `${name} only reads`)];

/** Editors are interactive (HIGH); given commands to run (`vim -c ':!sh'`, `+cmd`) they are CRITICAL. */
const editor: ProgramRule = (args) =>
  args.some((word) => /^(-c|--cmd|-S|\+.+|--eval|-x|--exec)$/.test(text(word)) || /^\+/.test(text(word)))
    ? [finding('CRITICAL', 'editor-command', 'the editor is told to run commands')]
    : [finding('HIGH', 'editor', 'interactive editor (can run a shell)')];

export const SYSTEM_PROGRAM_RULES: Record<string, ProgramRule> = {
  systemctl,
  service: (args) =>
    /^(status|--status-all)$/.test(text(args.at(-1) ?? literalWord('status')))
      ? [finding('LOW', 'service-read', 'service status')]
      : [finding('HIGH', 'service-change', 'service start/stop/restart')],
  journalctl: readUnless('journalctl', '', [
    '--vacuum-size',
    '--vacuum-time',
    '--vacuum-files',
    '--rotate',
    '--flush',
    '--setup-keys',
    '--relinquish-var',
    '--sync',
    '--update-catalog',
  ]),
  dmesg: readUnless('dmesg', 'cCDEn', ['--clear', '--read-clear', '--console-off', '--console-on', '--console-level']),
  sysctl: readUnless('sysctl', 'wp', ['--write', '--load', '--system']),
  ip: (args, context) => {
    const all = args.map(text);
    const netns = all.indexOf('exec');
    if (all[0] === 'netns' && netns !== -1)
      return [...context.argv(args.slice(netns + 2)), finding('HIGH', 'namespaces', 'ip netns exec')];
    return all.some((value) =>
      /^(add|del|delete|set|flush|change|replace|append|prepend|attach|detach|exec|up|down)$/.test(value),
    )
      ? [finding('HIGH', 'network-change', 'ip changes interfaces, addresses or routes')]
      : [finding('SAFE', 'network-read', 'ip shows interfaces, addresses or routes')];
  },
  ifconfig: (args) =>
    operands(args).length <= 1
      ? [finding('LOW', 'network-read', 'ifconfig shows interfaces')]
      : [finding('HIGH', 'network-change', 'ifconfig changes an interface')],
  route: (args) =>
    args.some((word) => /^(add|del|flush)$/.test(text(word)))
      ? [finding('HIGH', 'network-change', 'route changes routes')]
      : [finding('LOW', 'network-read', 'route shows routes')],
  hostnamectl: bySubcommand('hostnamectl', ['status', 'hostname'], { bare: 'SAFE' }),
  timedatectl: bySubcommand('timedatectl', ['status', 'show', 'list-timezones', 'timesync-status', 'show-timesync'], {
    bare: 'SAFE',
  }),
  localectl: bySubcommand('localectl', ['status', 'list-locales', 'list-keymaps'], { bare: 'SAFE' }),
  loginctl: bySubcommand(
    'loginctl',
    [
      'list-sessions',
      'list-users',
      'list-seats',
      'show-session',
      'show-user',
      'session-status',
      'user-status',
      'seat-status',
    ],
    { bare: 'SAFE' },
  ),
  crontab: (args) => {
    if (hasFlag(args, 'l')) return [finding('LOW', 'cron-read', 'lists the crontab')];
    // `crontab -` installs whatever arrives on standard input: generated text becomes scheduled commands.
    if (operands(args, ['-u']).some((word) => word.value === '-'))
      return [finding('HIGH', STDIN_SCRIPT_RULE, 'crontab installs scheduled commands read from standard input')];
    return [finding('HIGH', 'cron-change', 'replaces, edits or removes the crontab')];
  },
  at: (args) =>
    hasFlag(args, 'l')
      ? [finding('LOW', 'at-read', 'lists jobs')]
      : hasFlag(args, 'f')
        ? [finding('HIGH', 'scheduled-command', 'schedules the commands in a file')]
        : [finding('HIGH', STDIN_SCRIPT_RULE, 'at schedules commands read from standard input')],
  batch: fixed('HIGH', STDIN_SCRIPT_RULE, 'batch schedules commands read from standard input'),
  atq: fixed('LOW', 'at-read', 'lists scheduled jobs'),
  kill,
  pkill: fixed('HIGH', 'kill', 'signals processes by name'),
  killall: fixed('HIGH', 'kill', 'signals processes by name'),
  killall5: fixed('CRITICAL', 'kill-all', 'signals every process'),
  renice: fixed('HIGH', 'reprioritise', 'changes process priority'),
  shutdown: (args) =>
    hasFlag(args, 'c')
      ? [finding('HIGH', 'system-power', 'cancels a shutdown')]
      : [finding('CRITICAL', 'system-power', 'shuts the machine down')],
  reboot: fixed('CRITICAL', 'system-power', 'reboots the machine'),
  halt: fixed('CRITICAL', 'system-power', 'halts the machine'),
  poweroff: fixed('CRITICAL', 'system-power', 'powers the machine off'),
  telinit: fixed('CRITICAL', 'system-power', 'changes the run level'),
  init: fixed('CRITICAL', 'system-power', 'changes the run level'),
  kexec: fixed('CRITICAL', 'system-power', 'boots another kernel'),
  // Without a device or directory mount lists, except `-a`/`--all`, which mounts everything /etc/fstab names.
  mount: (args) =>
    operands(args).length === 0 && !hasFlag(args, 'a', ['--all'])
      ? [finding('LOW', 'mount-read', 'lists mounts')]
      : [finding('HIGH', 'mount-change', 'mounts a filesystem')],
  umount: fixed('HIGH', 'mount-change', 'unmounts a filesystem'),
  swapon: readUnless('swapon', 'a', ['--all'], 'HIGH'),
  swapoff: fixed('HIGH', 'swap-change', 'disables swap'),
  modprobe: (args) =>
    hasFlag(args, 'nc', ['--dry-run', '--showconfig'])
      ? [finding('LOW', 'module-read', 'modprobe dry run')]
      : [finding('HIGH', 'kernel-module', 'loads or removes a kernel module')],
  insmod: fixed('HIGH', 'kernel-module', 'loads a kernel module'),
  rmmod: fixed('HIGH', 'kernel-module', 'removes a kernel module'),
  iptables: firewall('iptables'),
  ip6tables: firewall('ip6tables'),
  'iptables-save': fixed('LOW', 'firewall-read', 'prints firewall rules'),
  'iptables-restore': fixed('HIGH', 'firewall-change', 'replaces firewall rules'),
  nft: firewall('nft'),
  ufw: firewall('ufw'),
  'firewall-cmd': firewall('firewall-cmd'),
  useradd: fixed('HIGH', 'account-change', 'creates a user'),
  adduser: fixed('HIGH', 'account-change', 'creates a user'),
  usermod: fixed('HIGH', 'account-change', 'changes a user'),
  userdel: (args) =>
    args.some((word) => word.value === 'root')
      ? [finding('CRITICAL', 'account-root', 'deletes root')]
      : [finding('HIGH', 'account-change', 'deletes a user')],
  deluser: fixed('HIGH', 'account-change', 'deletes a user'),
  groupadd: fixed('HIGH', 'account-change', 'creates a group'),
  groupdel: fixed('HIGH', 'account-change', 'deletes a group'),
  gpasswd: fixed('HIGH', 'account-change', 'changes group membership'),
  passwd: (args) =>
    hasFlag(args, 'S', ['--status'])
      ? [finding('LOW', 'account-read', 'password status')]
      : [finding('HIGH', 'account-change', 'changes a password')],
  chpasswd: fixed('HIGH', 'account-change', 'changes passwords'),
  chage: (args) =>
    hasFlag(args, 'l', ['--list'])
      ? [finding('LOW', 'account-read', 'password ageing')]
      : [finding('HIGH', 'account-change', 'changes password ageing')],
  visudo: (args) =>
    hasFlag(args, 'c', ['--check'])
      ? [finding('LOW', 'sudoers-check', 'checks sudoers')]
      : [finding('HIGH', 'sudoers-change', 'edits sudoers')],
  git,
  docker,
  podman: docker,
  nerdctl: docker,
  kubectl,
  apt: packages('apt', PACKAGE_READS),
  'apt-get': packages('apt-get', ['check', 'changelog', 'indextargets']),
  'apt-cache': fixed('LOW', 'package-read', 'queries the package cache'),
  aptitude: packages('aptitude', PACKAGE_READS),
  dnf: packages('dnf', PACKAGE_READS),
  yum: packages('yum', PACKAGE_READS),
  zypper: packages('zypper', ['search', 'se', 'info', 'if', 'list-updates', 'lu', 'repos', 'lr', 'packages', 'pa']),
  apk: packages('apk', ['info', 'search', 'list', 'policy', 'stats', 'version', 'dot']),
  pacman: (args) =>
    hasFlag(args, 'QF', ['--query', '--files']) || args.some((word) => /^-S[siglp]+$/.test(text(word)))
      ? [finding('LOW', 'package-read', 'queries packages')]
      : [finding('HIGH', 'package-change', 'installs or removes packages')],
  snap: packages('snap', ['list', 'info', 'find', 'version', 'services', 'changes', 'connections']),
  flatpak: packages('flatpak', ['list', 'info', 'search', 'remotes', 'history']),
  brew: packages('brew', PACKAGE_READS),
  dpkg: (args) =>
    hasFlag(args, 'lLsSp', [
      '--list',
      '--listfiles',
      '--status',
      '--search',
      '--get-selections',
      '--print-architecture',
      '--audit',
      '--verify',
    ])
      ? [finding('LOW', 'package-read', 'queries installed packages')]
      : [finding('HIGH', 'package-change', 'installs or removes packages')],
  'dpkg-query': fixed('LOW', 'package-read', 'queries installed packages'),
  rpm: (args) =>
    args.some((word) => /^-q|^--query|^-V|^--verify/.test(text(word)))
      ? [finding('LOW', 'package-read', 'queries packages')]
      : [finding('HIGH', 'package-change', 'installs or removes packages')],
  gem: packages('gem', PACKAGE_READS),
  npx: fixed('HIGH', 'package-run', 'downloads and runs a package'),
  history: (args) =>
    hasFlag(args, 'cdwarns')
      ? [finding('HIGH', 'history-tamper', 'clears or rewrites the shell history')]
      : [finding('SAFE', 'history-read', 'shows the shell history')],
  hdparm: readUnless(
    'hdparm',
    'WBSMAKRyYZsz',
    ['--security-erase', '--security-erase-enhanced', '--trim-sector-ranges', '--write-sector', '--fwdownload'],
    'CRITICAL',
  ),
  smartctl: (args) =>
    hasFlag(args, 'tXso', ['--test', '--abort', '--smart', '--offlineauto'])
      ? [finding('HIGH', 'disk-change', 'smartctl changes disk settings or starts tests')]
      : [finding('LOW', 'disk-read', 'reads SMART data')],
  fuser: (args) =>
    hasFlag(args, 'k', ['--kill'])
      ? [finding('HIGH', 'kill', 'fuser -k kills processes')]
      : [finding('LOW', 'process-read', 'lists processes using files')],
  ulimit: fixed('SAFE', 'limits', 'shows or lowers shell limits'),
  umask: fixed('LOW', 'umask', 'sets the file creation mask of this shell'),
  nmap: fixed('MEDIUM', 'network-scan', 'scans hosts (no network in the sandbox)'),
  tmux: fixed('MEDIUM', 'terminal-multiplexer', 'starts or drives a terminal session'),
  screen: fixed('MEDIUM', 'terminal-multiplexer', 'starts a terminal session'),
  wall: fixed('MEDIUM', 'broadcast', 'writes to every terminal'),
  logger: fixed('LOW', 'syslog-write', 'writes one syslog message'),
  gdb: fixed('HIGH', 'debugger', 'attaches a debugger (can run anything)'),
  vi: editor,
  vim: editor,
  nano: fixed('HIGH', 'editor', 'interactive editor'),
  emacs: editor,
  nvim: editor,
  ex: editor,
  man: (args) =>
    hasFlag(args, 'PH', ['--pager', '--html'])
      ? [finding('HIGH', 'pager-command', 'man runs the given pager/browser command')]
      : [finding('SAFE', 'read-only', 'man shows a manual page')],
  fsck: fixed('HIGH', 'filesystem-repair', 'checks and repairs a filesystem'),
  gcc: fixed('MEDIUM', 'compile', 'compiles and writes a binary'),
  cc: fixed('MEDIUM', 'compile', 'compiles and writes a binary'),
};

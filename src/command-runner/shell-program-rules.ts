import { type Finding, levelRank, maxLevel } from './danger-level.ts';
import { variableFinding } from './dangerous-variables.ts';
import { type ShellWord, writeTargetFinding } from './path-rules.ts';
import {
  DANGEROUS_CODE,
  finding,
  hasFlag,
  literalWord,
  optionValue,
  type ProgramRule,
  STDIN_CODE_RULE,
  STDIN_SCRIPT_RULE,
  scriptOptionValue,
  text,
  unknownWord,
  wrappedStart,
} from './rule-helpers.ts';

/** Raises what a wrapper runs to at least `floor` (sudo runs as root, ssh runs elsewhere). */
function atLeast(findings: Finding[], floor: Finding): Finding[] {
  const top = maxLevel(...findings.map((item) => item.level));
  return top === maxLevel(top, floor.level) && top !== floor.level ? findings : [...findings, floor];
}

/** A wrapper that runs the rest of its arguments as a command. */
function wrapper(
  withValue: string[],
  options: { assignments?: boolean; skipOperands?: number; floor?: Finding; bare?: Finding } = {},
): ProgramRule {
  return (args, context) => {
    const start = wrappedStart(args, withValue, options);
    const inner = args.slice(start);
    // `env LD_PRELOAD=x ls`, `sudo PAGER=sh man ls`: the wrapper's assignments count like `VAR=x cmd`.
    const assigned: Finding[] = [];
    for (const word of args.slice(0, start)) {
      const name = /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(word.value ?? '')?.[1];
      const danger = name ? variableFinding(name) : undefined;
      if (danger) assigned.push({ ...danger, reason: `${danger.reason} (${text(word).slice(0, 60)})` });
    }
    if (inner.length === 0)
      return [...assigned, options.bare ?? finding('SAFE', 'wrapper-only', 'wrapper without a command')];
    const found = [...assigned, ...context.argv(inner)];
    return options.floor ? atLeast(found, options.floor) : found;
  };
}

const ROOT = finding('MEDIUM', 'privilege-escalation', 'runs as another user (root)');
const SUDO_OPTIONS = ['-u', '-g', '-C', '-p', '-h', '-U', '-r', '-t', '-T', '-D', '--user', '--group'];

/** `bash -c 'script'`, `sh script.sh`, `bash` reading standard input. */
const shell: ProgramRule = (args, context) => {
  for (let index = 0; index < args.length; index++) {
    const value = args[index].value;
    if (value === undefined)
      return [finding('CRITICAL', 'dynamic-script', `shell argument ${args[index].raw} decided at run time`)];
    if (value === '--version' || value === '--help' || value === '-n')
      return [finding('SAFE', 'shell-info', 'shell version/help/syntax check')];
    if (/^-[a-zA-Z]*c[a-zA-Z]*$/.test(value)) return context.script(args[index + 1]?.value, 'shell -c');
    if (value === '-s' || value === '-')
      return [finding('HIGH', STDIN_SCRIPT_RULE, 'shell reads commands from standard input')];
    if (value === '-i') return [finding('HIGH', 'interactive-shell', 'starts an interactive shell')];
    if (value.startsWith('-') || value.startsWith('+')) continue;
    if (STDIN_FILES.test(value)) return [finding('HIGH', STDIN_SCRIPT_RULE, `shell reads commands from ${value}`)];
    return [finding('HIGH', 'run-script', `runs the script file ${value}`)];
  }
  return [finding('HIGH', STDIN_SCRIPT_RULE, 'shell reads commands from standard input')];
};

const INLINE_FLAGS = new Set(['-c', '-e', '-E', '-r', '--eval', '-p', '--print', '-x']);

function interpreter(language: string): ProgramRule {
  return (args, context) => {
    for (let index = 0; index < args.length; index++) {
      const value = args[index].value;
      if (value === undefined)
        return [finding('CRITICAL', 'dynamic-script', `${language} argument decided at run time`)];
      if (value === '--version' || value === '-V' || value === '--help' || (value === '-v' && language !== 'perl'))
        return [finding('SAFE', 'interpreter-info', `${language} version/help`)];
      if (value === '-v' && language === 'perl') return [finding('SAFE', 'interpreter-info', 'perl version')];
      const inline = INLINE_FLAGS.has(value) || (/^-[a-zA-Z]*[ce]$/.test(value) && language !== 'node');
      if (inline || (language === 'node' && (value === '-e' || value === '-p'))) {
        const code = args[index + 1]?.value;
        const inPlace =
          args.some((word) => /^-[a-zA-Z]*i/.test(word.value ?? '')) && (language === 'perl' || language === 'ruby');
        if (inPlace)
          for (const file of args.slice(index + 2)) {
            const write = writeTargetFinding(file, context, `${language} -i edits`);
            if (write && write.level === 'CRITICAL') return [write];
          }
        if (code === undefined) return [finding('CRITICAL', 'dynamic-script', `${language} code decided at run time`)];
        if (DANGEROUS_CODE.test(code))
          return [
            finding(
              'CRITICAL',
              'interpreter-dangerous-code',
              `${language} inline code runs commands or deletes: ${code.slice(0, 60)}`,
            ),
          ];
        return [finding('HIGH', 'interpreter-inline-code', `${language} runs inline code: ${code.slice(0, 60)}`)];
      }
      if (value === '-m' && language === 'python') {
        const module = args[index + 1]?.value ?? '';
        if (['json.tool', 'platform', 'site', 'sysconfig', 'pydoc', 'this', 'calendar'].includes(module))
          return [finding('LOW', 'python-module', `python -m ${module}`)];
        if (module === 'pip') return context.argv([literalWord('pip'), ...args.slice(index + 2)]);
        return [finding('HIGH', 'python-module', `python runs module ${module}`)];
      }
      if (value === '-') return [finding('HIGH', STDIN_CODE_RULE, `${language} reads code from standard input`)];
      if (value.startsWith('-')) continue;
      if (STDIN_FILES.test(value)) return [finding('HIGH', STDIN_CODE_RULE, `${language} reads code from ${value}`)];
      return [finding('HIGH', 'run-script', `${language} runs the script ${value}`)];
    }
    return [finding('HIGH', STDIN_CODE_RULE, `${language} reads code from standard input`)];
  };
}

/** `find ... -exec cmd {} ;` runs cmd; `-delete` deletes whatever matched. */
/** find's starting points cover the whole system or one of its trees (or are decided at run time). */
function wholeSystem(starts: ShellWord[]): boolean {
  return starts.some((root) => {
    const path = root.value;
    return (
      path === undefined || path === '/' || path === '~' || /^\/(etc|usr|bin|sbin|lib|boot|var|root|home)\b/.test(path)
    );
  });
}

const find: ProgramRule = (args, context) => {
  const found: Finding[] = [finding('LOW', 'find', 'searches files')];
  const starts: ShellWord[] = [];
  let expression = false;
  for (let index = 0; index < args.length; index++) {
    const value = args[index].value;
    if (!expression && value !== undefined && !value.startsWith('-') && value !== '(' && value !== '!') {
      starts.push(args[index]);
      context.notePath(args[index]);
      continue;
    }
    expression = true;
    if (value === '-exec' || value === '-execdir' || value === '-ok' || value === '-okdir') {
      const end = args.findIndex((word, position) => position > index && (word.value === ';' || word.value === '+'));
      const inner = args
        .slice(index + 1, end === -1 ? args.length : end)
        .map((word) => (word.value === '{}' ? unknownWord('{}') : word));
      const innerFindings = context.argv(inner);
      found.push(...innerFindings);
      // Changing every match under / or a system tree is a mass edit, whatever the inner command is.
      if (wholeSystem(starts) && innerFindings.some((item) => levelRank(item.level) >= levelRank('MEDIUM')))
        found.push(
          finding('CRITICAL', 'find-exec-system', `find ${starts.map(text).join(' ')} -exec changes every match`),
        );
      index = end === -1 ? args.length : end;
    } else if (value === '-delete') {
      found.push(
        wholeSystem(starts)
          ? finding('CRITICAL', 'find-delete-system', `find -delete under ${starts.map(text).join(' ')}`)
          : finding('HIGH', 'find-delete', 'find deletes what it matches'),
      );
    } else if (value === '-fprint' || value === '-fprintf' || value === '-fls' || value === '-fprint0') {
      found.push(finding('MEDIUM', 'find-write', `find writes ${text(args[index + 1] ?? unknownWord('?'))}`));
    }
  }
  return found;
};

/** `xargs cmd args` runs cmd with arguments read from standard input (unknown here). */
const xargs: ProgramRule = (args, context) => {
  const start = wrappedStart(args, [
    '-n',
    '-L',
    '-P',
    '-s',
    '-I',
    '-d',
    '-E',
    '-a',
    '--max-args',
    '--max-procs',
    '--delimiter',
    '--arg-file',
    '--replace',
  ]);
  const inner = args.slice(start);
  const command = inner.length === 0 ? [literalWord('echo')] : inner;
  // With -I X, every word containing X is filled from standard input (`xargs -I% sh -c '%'` runs input as code).
  const replace =
    optionValue(args.slice(0, start), '-I', '--replace')?.value ?? (hasFlag(args.slice(0, start), 'i') ? '{}' : '{}');
  return context.argv([
    ...command.map((word) => (word.value?.includes(replace) ? unknownWord(word.raw) : word)),
    unknownWord('<stdin>'),
  ]);
};

/** Every argument joined is the script (`eval`, `watch`, `ssh host cmd`). */
function joined(words: ShellWord[]): string | undefined {
  if (words.some((word) => word.value === undefined)) return undefined;
  return words.map((word) => word.value).join(' ');
}

const ssh: ProgramRule = (args, context) => {
  for (const [index, word] of args.entries())
    if (
      /ProxyCommand|LocalCommand|PermitLocalCommand/i.test(text(word)) ||
      (word.value === '-o' && /Command/i.test(text(args[index + 1] ?? word)))
    )
      return [finding('CRITICAL', 'ssh-proxy-command', 'ssh -o ...Command runs a local command')];
  const start = wrappedStart(
    args,
    ['-p', '-i', '-l', '-o', '-F', '-J', '-L', '-R', '-D', '-W', '-b', '-c', '-E', '-m', '-S', '-w', '-B', '-O', '-Q'],
    { skipOperands: 1 },
  );
  const remote = args.slice(start);
  const floor = finding('HIGH', 'remote-shell', 'runs commands on another host over ssh');
  if (remote.length === 0)
    return [finding('HIGH', STDIN_SCRIPT_RULE, 'ssh without a command runs what arrives on standard input remotely')];
  return atLeast(context.script(joined(remote), 'ssh remote command'), floor);
};

/** `source file` runs the file in this shell; `source <(curl ...)` runs a download. */
const sourceScript: ProgramRule = (args) => {
  const file = args[0];
  if (!file || file.value === undefined)
    return [finding('CRITICAL', 'pipe-to-shell', `sources generated text (${file?.raw ?? 'standard input'})`)];
  if (STDIN_FILES.test(file.value)) return [finding('HIGH', STDIN_SCRIPT_RULE, `sources ${file.value}`)];
  return [finding('HIGH', 'run-script', `sources ${file.value} into the shell`)];
};

/** Builtins that run a string as code or point a name at another file. */
const BUILTIN_HOOKS: Record<string, ProgramRule> = {
  // `enable -f lib.so name` loads a shared object into bash.
  enable: (args) =>
    hasFlag(args, 'f')
      ? [finding('CRITICAL', 'builtin-injection', 'enable -f loads a shared library into the shell')]
      : [finding('LOW', 'builtin-toggle', 'enables or disables builtins')],
  // `hash -p /tmp/x ls` makes `ls` run /tmp/x.
  hash: (args) =>
    hasFlag(args, 'p')
      ? [finding('CRITICAL', 'command-hijack', 'hash -p maps a command name to another file')]
      : [finding('SAFE', 'read-only', 'hash shows or resets the command cache')],
  mapfile: (args, context) => {
    const callback = scriptOptionValue(args, 'C', undefined, { valueLetters: 'dunOcs' });
    return callback
      ? [
          ...context.script(callback.word?.value, 'mapfile -C callback'),
          finding('MEDIUM', 'callback', 'mapfile runs a callback'),
        ]
      : [finding('SAFE', 'read-lines', 'reads lines into an array')];
  },
};

/** Paths that are standard input in disguise: `curl ... | bash /dev/stdin` is a pipe into a shell. */
const STDIN_FILES = /^\/(dev\/stdin|dev\/fd\/0|proc\/self\/fd\/0)$/;

export const SHELL_PROGRAM_RULES: Record<string, ProgramRule> = {
  ...BUILTIN_HOOKS,
  readarray: BUILTIN_HOOKS.mapfile,
  sudo: wrapper(SUDO_OPTIONS, {
    assignments: true,
    floor: ROOT,
    bare: finding('HIGH', STDIN_SCRIPT_RULE, 'sudo without a command opens a root shell reading standard input'),
  }),
  doas: wrapper(['-u', '-C'], {
    floor: ROOT,
    bare: finding('HIGH', STDIN_SCRIPT_RULE, 'doas without a command opens a root shell reading standard input'),
  }),
  su: (args, context) => {
    const index = args.findIndex((word) => word.value === '-c' || word.value === '--command');
    if (index === -1)
      return [finding('HIGH', STDIN_SCRIPT_RULE, 'su opens a shell as another user, reading standard input')];
    return atLeast(context.script(args[index + 1]?.value, 'su -c'), ROOT);
  },
  runuser: wrapper(['-u', '-g', '-G', '--user', '--group'], { floor: ROOT }),
  env: (args, context) => {
    const split = scriptOptionValue(args, 'S', '--split-string', { valueLetters: 'uCa', leadingOnly: true });
    if (split) return context.script(split.word?.value, 'env -S');
    return wrapper(['-u', '-C', '--unset', '--chdir'], {
      assignments: true,
      bare: finding('LOW', 'print-environment', 'prints the (scrubbed) environment'),
    })(args, context);
  },
  nice: wrapper(['-n', '--adjustment']),
  nohup: wrapper([]),
  setsid: wrapper([]),
  time: wrapper(['-f', '-o', '--format', '--output']),
  stdbuf: wrapper(['-i', '-o', '-e']),
  unbuffer: wrapper([]),
  timeout: wrapper(['-s', '-k', '--signal', '--kill-after'], { skipOperands: 1 }),
  ionice: (args, context) =>
    hasFlag(args, 'p', ['--pid'])
      ? [finding('HIGH', 'reprioritise', 'changes the I/O priority of running processes')]
      : wrapper(['-c', '-n', '--class', '--classdata'])(args, context),
  chrt: wrapper([], { skipOperands: 1, floor: finding('MEDIUM', 'scheduling', 'real-time scheduling') }),
  taskset: (args, context) =>
    hasFlag(args, 'p', ['--pid'])
      ? [finding('HIGH', 'reprioritise', 'changes CPU affinity of running processes')]
      : wrapper([], { skipOperands: 1 })(args, context),
  flock: (args, context) => {
    const index = args.findIndex((word) => word.value === '-c' || word.value === '--command');
    if (index !== -1) return context.script(args[index + 1]?.value, 'flock -c');
    return wrapper(['-w', '-E', '--timeout', '--conflict-exit-code'], { skipOperands: 1 })(args, context);
  },
  command: (args, context) =>
    hasFlag(args, 'vV') ? [finding('SAFE', 'lookup', 'looks a command up')] : wrapper([])(args, context),
  builtin: wrapper([]),
  exec: wrapper(['-a'], { bare: finding('SAFE', 'redirect-only', 'exec without a command only changes descriptors') }),
  strace: wrapper(['-o', '-e', '-p', '-s', '-u'], { floor: finding('MEDIUM', 'tracing', 'traces a program') }),
  ltrace: wrapper(['-o', '-e', '-p', '-s', '-u'], { floor: finding('MEDIUM', 'tracing', 'traces a program') }),
  chroot: wrapper(['--userspec', '--groups'], {
    skipOperands: 1,
    floor: finding('HIGH', 'chroot', 'runs in another root'),
  }),
  unshare: wrapper([], { floor: finding('HIGH', 'namespaces', 'runs in new namespaces') }),
  nsenter: wrapper(['-t', '-S', '-G', '--target'], { floor: finding('HIGH', 'namespaces', 'enters other namespaces') }),
  'systemd-run': wrapper(['-u', '-p', '--unit', '--property', '-E', '--setenv'], {
    floor: finding('HIGH', 'transient-unit', 'runs as a system service'),
  }),
  watch: (args, context) => {
    const start = wrappedStart(args, ['-n', '-d', '--interval']);
    return context.script(joined(args.slice(start)), 'watch');
  },
  xargs,
  find,
  // `coproc [NAME] command`: the first word may be a name or the program, so both readings are classified.
  coproc: (args, context) => [...context.argv(args), ...(args.length > 1 ? context.argv(args.slice(1)) : [])],
  eval: (args, context) => context.script(joined(args), 'eval'),
  trap: (args, context) => {
    const action = args.find((word) => !text(word).startsWith('-'));
    if (!action || args.length < 2) return [finding('SAFE', 'trap-list', 'lists traps')];
    return atLeast(context.script(action.value, 'trap action'), finding('MEDIUM', 'trap', 'runs code on a signal'));
  },
  source: sourceScript,
  '.': sourceScript,
  alias: (args, context) => {
    const found: Finding[] = [finding('MEDIUM', 'alias-definition', 'defines an alias that hides what a name runs')];
    for (const word of args) {
      const value = word.value;
      if (value === undefined) return [finding('CRITICAL', 'dynamic-script', 'alias body decided at run time')];
      const equals = value.indexOf('=');
      if (equals !== -1) found.push(...context.script(value.slice(equals + 1), 'alias body'));
    }
    return args.length === 0 ? [finding('SAFE', 'alias-list', 'lists aliases')] : found;
  },
  busybox: (args, context) =>
    args.length === 0 ? [finding('SAFE', 'busybox-list', 'lists applets')] : context.argv(args),
  ssh,
  sh: shell,
  bash: shell,
  dash: shell,
  zsh: shell,
  ksh: shell,
  ash: shell,
  mksh: shell,
  fish: shell,
  csh: shell,
  tcsh: shell,
  python: interpreter('python'),
  python2: interpreter('python'),
  python3: interpreter('python'),
  perl: interpreter('perl'),
  ruby: interpreter('ruby'),
  node: interpreter('node'),
  nodejs: interpreter('node'),
  php: interpreter('php'),
  lua: interpreter('lua'),
  deno: (args) =>
    args[0]?.value === '--version'
      ? [finding('SAFE', 'interpreter-info', 'deno version')]
      : [finding('HIGH', 'interpreter', 'deno runs code')],
  bun: (args) =>
    args[0]?.value === '--version'
      ? [finding('SAFE', 'interpreter-info', 'bun version')]
      : [finding('HIGH', 'interpreter', 'bun runs code')],
  tclsh: interpreter('tcl'),
  expect: interpreter('expect'),
};

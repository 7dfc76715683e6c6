import type { Finding } from './danger-level.ts';

/** Variables whose assignment changes what later code runs or hides what it did. */
const DANGEROUS_VARIABLES: Record<string, Finding> = {
  IFS: { level: 'CRITICAL', rule: 'ifs-manipulation', reason: 'changes IFS, the word splitting the shell applies' },
  PATH: { level: 'HIGH', rule: 'environment-override', reason: 'changes PATH, so program names resolve elsewhere' },
  LD_PRELOAD: { level: 'CRITICAL', rule: 'library-injection', reason: 'LD_PRELOAD loads code into every program' },
  LD_LIBRARY_PATH: { level: 'HIGH', rule: 'environment-override', reason: 'changes the library search path' },
  BASH_ENV: { level: 'CRITICAL', rule: 'startup-injection', reason: 'BASH_ENV runs a file in every shell' },
  ENV: { level: 'CRITICAL', rule: 'startup-injection', reason: 'ENV runs a file in every sh' },
  PROMPT_COMMAND: { level: 'CRITICAL', rule: 'startup-injection', reason: 'PROMPT_COMMAND runs code' },
  HISTFILE: { level: 'HIGH', rule: 'history-tamper', reason: 'changes where the shell history goes' },
  GIT_SSH_COMMAND: { level: 'CRITICAL', rule: 'git-command-injection', reason: 'git runs this command' },
  GIT_EXTERNAL_DIFF: { level: 'CRITICAL', rule: 'git-command-injection', reason: 'git runs this command' },
  PAGER: { level: 'HIGH', rule: 'environment-override', reason: 'programs run the pager command' },
  EDITOR: { level: 'HIGH', rule: 'environment-override', reason: 'programs run the editor command' },
  // Programs that allowed commands spawn, named by the environment instead of an option (`GIT_PAGER=sh git log`).
  GIT_PAGER: { level: 'CRITICAL', rule: 'environment-program', reason: 'git runs GIT_PAGER' },
  GIT_EDITOR: { level: 'CRITICAL', rule: 'environment-program', reason: 'git runs GIT_EDITOR' },
  GIT_ASKPASS: { level: 'CRITICAL', rule: 'environment-program', reason: 'git runs GIT_ASKPASS' },
  SSH_ASKPASS: { level: 'CRITICAL', rule: 'environment-program', reason: 'ssh runs SSH_ASKPASS' },
  GIT_CONFIG_PARAMETERS: { level: 'CRITICAL', rule: 'git-command-injection', reason: 'sets git configuration' },
  MANPAGER: { level: 'CRITICAL', rule: 'environment-program', reason: 'man runs MANPAGER' },
  SYSTEMD_PAGER: { level: 'CRITICAL', rule: 'environment-program', reason: 'systemctl/journalctl run SYSTEMD_PAGER' },
  SYSTEMD_EDITOR: { level: 'HIGH', rule: 'environment-override', reason: 'systemctl edit runs SYSTEMD_EDITOR' },
  VISUAL: { level: 'HIGH', rule: 'environment-override', reason: 'programs run the editor command' },
  BROWSER: { level: 'HIGH', rule: 'environment-override', reason: 'programs run the browser command' },
  LESSOPEN: { level: 'CRITICAL', rule: 'environment-program', reason: 'less runs LESSOPEN on every file' },
  LESSCLOSE: { level: 'CRITICAL', rule: 'environment-program', reason: 'less runs LESSCLOSE' },
  KUBECTL_EXTERNAL_DIFF: { level: 'CRITICAL', rule: 'environment-program', reason: 'kubectl diff runs it' },
  NODE_OPTIONS: { level: 'CRITICAL', rule: 'environment-program', reason: 'node loads --require modules from it' },
  PERL5OPT: { level: 'CRITICAL', rule: 'environment-program', reason: 'perl loads -M modules from it' },
  RUBYOPT: { level: 'CRITICAL', rule: 'environment-program', reason: 'ruby loads -r libraries from it' },
  LD_AUDIT: { level: 'CRITICAL', rule: 'library-injection', reason: 'LD_AUDIT loads code into every program' },
  GCONV_PATH: { level: 'CRITICAL', rule: 'library-injection', reason: 'iconv loads modules from GCONV_PATH' },
  // Settings files that can name programs to run.
  KUBECONFIG: { level: 'HIGH', rule: 'environment-config', reason: 'kubectl loads KUBECONFIG (exec plugins)' },
  RIPGREP_CONFIG_PATH: { level: 'HIGH', rule: 'environment-config', reason: 'rg loads options (--pre) from it' },
  GIT_CONFIG_GLOBAL: { level: 'HIGH', rule: 'environment-config', reason: 'git loads this config file' },
  GIT_CONFIG_SYSTEM: { level: 'HIGH', rule: 'environment-config', reason: 'git loads this config file' },
  GIT_DIR: { level: 'HIGH', rule: 'environment-config', reason: 'git loads the config of that repository' },
  LESSKEY: { level: 'HIGH', rule: 'environment-config', reason: 'less loads key bindings from it' },
  PYTHONPATH: { level: 'HIGH', rule: 'environment-config', reason: 'python imports modules from it' },
  PERL5LIB: { level: 'HIGH', rule: 'environment-config', reason: 'perl loads modules from it' },
  // A config file of the command's choosing, like `curl -K file` or `wget -e`: it can upload, write or run programs.
  CURL_HOME: { level: 'HIGH', rule: 'environment-config', reason: 'curl loads .curlrc (upload-file, output) from it' },
  WGETRC: { level: 'HIGH', rule: 'environment-config', reason: 'wget loads its startup commands from it' },
  XDG_CONFIG_HOME: {
    level: 'HIGH',
    rule: 'environment-config',
    reason: 'git, curl and others load their config (core.pager...) from it',
  },
  HOME: {
    level: 'HIGH',
    rule: 'environment-config',
    reason: 'programs load their dotfiles from it (~/.gitconfig core.pager, ~/.curlrc, ~/.ssh/config)',
  },
};

/** Families named by prefix: git's numbered config (`GIT_CONFIG_KEY_0=core.pager`) and npm's (`npm_config_script_shell`). */
const DANGEROUS_PREFIXES: Array<[RegExp, Finding]> = [
  [
    /^GIT_CONFIG_(KEY|VALUE)_\d+$/,
    { level: 'CRITICAL', rule: 'git-command-injection', reason: 'sets git configuration' },
  ],
  [/^npm_config_/i, { level: 'HIGH', rule: 'environment-config', reason: 'sets npm configuration (script-shell...)' }],
];

/** The finding for assigning (or unsetting) a variable, or undefined when the name is harmless. */
export function variableFinding(name: string): Finding | undefined {
  if (Object.hasOwn(DANGEROUS_VARIABLES, name)) return DANGEROUS_VARIABLES[name];
  return DANGEROUS_PREFIXES.find(([pattern]) => pattern.test(name))?.[1];
}

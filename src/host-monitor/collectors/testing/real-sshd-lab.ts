import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A real OpenSSH sshd with a real rsyslogd, each lab in network namespaces of its own: sshd listens on
 * 10.201.<n>.1 (and fd00:201:<n>::1) in `<name>-srv`; attackers connect from `<name>-atk`, which holds many addresses
 * on its side of a veth pair, so each attack's TCP peer address is one the test chose. sshd and rsyslogd run in a
 * private mount namespace with a tmpfs on /dev (the real device nodes bound back), so sshd's syslog(3) reaches this
 * rsyslogd's /dev/log and nothing of the host's. rsyslogd writes what Debian's rsyslog.conf writes to auth.log: the
 * RFC 3339 file format (Debian 12) and the traditional one (Debian 11, Ubuntu), and Ubuntu's repeated-message
 * reduction when asked.
 */
export const SSHD = '/usr/sbin/sshd';
export const RSYSLOGD = '/usr/sbin/rsyslogd';
const TOOLS = [SSHD, RSYSLOGD, '/usr/bin/ssh', '/usr/bin/ssh-keygen', '/usr/bin/logger'];

/** Why the lab cannot run here, or undefined. */
export function labUnavailable(): string | undefined {
  const missing = TOOLS.filter((tool) => !existsSync(tool));
  if (missing.length > 0) return `${missing.join(', ')} absent: apt-get install openssh-server rsyslog`;
  if (process.getuid?.() !== 0) return 'network and mount namespaces need root';
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import paramiko'], { stdio: 'ignore' });
  } catch {
    return 'paramiko absent: apt-get install python3-paramiko';
  }
  try {
    execFileSync('ip', ['netns', 'list'], { stdio: 'ignore' });
  } catch {
    return '`ip netns` is not usable here (iproute2)';
  }
  return undefined;
}

export interface LabOptions {
  /** Namespace name prefix (short: interface names are at most 15 characters). */
  name: string;
  /** 1..250: the lab's subnet 10.201.<subnet>.0/24. */
  subnet: number;
  /** sshd_config lines added to Debian's own (LogLevel, UseDNS, MaxAuthTries...). */
  sshdConfig: string[];
  /** rsyslog's `$RepeatedMsgReduction on` (Ubuntu's rsyslog.conf). */
  repeatedMsgReduction?: boolean;
  /** /etc/hosts lines inside the lab (a PTR record the attacker chose, for UseDNS). */
  hosts?: string[];
  /** The server in place of sshd (dropbear); sshd_config and keys are written all the same. */
  server?: LabServer;
  /** /etc/passwd and /etc/shadow inside the lab (accounts with passwords the test knows). */
  accounts?: { passwd: string[]; shadow: string[] };
}

/** A server run in the lab: its foreground command, last in the lab's shell, and its processes. */
export interface LabServer {
  /** A shell command run with `$dir` set to the lab's directory; it must stay in the foreground. */
  command: string;
  /** The name of its listener and per-connection processes. */
  processName: string;
  /** The listener's pid file in the lab's directory. */
  pidFile: string;
}

const SSHD_SERVER: LabServer = {
  command: `exec ${SSHD} -D -f "$dir/sshd_config"`,
  processName: 'sshd',
  pidFile: 'sshd.pid',
};

/** The non-comment lines of Debian 12's /etc/ssh/sshd_config (openssh-server 1:9.2p1-2+deb12u*). */
const DEBIAN_SSHD_CONFIG = [
  'KbdInteractiveAuthentication no',
  'UsePAM yes',
  'X11Forwarding yes',
  'PrintMotd no',
  'AcceptEnv LANG LC_*',
  'Subsystem sftp /usr/lib/openssh/sftp-server',
];

const SETUP = `set -e
dir=$1
mkdir -p "$dir/olddev"
mount --rbind /dev "$dir/olddev"
mount -t tmpfs -o mode=755 lab-dev /dev
for node in null zero full random urandom tty; do touch "/dev/$node"; mount --bind "$dir/olddev/$node" "/dev/$node"; done
mkdir /dev/pts /dev/shm
mount --rbind "$dir/olddev/pts" /dev/pts
ln -s pts/ptmx /dev/ptmx
mount -t tmpfs -o mode=755 lab-run /run
mkdir -m 755 /run/sshd
for file in hosts passwd shadow; do if [ -f "$dir/$file" ]; then mount --bind "$dir/$file" "/etc/$file"; fi; done
echo $$ > "$dir/namespace.pid"
${RSYSLOGD} -n -f "$dir/rsyslog.conf" -i "$dir/rsyslogd.pid" &
while [ ! -S /dev/log ]; do sleep 0.05; done
eval "$2"
`;

export class SshdLab {
  readonly dir: string;
  readonly server: string;
  readonly serverV6: string;
  private readonly serverNs: string;
  readonly attackerNs: string;
  private process?: ChildProcess;
  private stderr = '';
  private markers = 0;

  private options: LabOptions;

  constructor(options: LabOptions) {
    this.options = { ...options };
    this.dir = mkdtempSync(join(tmpdir(), `${options.name}-`));
    chmodSync(this.dir, 0o755);
    this.server = `10.201.${options.subnet}.1`;
    this.serverV6 = `fd00:201:${options.subnet}::1`;
    this.serverNs = `${options.name}-srv`;
    this.attackerNs = `${options.name}-atk`;
  }

  /** /etc/hosts inside the lab, set before start(). */
  setHosts(lines: string[]) {
    this.options.hosts = lines;
  }

  /** The attacker's n-th address (2..250), IPv4 or IPv6. */
  address(n: number, family: 4 | 6 = 4) {
    return family === 4 ? `10.201.${this.options.subnet}.${n}` : `fd00:201:${this.options.subnet}::${n.toString(16)}`;
  }

  async start() {
    const { name, subnet } = this.options;
    this.stop();
    const ip = (...args: string[]) => execFileSync('ip', args, { stdio: 'pipe' });
    ip('netns', 'add', this.serverNs);
    ip('netns', 'add', this.attackerNs);
    ip(
      'link',
      'add',
      `${name}-s`,
      'netns',
      this.serverNs,
      'type',
      'veth',
      'peer',
      `${name}-a`,
      'netns',
      this.attackerNs,
    );
    const inServer = (...args: string[]) => ip('-n', this.serverNs, ...args);
    const inAttacker = (...args: string[]) => ip('-n', this.attackerNs, ...args);
    inServer('addr', 'add', `${this.server}/24`, 'dev', `${name}-s`);
    inServer('addr', 'add', `${this.serverV6}/64`, 'dev', `${name}-s`, 'nodad');
    for (const link of ['lo', `${name}-s`]) inServer('link', 'set', link, 'up');
    for (let n = 2; n <= 120; n++) {
      inAttacker('addr', 'add', `10.201.${subnet}.${n}/24`, 'dev', `${name}-a`);
      inAttacker('addr', 'add', `${this.address(n, 6)}/64`, 'dev', `${name}-a`, 'nodad');
    }
    for (const link of ['lo', `${name}-a`]) inAttacker('link', 'set', link, 'up');
    this.writeConfig();
    const server = this.options.server ?? SSHD_SERVER;
    const setup = ['unshare', '-m', 'sh', '-c', SETUP, 'lab', this.dir, server.command];
    this.process = spawn('ip', ['netns', 'exec', this.serverNs, ...setup], {
      stdio: ['ignore', 'ignore', 'pipe'],
      detached: true,
    });
    this.process.stderr?.on('data', (chunk) => {
      this.stderr += String(chunk);
    });
    await this.waitFor(() => this.listening(), 'sshd listening');
  }

  private writeConfig() {
    const dir = this.dir;
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'host_ed25519')]);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'client_ed25519')]);
    writeFileSync(join(dir, 'root.keys'), readFileSync(join(dir, 'client_ed25519.pub')));
    // sshd keeps the first value of a keyword: the lab's own lines go first.
    const config = [
      ...this.options.sshdConfig,
      ...DEBIAN_SSHD_CONFIG,
      `ListenAddress ${this.server}`,
      `ListenAddress ${this.serverV6}`,
      `HostKey ${join(dir, 'host_ed25519')}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${join(dir, '%u.keys')}`,
      'StrictModes no',
    ];
    writeFileSync(join(dir, 'sshd_config'), `${config.join('\n')}\n`);
    // Debian 12's rsyslog.conf for auth,authpriv (its file defaults), in our directory: the RFC 3339 format it writes
    // now and the traditional one of Debian 11 and Ubuntu's `$ActionFileDefaultTemplate RSYSLOG_TraditionalFileFormat`.
    const rsyslog = [
      'module(load="imuxsock")',
      `$WorkDirectory ${dir}`,
      ...(this.options.repeatedMsgReduction ? ['$RepeatedMsgReduction on'] : []),
      `auth,authpriv.* ${join(dir, 'auth.log')}`,
      `auth,authpriv.* ${join(dir, 'auth-traditional.log')};RSYSLOG_TraditionalFileFormat`,
    ];
    writeFileSync(join(dir, 'rsyslog.conf'), `${rsyslog.join('\n')}\n`);
    if (this.options.hosts) writeFileSync(join(dir, 'hosts'), `${this.options.hosts.join('\n')}\n`);
    if (this.options.accounts) {
      writeFileSync(join(dir, 'passwd'), `${this.options.accounts.passwd.join('\n')}\n`);
      writeFileSync(join(dir, 'shadow'), `${this.options.accounts.shadow.join('\n')}\n`, { mode: 0o600 });
    }
  }

  private listening() {
    const out = execFileSync('ip', ['netns', 'exec', this.serverNs, 'ss', '-Hltn'], { encoding: 'utf8' });
    return out.includes(`${this.server}:22`);
  }

  private async waitFor(ready: () => boolean, what: string, timeoutMs = 20_000) {
    const until = Date.now() + timeoutMs;
    while (!ready()) {
      if (Date.now() > until || this.process?.exitCode != null)
        throw new Error(`${what}: not reached (${this.stderr.trim() || 'no output'})`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Runs a command in the attacker's network namespace; resolves with its exit code and output. */
  runAttacker(command: string[], env: NodeJS.ProcessEnv = {}, input?: string) {
    return new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = spawn('ip', ['netns', 'exec', this.attackerNs, ...command], {
        env: { ...process.env, ...env },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk) => {
        output += String(chunk);
      });
      child.stderr.on('data', (chunk) => {
        output += String(chunk);
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, output });
      });
      child.stdin.end(input ?? '');
    });
  }

  /** The server's connection processes (the listener's children of its name; rsyslogd is a child too) running. */
  private sessions() {
    const server = this.options.server ?? SSHD_SERVER;
    const listener = readFileSync(join(this.dir, server.pidFile), 'utf8').trim();
    try {
      return execFileSync('pgrep', ['-x', '-P', listener, server.processName], { encoding: 'utf8' }).trim();
    } catch {
      return '';
    }
  }

  /**
   * Waits until sshd has no connection left, then writes a marker through the lab's /dev/log and waits until rsyslogd
   * wrote it: every line sshd sent for the connections before is in the file before the marker.
   */
  async settle(): Promise<string> {
    await this.waitFor(() => this.sessions() === '', 'connections closed', 30_000);
    const marker = `lab-marker-${++this.markers}`;
    const pid = readFileSync(join(this.dir, 'namespace.pid'), 'utf8').trim();
    execFileSync('nsenter', ['-t', pid, '-m', 'logger', '-p', 'auth.info', '-t', 'lab', marker]);
    await this.waitFor(() => this.log('auth.log').includes(marker), `marker ${marker}`);
    await this.waitFor(() => this.log('auth-traditional.log').includes(marker), `marker ${marker}`);
    return marker;
  }

  log(file: 'auth.log' | 'auth-traditional.log') {
    const path = join(this.dir, file);
    return existsSync(path) ? readFileSync(path, 'utf8') : '';
  }

  stop() {
    if (this.process?.pid) {
      try {
        process.kill(-this.process.pid, 'SIGTERM');
      } catch {}
    }
    for (const ns of [this.serverNs, this.attackerNs]) {
      try {
        execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' })
          .split('\n')
          .filter(Boolean)
          .forEach((pid) => {
            try {
              process.kill(Number(pid), 'SIGKILL');
            } catch {}
          });
        execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
      } catch {}
    }
  }

  remove() {
    this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

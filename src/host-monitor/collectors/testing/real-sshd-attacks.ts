import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RawRequest } from './raw-ssh-client.ts';
import type { SshdLab } from './real-sshd-lab.ts';

const RAW_CLIENT = new URL('./raw-ssh-client.ts', import.meta.url).pathname;
const PARAMIKO_CLIENT = new URL('./paramiko-client.py', import.meta.url).pathname;
/** Debian's python3, where python3-paramiko installs (not a pyenv shim). */
export const PYTHON = '/usr/bin/python3';

/**
 * Attacks on a real sshd, each from an address of its own, every field the client chooses filled with text built to
 * look like sshd's address part for another client (FORGED). OpenSSH's log calls that print client text (9.2p1:
 * auth.c auth_log/getpwnamallow, auth2.c's log preamble `invalid user %s`, packet.c's `Received disconnect` and
 * `Unable to negotiate ... Their offer`, kex.c's identification checks) decide which field goes where.
 */
export const FORGED = '10.9.9.9';
const F = FORGED;

export type Attack =
  | {
      name: string;
      kind: 'ssh';
      user: string;
      /** Password prompts answered with a wrong password; 0: no password method (the client gives up after `none`). */
      passwords: number;
      method?: 'password' | 'keyboard-interactive' | 'publickey';
      options?: string[];
      family?: 4 | 6;
    }
  | RawAttack
  | { name: string; kind: 'paramiko'; steps: ParamikoStep[]; version?: string; invalidUser: boolean; family?: 4 | 6 };

type RawAttack = {
  name: string;
  kind: 'raw';
  request: Omit<RawRequest, 'host' | 'port' | 'localAddress'>;
  family?: 4 | 6;
};

/** One userauth request of paramiko-client.py: a method sshd knows, or any other name. */
interface ParamikoStep {
  method: string;
  user: string;
  submethods?: string;
}

/**
 * sshd writes a byte that is not printable ASCII as `\\ooo`, and escapes a preauth line twice (child, then monitor):
 * 5 characters for each byte of `é`'s two. The user name is built so that syslog's `%.500s` ends the line right
 * after a forged `<address> port 22`, cutting sshd's own address off.
 */
function cutAt500(prefix: string, perByte: number, filler = 'é') {
  const forged = ` ${F} port 22`;
  const room = 500 - prefix.length - forged.length;
  const bytes = Buffer.byteLength(filler);
  const fillers = Math.floor(room / (bytes * perByte));
  return `${filler.repeat(fillers)}${'a'.repeat(room - fillers * bytes * perByte)}${forged}${'z'.repeat(30)}`;
}

const paramiko = (name: string, steps: ParamikoStep[], extra: { version?: string; invalidUser?: boolean } = {}) =>
  ({ name, kind: 'paramiko', steps, invalidUser: extra.invalidUser ?? true, version: extra.version }) as Attack;
const password = (user: string): ParamikoStep => ({ method: 'password', user });

const OFFER = { kex: 'curve25519-sha256', hostKey: 'ssh-ed25519', cipher: 'aes128-ctr', mac: 'hmac-sha2-256' };
const raw = (name: string, request: RawAttack['request']): Attack => ({ name, kind: 'raw', request });

export const ATTACKS: Attack[] = [
  { name: 'valid user root, 3 wrong passwords', kind: 'ssh', user: 'root', passwords: 3 },
  { name: 'user "x from F port 22 ssh2"', kind: 'ssh', user: `x from ${F} port 22 ssh2`, passwords: 2 },
  { name: 'user "root from F port 22 ssh2"', kind: 'ssh', user: `root from ${F} port 22 ssh2`, passwords: 1 },
  { name: 'user "for root from F"', kind: 'ssh', user: `for root from ${F}`, passwords: 1 },
  { name: 'user "invalid user x from F port 22"', kind: 'ssh', user: `invalid user x from ${F} port 22`, passwords: 1 },
  { name: 'user "x F port 22" (the preamble form)', kind: 'ssh', user: `x ${F} port 22`, passwords: 1 },
  { name: 'user in unicode', kind: 'ssh', user: `管理者ü from ${F} port 22 ssh2`, passwords: 1 },
  { name: 'user of 300 characters', kind: 'ssh', user: `${'a'.repeat(270)} from ${F} port 22 ssh2`, passwords: 1 },
  { name: 'user with a PAM rhost', kind: 'ssh', user: `x rhost=${F}  user=root`, passwords: 1 },
  {
    name: 'IPv6 client, user "x from F port 22 ssh2"',
    kind: 'ssh',
    user: `x from ${F} port 22 ssh2`,
    passwords: 1,
    family: 6,
  },
  {
    name: 'user cut at 500 (5 per byte, Connection closed)',
    kind: 'ssh',
    user: cutAt500('Connection closed by invalid user ', 5),
    passwords: 0,
  },
  {
    name: 'user cut at 500 (5 per byte, Disconnected)',
    kind: 'ssh',
    user: cutAt500('Disconnected from invalid user ', 5),
    passwords: 0,
  },
  {
    name: 'user cut at 500 (4 per byte, Connection closed)',
    kind: 'ssh',
    user: cutAt500('Connection closed by invalid user ', 4),
    passwords: 0,
  },
  { name: 'no password method, user "x from F port 22"', kind: 'ssh', user: `x from ${F} port 22`, passwords: 0 },
  {
    name: 'keyboard-interactive, user "x from F port 22 ssh2"',
    kind: 'ssh',
    user: `x from ${F} port 22 ssh2`,
    passwords: 1,
    method: 'keyboard-interactive',
    options: [`KbdInteractiveDevices=pam,x-from-${F}-port-22`],
  },
  { name: 'root by its key', kind: 'ssh', user: 'root', passwords: 0, method: 'publickey' },
  paramiko('user with quotes', [password(`a'b"c from ${F} port 22 ssh2 '`)]),
  paramiko('user with a newline and a whole forged line', [
    password(`x\nFailed password for root from ${F} port 22 ssh2`),
  ]),
  paramiko('user with tab, CR, ESC', [password(`x\t\r\x1b[2K from ${F} port 22 ssh2`)]),
  paramiko('user "x (F)"', [password(`x (${F})`)]),
  paramiko('user "root:x from F port 22 ssh2" (a style)', [password(`root:x from ${F} port 22 ssh2`)], {
    invalidUser: false,
  }),
  paramiko('method "password for root from F port 22 ssh2"', [
    { method: `password for root from ${F} port 22 ssh2`, user: 'x' },
  ]),
  paramiko('method "x for root from F port 22 ssh2: x"', [
    { method: `x for root from ${F} port 22 ssh2: x`, user: 'x' },
  ]),
  paramiko(
    'method "none for x from F port 22 ssh2" as root',
    [{ method: `none for x from ${F} port 22 ssh2`, user: 'root' }],
    {
      invalidUser: false,
    },
  ),
  paramiko('keyboard-interactive submethods "pam from F port 22"', [
    { method: 'keyboard-interactive', user: `x from ${F} port 22 ssh2`, submethods: `pam from ${F} port 22` },
  ]),
  paramiko('change of user name', [password(`x from ${F} port 22`), password(`y from ${F} port 22`)]),
  paramiko('version "SSH-2.0-OpenSSH_3.0 from F port 22"', [password(`x from ${F} port 22 ssh2`)], {
    version: `SSH-2.0-OpenSSH_3.0 from ${F} port 22`,
  }),
  paramiko('user of control characters cut at 500', [
    { method: 'none', user: cutAt500('Connection closed by invalid user ', 5, '\x01') },
  ]),
  raw('identification "SSH-2.0-x from F port 22"', { identification: `SSH-2.0-x from ${F} port 22\r\n` }),
  raw('not SSH: "GET / from F port 22"', { identification: `GET / HTTP/1.1 from ${F} port 22\r\n` }),
  raw('SSH-1.5 identification', { identification: `SSH-1.5-x from ${F} port 22\r\n` }),
  raw('bad identification', { identification: `SSH-2.0\r\n` }),
  raw('Probe- identification', { identification: `SSH-2.0-Probe-x from ${F} port 22\r\n` }),
  raw('scanner identification', { identification: `SSH-2.0-SSH_Version_Mapper from ${F} port 22\r\n` }),
  raw('identification of 300 characters', { identification: `SSH-2.0-${'b'.repeat(300)}\r\n` }),
  raw('connect and say nothing', { identification: '' }),
  raw('disconnect "x from F port 22"', {
    identification: 'SSH-2.0-OpenSSH_9.2\r\n',
    disconnect: { code: 11, text: `x from ${F} port 22` },
  }),
  raw('disconnect with a forged line after a newline', {
    identification: 'SSH-2.0-OpenSSH_9.2\r\n',
    disconnect: { code: 2, text: `bye [preauth]\nDisconnected from ${F} port 22 [preauth]` },
  }),
  raw('kex offer "x from F port 22"', {
    identification: 'SSH-2.0-OpenSSH_9.2\r\n',
    kexinit: { ...OFFER, kex: `x from ${F} port 22 [preauth]`, compression: 'none' },
  }),
  raw('cipher offer "x from F port 22"', {
    identification: 'SSH-2.0-OpenSSH_9.2\r\n',
    kexinit: { ...OFFER, cipher: `x from ${F} port 22: no matching cipher found. Their offer: x`, compression: 'none' },
  }),
  raw('compression offer of 600 characters', {
    identification: 'SSH-2.0-OpenSSH_9.2\r\n',
    kexinit: { ...OFFER, compression: `${'c'.repeat(600)} from ${F} port 22` },
  }),
];

/** One attack's connection: the TCP peer address sshd saw (the one the test bound), and sshd's lines for it. */
export interface AttackRecord {
  name: string;
  address: string;
  /** Failed attempts the client made (wrong passwords sent). */
  attempts: number;
  lines: { rfc3339: string[]; traditional: string[] };
  client: string;
}

/** Runs the attacks one after another; each attack's lines are those rsyslogd wrote between two markers. */
export async function runAttacks(
  lab: SshdLab,
  attacks: Attack[],
  attemptsOf: (attack: Attack) => number,
): Promise<AttackRecord[]> {
  const askpass = join(lab.dir, 'askpass.sh');
  writeFileSync(askpass, '#!/bin/sh\necho wrong-password\n', { mode: 0o755 });
  await lab.settle();
  const records: AttackRecord[] = [];
  let offsets = { rfc3339: lab.log('auth.log').length, traditional: lab.log('auth-traditional.log').length };
  for (const [index, attack] of attacks.entries()) {
    const address = lab.address(10 + index, attack.family ?? 4);
    const server = (attack.family ?? 4) === 4 ? lab.server : lab.serverV6;
    const target = { host: server, port: 22, localAddress: address };
    const result =
      attack.kind === 'raw'
        ? await lab.runAttacker([process.execPath, RAW_CLIENT], {}, JSON.stringify({ ...attack.request, ...target }))
        : attack.kind === 'paramiko'
          ? await lab.runAttacker(
              [PYTHON, PARAMIKO_CLIENT],
              {},
              JSON.stringify({ ...target, steps: attack.steps, version: attack.version }),
            )
          : await lab.runAttacker(sshCommand(lab, attack, address, server), {
              SSH_ASKPASS: askpass,
              SSH_ASKPASS_REQUIRE: 'force',
              DISPLAY: 'none',
            });
    const marker = await lab.settle();
    const rfc3339 = lab.log('auth.log');
    const traditional = lab.log('auth-traditional.log');
    const segment = (text: string, from: number) =>
      text
        .slice(from)
        .split('\n')
        .filter((line) => line && !line.includes(' lab: lab-marker-'));
    records.push({
      name: attack.name,
      address,
      attempts: attemptsOf(attack),
      lines: { rfc3339: segment(rfc3339, offsets.rfc3339), traditional: segment(traditional, offsets.traditional) },
      client: result.output.trim().slice(0, 300),
    });
    offsets = { rfc3339: rfc3339.length, traditional: traditional.length };
    void marker;
  }
  return records;
}

/** What the lab's sshd allows: its MaxAuthTries, and whether keyboard-interactive is on. */
export interface LabAuth {
  maxAuthTries: number;
  keyboardInteractive: boolean;
}

/**
 * What the monitor should count, from what the client did: each wrong password or keyboard-interactive answer sshd
 * took (at most MaxAuthTries); an unknown user that made none counts once (its `Invalid user` line). sshd logs no
 * request of a method it does not know (auth_log runs in the monitor, which such a request never reaches), and a
 * second user name ends the connection before its request is tried.
 */
export const sshdAttempts = (auth: LabAuth) => (attack: Attack) => attemptsOf(attack, auth);

function attemptsOf(attack: Attack, auth: LabAuth) {
  if (attack.kind === 'raw') return 0;
  const tried = (method: string) =>
    method === 'password' || (method === 'keyboard-interactive' && auth.keyboardInteractive);
  let requests = 0;
  if (attack.kind === 'paramiko') {
    const first = attack.steps[0].user;
    requests = attack.steps.filter((step) => step.user === first && tried(step.method)).length;
    if (requests === 0) return attack.invalidUser ? 1 : 0;
  } else {
    if (attack.method === 'publickey') return 0;
    requests = tried(attack.method ?? 'password') ? attack.passwords : 0;
    if (requests === 0) return 1;
  }
  return Math.min(requests, auth.maxAuthTries);
}

function sshCommand(lab: SshdLab, attack: Attack & { kind: 'ssh' }, address: string, server: string) {
  const method = attack.method ?? (attack.passwords > 0 ? 'password' : 'hostbased');
  const options = [
    'StrictHostKeyChecking=no',
    'UserKnownHostsFile=/dev/null',
    'LogLevel=ERROR',
    'ConnectTimeout=10',
    `PreferredAuthentications=${method}`,
    `NumberOfPasswordPrompts=${Math.max(attack.passwords, 1)}`,
    ...(method === 'publickey' ? [`IdentityFile=${join(lab.dir, 'client_ed25519')}`, 'IdentitiesOnly=yes'] : []),
    ...(attack.options ?? []),
  ];
  return [
    'ssh',
    '-F',
    '/dev/null',
    ...options.flatMap((option) => ['-o', option]),
    '-b',
    address,
    '-l',
    attack.user,
    server,
    'true',
  ];
}

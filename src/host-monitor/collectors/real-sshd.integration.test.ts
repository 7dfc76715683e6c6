import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { after, test } from 'node:test';
import { ATTACKS, type AttackRecord, runAttacks, sshdAttempts } from './testing/real-sshd-attacks.ts';
import { labUnavailable, SshdLab } from './testing/real-sshd-lab.ts';
import { readAttackLines } from './testing/real-sshd-reading.ts';

/**
 * A real OpenSSH sshd (Debian's openssh-server) and a real rsyslogd, attacked from network namespaces by OpenSSH's
 * own client and a raw TCP client whose every field is text built to look like another client's address. What
 * rsyslogd wrote to auth.log (both Debian formats) is read through the monitor's own path; every event must carry
 * the TCP peer address of its connection. REAL_SSHD_WRITE_FIXTURE=1 saves the lines to __fixtures__/real-sshd/.
 * Needs root, iproute2, `apt-get install openssh-server rsyslog python3-paramiko`; skipped without them.
 */
const unavailable = labUnavailable();
const NOW = Date.now();

const VARIANTS = [
  {
    name: 'debian-defaults',
    sshdConfig: [] as string[],
    auth: { maxAuthTries: 6, keyboardInteractive: false },
    repeatedMsgReduction: false,
    hosts: undefined,
  },
  {
    name: 'verbose-usedns',
    sshdConfig: ['LogLevel VERBOSE', 'UseDNS yes', 'KbdInteractiveAuthentication yes', 'MaxAuthTries 2'],
    auth: { maxAuthTries: 2, keyboardInteractive: true },
    repeatedMsgReduction: true,
    // the attacker's PTR records (UseDNS): one that reads like an address, one that is one
    hosts: (lab: SshdLab) => [
      '127.0.0.1 localhost',
      `${lab.address(10)} 10.9.9.9.attacker.example`,
      `${lab.address(11)} 10.9.9.9`,
    ],
  },
];

const labs: SshdLab[] = [];
after(() => {
  for (const lab of labs) lab.remove();
});

test('a real sshd under attack: no event blames an address the client wrote', { skip: unavailable }, async () => {
  const runs = await Promise.all(
    VARIANTS.map(async (variant, index) => {
      const { sshdConfig, repeatedMsgReduction } = variant;
      const lab = new SshdLab({ name: `rs20${index}`, subnet: 20 + index, sshdConfig, repeatedMsgReduction });
      labs.push(lab);
      if (variant.hosts) lab.setHosts(variant.hosts(lab));
      await lab.start();
      return { variant, records: await runAttacks(lab, ATTACKS, sshdAttempts(variant.auth)) };
    }),
  );
  const version = execFileSync('dpkg-query', ['-W', '-f', '${Package} ${Version}', 'openssh-server'], {
    encoding: 'utf8',
  });
  if (process.env.REAL_SSHD_WRITE_FIXTURE === '1') writeFixtures(runs, version);
  for (const { variant, records } of runs) {
    for (const format of ['rfc3339', 'traditional'] as const) {
      const reading = readAttackLines(records, format, NOW);
      process.stdout.write(`# ${variant.name} ${format}: ${JSON.stringify(reading)}\n`);
      assert.ok(reading.lines > 50, `${variant.name}: sshd wrote lines`);
      assert.deepEqual(reading.wrongAddress, [], `${variant.name} ${format}`);
      assert.deepEqual(reading.miscounted, [], `${variant.name} ${format}`);
    }
  }
});

function writeFixtures(runs: Array<{ variant: (typeof VARIANTS)[number]; records: AttackRecord[] }>, version: string) {
  const dir = new URL('../__fixtures__/real-sshd/', import.meta.url);
  mkdirSync(dir, { recursive: true });
  for (const { variant, records } of runs) {
    const { sshdConfig, auth, repeatedMsgReduction } = variant;
    const fixture = { sshd: version, sshdConfig, auth, repeatedMsgReduction, records };
    writeFileSync(new URL(`${variant.name}.json`, dir), `${JSON.stringify(fixture, null, 1)}\n`);
  }
}

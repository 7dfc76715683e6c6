import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { after, test } from 'node:test';
import {
  ACCOUNTS,
  DROPBEAR,
  DROPBEAR_ATTACKS,
  DROPBEARKEY,
  dropbearAttempts,
  dropbearServer,
} from './testing/real-dropbear-attacks.ts';
import { type AttackRecord, runAttacks } from './testing/real-sshd-attacks.ts';
import { labUnavailable, SshdLab } from './testing/real-sshd-lab.ts';
import { readAttackLines } from './testing/real-sshd-reading.ts';

/**
 * A real dropbear (Debian's dropbear-bin) in the real-sshd lab (its namespaces, rsyslogd and clients), attacked with
 * every client field built to look like dropbear's address part for another client. What rsyslogd wrote is read
 * through the monitor's own path; every event must carry its connection's TCP peer address, every attempt count.
 * REAL_DROPBEAR_WRITE_FIXTURE=1 saves the lines to __fixtures__/real-dropbear/. Needs what the sshd lab needs
 * (root, iproute2, openssh-server, rsyslog, python3-paramiko) and `apt-get install dropbear-bin`; skipped without.
 */
const missing = [DROPBEAR, DROPBEARKEY].filter((tool) => !existsSync(tool));
const unavailable =
  missing.length > 0 ? `${missing.join(', ')} absent: apt-get install dropbear-bin` : labUnavailable();
const NOW = Date.now();

const VARIANTS = [
  {
    name: 'syslog-defaults',
    flags: [] as string[],
    auth: { maxAuthTries: 10, rootRefused: false },
    stderr: false,
    repeatedMsgReduction: false,
  },
  {
    name: 'stderr-no-root-max-tries-2',
    flags: ['-w', '-T', '2'],
    auth: { maxAuthTries: 2, rootRefused: true },
    stderr: true,
    repeatedMsgReduction: true,
  },
];

const labs: SshdLab[] = [];
after(() => {
  for (const lab of labs) lab.remove();
});

test('a real dropbear under attack: no event blames an address the client wrote', { skip: unavailable }, async () => {
  const runs = await Promise.all(
    VARIANTS.map(async (variant, index) => {
      const address = { server: `10.201.${30 + index}.1`, serverV6: `fd00:201:${30 + index}::1` };
      const server = dropbearServer(address, variant.flags, variant.stderr);
      const lab = new SshdLab({
        name: `rd20${index}`,
        subnet: 30 + index,
        sshdConfig: [],
        repeatedMsgReduction: variant.repeatedMsgReduction,
        server,
        accounts: ACCOUNTS,
      });
      labs.push(lab);
      await lab.start();
      return { variant, records: await runAttacks(lab, DROPBEAR_ATTACKS, dropbearAttempts(variant.auth)) };
    }),
  );
  const version = execFileSync('dpkg-query', ['-W', '-f', '${Package} ${Version}', 'dropbear-bin'], {
    encoding: 'utf8',
  });
  if (process.env.REAL_DROPBEAR_WRITE_FIXTURE === '1') writeFixtures(runs, version);
  const readings = runs.flatMap(({ variant, records }) =>
    (['rfc3339', 'traditional'] as const).map((format) => {
      const reading = readAttackLines(records, format, NOW);
      process.stdout.write(`# ${variant.name} ${format}: ${JSON.stringify(reading)}\n`);
      return { label: `${variant.name} ${format}`, reading };
    }),
  );
  for (const { label, reading } of readings) {
    assert.ok(reading.lines > 50, `${label}: dropbear wrote lines`);
    assert.deepEqual(reading.wrongAddress, [], label);
    assert.deepEqual(reading.miscounted, [], label);
  }
});

function writeFixtures(runs: Array<{ variant: (typeof VARIANTS)[number]; records: AttackRecord[] }>, version: string) {
  const dir = new URL('../__fixtures__/real-dropbear/', import.meta.url);
  mkdirSync(dir, { recursive: true });
  for (const { variant, records } of runs) {
    const { flags, auth, stderr, repeatedMsgReduction } = variant;
    const fixture = { dropbear: version, flags, auth, stderr, repeatedMsgReduction, records };
    writeFileSync(new URL(`${variant.name}.json`, dir), `${JSON.stringify(fixture, null, 1)}\n`);
  }
}

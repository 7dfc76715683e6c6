import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { AttackRecord } from './testing/real-sshd-attacks.ts';
import { readAttackLines } from './testing/real-sshd-reading.ts';

/**
 * What a real dropbear (Debian 12's 2022.83) and rsyslogd wrote to auth.log under attack, saved by
 * real-dropbear.integration.test.ts (__fixtures__/real-dropbear/README.md): the same checks where dropbear is
 * absent. Each attack's TCP peer address is known; no event may carry another, and each attempt the log shows
 * counts for its address.
 */
const NOW = Date.parse('2026-12-31T12:00:00Z');

function fixture(name: string) {
  const url = new URL(`../__fixtures__/real-dropbear/${name}.json`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as { dropbear: string; records: AttackRecord[] };
}

for (const name of ['syslog-defaults', 'stderr-no-root-max-tries-2']) {
  test(`real dropbear lines (${name}): every event carries its connection's address, every attempt counts`, () => {
    const { records } = fixture(name);
    for (const format of ['rfc3339', 'traditional'] as const) {
      const reading = readAttackLines(records, format, NOW);
      assert.deepEqual(reading.wrongAddress, [], format);
      assert.deepEqual(reading.miscounted, [], format);
      assert.equal(reading.counted, reading.attempts);
    }
  });
}

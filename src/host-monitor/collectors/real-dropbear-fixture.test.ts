import { test } from 'node:test';
import { assertEveryAttemptRight, savedRecords } from './testing/real-sshd-reading.ts';

/**
 * What a real dropbear (Debian 12's 2022.83) and rsyslogd wrote to auth.log under attack, saved by
 * real-dropbear.integration.test.ts (__fixtures__/real-dropbear/README.md): the same checks where dropbear is
 * absent. Each attack's TCP peer address is known; no event may carry another, and each attempt the log shows
 * counts for its address.
 */
const NOW = Date.parse('2026-12-31T12:00:00Z');

for (const name of ['syslog-defaults', 'stderr-no-root-max-tries-2']) {
  test(`real dropbear lines (${name}): every event carries its connection's address, every attempt counts`, () => {
    assertEveryAttemptRight(savedRecords('real-dropbear', name), NOW);
  });
}

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAuthEvents } from './auth-event-parser.ts';
import { parseSyslogLine } from './syslog-line-parser.ts';
import { assertEveryAttemptRight, savedRecords } from './testing/real-sshd-reading.ts';

/**
 * What a real sshd (Debian 12's OpenSSH 9.2p1) and rsyslogd wrote to auth.log under attack, saved by
 * real-sshd.integration.test.ts (__fixtures__/real-sshd/README.md): the same checks where sshd is absent. Each
 * attack's TCP peer address is known; no event may carry another, and each failed attempt counts for its address.
 */
const NOW = Date.parse('2026-12-31T12:00:00Z');

for (const name of ['debian-defaults', 'verbose-usedns']) {
  test(`real sshd lines (${name}): every event carries its connection's address, every attempt counts`, () => {
    assertEveryAttemptRight(savedRecords('real-sshd', name), NOW);
  });
}

test("a line sshd cut at 500 characters gives only an address that comes before the client's text", () => {
  const records = savedRecords('real-sshd', 'debian-defaults');
  const linesOf = (name: string) => records.find((record) => record.name === name)?.lines.traditional ?? [];
  const eventsOf = (lines: string[]) =>
    lines.flatMap((line) => {
      const record = parseSyslogLine(line, NOW);
      return record ? parseAuthEvents(record) : [];
    });
  // `Connection closed by invalid user <name> 10.9.9.9 port 22`: sshd's address and `[preauth]` cut off
  const forged = linesOf('user cut at 500 (5 per byte, Connection closed)');
  const cut = forged.find((line) => line.endsWith(' 10.9.9.9 port 22'));
  assert.ok(cut, 'sshd wrote the cut line');
  assert.deepEqual(eventsOf([cut]), []);
  // the same connection's `Invalid user` line (sshd's %.100s keeps it short) still counts it
  assert.deepEqual(
    eventsOf(forged).map((event) => [event.type, event.sourceIp]),
    [['invalid_user', records.find((record) => record.name.startsWith('user cut at 500 (5'))?.address]],
  );
  // `Unable to negotiate with <address> port N: ... Their offer: <600 characters>`, cut in the offer: still read
  const offer = linesOf('compression offer of 600 characters');
  const address = records.find((record) => record.name === 'compression offer of 600 characters')?.address;
  assert.deepEqual(
    eventsOf(offer).map((event) => [event.type, event.sourceIp]),
    [['negotiation_failed', address]],
  );
});

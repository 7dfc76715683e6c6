import assert from 'node:assert/strict';
import { isIP } from 'node:net';
import { test } from 'node:test';
import type { SyslogRecord } from '../observations.ts';
import { parseJournalJson } from './journald-reader.ts';
import { parseSyslogLine } from './syslog-line-parser.ts';
import { failJsonCorpus as corpus, CORPUS_NOW as NOW } from './testing/fail2ban-fail-json.ts';
import { compareCorpus, type Reading, tally } from './testing/upstream-sshd-corpus.ts';

/**
 * fail2ban's own sshd test corpus (`fail2ban/tests/files/logs/sshd`, `sshd-journal` and `dropbear` at deffcbcd,
 * copied unchanged into __fixtures__/fail2ban/): each line follows a `# failJSON:` comment saying whether fail2ban's
 * filter (config/filter.d/sshd.conf, any of its modes) counts it as a failure, and of which host.
 */
/** fail2ban's journal corpus is `host program[pid]: message`, as its journal backend prints an entry. */
function journalRecord(text: string, index: number): SyslogRecord | undefined {
  const match = /^(\S+) ([^\s[]+)\[(\d+)\]: (.*)$/.exec(text);
  if (!match) return undefined;
  const entry = {
    __CURSOR: `c${index}`,
    __REALTIME_TIMESTAMP: String(NOW * 1000),
    _HOSTNAME: match[1],
    SYSLOG_IDENTIFIER: match[2],
    _PID: match[3],
    _UID: '0',
    _TRANSPORT: 'syslog',
    MESSAGE: match[4],
  };
  return parseJournalJson(JSON.stringify(entry)).records[0];
}

/**
 * Why a line fail2ban counts gives no address here, or undefined when it should give one. Not read by design: a host
 * name (UseDNS; the client's PTR record chooses it) or `192.030.0.6` (not an address); a line without an address
 * (fail2ban ties it to an earlier line of the same pid; here that connection's `Failed` lines were counted); a line
 * that reads two ways; an sshd line with the kernel's printk time in front (not sshd's text).
 */
function whyMissed({ line }: Reading): string | undefined {
  const text = line.label.slice(line.label.indexOf(': ') + 2);
  if (line.failureOf === undefined) return undefined;
  if (!isIP(line.failureOf)) return 'a host name, not an address';
  if (!text.includes(line.failureOf)) return 'no address in the line';
  if (/ port \d+ ssh[12]: .*from \S+(?: port \d+ ssh2)?$/.test(text)) return 'reads two ways: nobody is blamed';
  if (/ sshd\[\d+\]: kernel: ?\[ *\d+\.\d+\]:? /.test(text)) return "the kernel's time before sshd's text";
  return undefined;
}

const describe = (reading: Reading) =>
  `${reading.line.label}\n    -> ${reading.event ? `${reading.event.type} ${reading.event.sourceIp}` : 'nothing'}`;

const sshd = corpus('sshd', (text) => parseSyslogLine(text, NOW));
const journal = corpus('sshd-journal', journalRecord);
const dropbear = corpus('dropbear', (text) => parseSyslogLine(text, NOW));

for (const [name, lines] of [
  ['sshd', sshd],
  ['sshd-journal', journal],
  ['dropbear', dropbear],
] as const) {
  test(`fail2ban's ${name} corpus: no line blames an address fail2ban does not`, (t) => {
    const readings = compareCorpus(lines);
    t.diagnostic(JSON.stringify(tally(readings)));
    for (const reading of readings)
      if (reading.verdict === 'missed' || reading.verdict === 'deferred')
        t.diagnostic(`${reading.verdict} (${whyMissed(reading) ?? 'counted on a later line'}): ${describe(reading)}`);
    assert.deepEqual(readings.filter((reading) => reading.verdict === 'wrong').map(describe), []);
    assert.deepEqual(
      readings.filter((reading) => reading.verdict === 'missed' && !whyMissed(reading)).map(describe),
      [],
      'every line fail2ban counts with an address in its text gives that address',
    );
    const counts = tally(readings);
    assert.ok(counts.failure + counts['pre-auth'] > counts.missed, 'most of the corpus is read');
  });
}

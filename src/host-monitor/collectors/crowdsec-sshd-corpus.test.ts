import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parseSyslogLine } from './syslog-line-parser.ts';
import { type CorpusLine, compareCorpus, type Reading, tally } from './testing/upstream-sshd-corpus.ts';

/**
 * CrowdSec's own tests of its sshd parser (crowdsecurity/hub `.tests/<test>/` at b03cb59b, in __fixtures__/crowdsec/):
 * a log and the parser's expected result for each line, `Success` and, when it succeeds, `source_ip` and `log_type`
 * (`ssh_failed-auth`, `ssh_bad_keyexchange`, `ssh_refused_conn`...: each an attempt or a probe of that address).
 */
const NOW = Date.parse('2025-12-31T12:00:00Z');
const ROOT = new URL('../__fixtures__/crowdsec/', import.meta.url);
const PARSER = '["crowdsecurity/sshd-logs"]';

function crowdsecTest(name: string): CorpusLine[] {
  const files = readdirSync(new URL(`${name}/`, ROOT));
  const logName = files.find((file) => file.endsWith('.log'));
  assert.ok(logName, `${name} has a log`);
  const log = readFileSync(new URL(`${name}/${logName}`, ROOT), 'utf8').split('\n');
  if (log.at(-1) === '') log.pop();
  const asserts = readFileSync(new URL(`${name}/parser.assert`, ROOT), 'utf8').split('\n');
  // The sshd parser sees the lines the syslog parser read, in order: all of them in these tests.
  const raw = asserts.filter((line) => /^results\["s00-raw"\].*\]\.Success == true$/.test(line));
  assert.equal(raw.length, log.length, `${name}: every line reached the sshd parser`);
  const expected = (index: number, what: string) => {
    const prefix = `results["s01-parse"]${PARSER}[${index}].${what} == `;
    const found = asserts.find((line) => line.startsWith(prefix));
    return found === undefined ? undefined : JSON.parse(found.slice(prefix.length));
  };
  return log.map((text, index) => {
    const success = expected(index, 'Success');
    assert.equal(typeof success, 'boolean', `${name}:${index + 1} has an expected result`);
    const record = parseSyslogLine(text, NOW);
    return {
      label: `${name}:${index + 1}: ${text}`,
      record,
      failureOf: success ? expected(index, 'Evt.Meta["source_ip"]') : undefined,
      connection: record?.pid !== undefined ? `${name}|${record.program}[${record.pid}]` : `${name}:${index + 1}`,
    };
  });
}

const describe = (reading: Reading) =>
  `${reading.line.label}\n    -> ${reading.event ? `${reading.event.type} ${reading.event.sourceIp}` : 'nothing'}`;

const tests = readdirSync(ROOT).sort();

test("CrowdSec's sshd parser tests: every address CrowdSec reads is ours, and no line blames another", (t) => {
  assert.ok(tests.length >= 6, 'the CrowdSec tests are there');
  const readings = compareCorpus(tests.flatMap(crowdsecTest));
  t.diagnostic(JSON.stringify(tally(readings)));
  for (const reading of readings)
    if (reading.verdict !== 'failure' && reading.verdict !== 'no failure')
      t.diagnostic(`${reading.verdict}: ${describe(reading)}`);
  assert.deepEqual(
    readings.filter((reading) => reading.verdict === 'wrong' || reading.verdict === 'missed').map(describe),
    [],
  );
});

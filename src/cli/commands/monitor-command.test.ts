import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CycleReport } from '../../host-monitor/monitor.ts';
import { emptyObservations } from '../../host-monitor/observations.ts';
import { formatReport } from './monitor-command.ts';

test('monitor --once prints log-derived and model text with its control characters made visible', () => {
  const at = Date.parse('2026-11-22T05:00:00Z');
  const observations = emptyObservations(at);
  observations.collectors.push({ name: 'syslog', status: 'ok', detail: 'read 1 line\u001b[2J' } as never);
  // A local user names a process with a terminal escape and gets it OOM-killed: the kernel logs the name as is.
  const report: CycleReport = {
    at: new Date(at).toISOString(),
    observations,
    metrics: [],
    findings: [
      {
        key: 'oom-kill:x',
        rule: 'oom-kill',
        subject: 'x',
        collector: 'syslog',
        severity: 'medium',
        title: 'Kernel OOM killer stopped \u001b]0;owned\u0007evil\rfake',
        detail: '',
        ruleSeverity: 'medium',
        finalSeverity: 'medium',
        triage: { reason: 'fine\n  [low] all clear \u009b31m' } as never,
      },
    ],
    alerts: [],
    llm: { calls: 0, skipped: [] },
  };
  const text = formatReport(report);
  assert.doesNotMatch(text, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/, 'no raw control character but newlines');
  assert.match(text, /Kernel OOM killer stopped \\x1b\]0;owned\\x07evil\\x0dfake/);
  assert.match(text, /model: fine\\x0a {2}\[low\] all clear \\x9b31m/, 'a newline cannot fake a line of the report');
  assert.match(text, /read 1 line\\x1b\[2J/);
});

test('table cells show bidi overrides instead of letting them reorder the text', async () => {
  const { safeCell } = await import('../output.ts');
  assert.equal(safeCell('invoice\u202Egpj.exe'), 'invoice\\u{202e}gpj.exe');
});

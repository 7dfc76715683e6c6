import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { type MonitorSettings, monitorSection } from '../config/sections/monitor.ts';
import { openDatabase } from '../store/database.ts';
import { type Baseline, deviationScore, median, medianAbsoluteDeviation, metricKind } from './baseline.ts';
import { finding } from './findings.ts';
import { inWindow, localTime } from './local-time.ts';
import { dedupeAttempts } from './login-attempts.ts';
import { globMatches, loadMonitorContext, matchingKnownIssue } from './monitor-context.ts';
import { MonitorStore } from './monitor-store.ts';
import { type AuthEvent, emptyObservations } from './observations.ts';
import { evaluateRules } from './rules.ts';
import { applyConstraints, boundSeverity, TRIAGE_BOUNDS } from './triage.ts';

const directory = mkdtempSync(join(tmpdir(), 'monitor-rules-'));
after(() => rmSync(directory, { recursive: true, force: true }));
const settings = (input: Record<string, unknown> = {}) => monitorSection.parse(input) as MonitorSettings;
const NOW = Date.parse('2026-02-10T12:00:00Z');

test('median, MAD and the robust score; flat history uses the floor', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 2, 3]), 2.5);
  assert.equal(medianAbsoluteDeviation([1, 2, 3, 4, 100]), 1);
  const flat: Baseline = { metric: 'temperature.cpu', count: 20, median: 45, mad: 0, scope: 'overall', warm: true };
  const kind = metricKind('temperature.cpu')!;
  assert.ok(deviationScore(45.5, flat, kind) < 1, 'half a degree is noise');
  assert.ok(deviationScore(70, flat, kind) > 8);
  assert.ok(deviationScore(20, flat, kind) < 0, 'colder is not worse');
  assert.equal(metricKind('nmap.open_ports'), undefined);
});

test('TRIAGE_BOUNDS: one step either way, locked findings never lowered', () => {
  assert.deepEqual(TRIAGE_BOUNDS, { maxStepsUp: 1, maxStepsDown: 1, lockedMayBeLowered: false });
  assert.deepEqual(boundSeverity('medium', 'none', false), { final: 'low', bounded: true });
  assert.deepEqual(boundSeverity('medium', 'low', false), { final: 'low', bounded: false });
  assert.deepEqual(boundSeverity('high', 'medium', true), { final: 'high', bounded: true });
  assert.deepEqual(boundSeverity('medium', 'high', true), { final: 'high', bounded: false });
});

test('constraints: max-/min-severity directives apply to the rule verdict; known issues match by rule, subject, hours, expiry', () => {
  const constraintsPath = join(directory, 'CONSTRAINTS.md');
  writeFileSync(
    constraintsPath,
    '# Constraints\nThe NAS is allowed to run hot during scrubs.\n- max-severity: high-latency * low\n- min-severity: new-host * medium\n',
  );
  const issuesPath = join(directory, 'known_issues.json');
  writeFileSync(
    issuesPath,
    JSON.stringify([
      {
        id: 'backup-heat',
        description: 'CPU hot during the nightly backup',
        match: { rule: 'temperature', subject: 'cpu' },
        hours: '01:00-03:00',
      },
      { issue: 'Ping to the ISP gateway drops at night', resolution: 'ISP maintenance' },
      { id: 'old', description: 'expired', match: { rule: '*' }, expires: '2020-01-01' },
      { match: { rule: 'x' } },
    ]),
  );
  const context = loadMonitorContext(issuesPath, constraintsPath);
  assert.equal(context.knownIssues.length, 3);
  assert.match(context.problems[0], /known_issues.*\[3\].*skipped/);
  assert.equal(context.severityConstraints.length, 2);
  assert.match(context.constraintsText, /run hot during scrubs/);
  const latency = finding('high-latency', '8.8.8.8', 'ping', 'medium', 't', 'd');
  assert.equal(applyConstraints(latency, context.severityConstraints).severity, 'low');
  assert.equal(
    applyConstraints(finding('new-host', '10.0.0.9', 'nmap', 'low', 't', 'd'), context.severityConstraints).severity,
    'medium',
  );
  const hot = finding('temperature', 'cpu', 'temperatures', 'high', 't', 'd');
  assert.equal(
    matchingKnownIssue(hot, context.knownIssues, Date.parse('2026-02-10T02:00:00Z'), 'UTC')?.id,
    'backup-heat',
  );
  assert.equal(matchingKnownIssue(hot, context.knownIssues, Date.parse('2026-02-10T12:00:00Z'), 'UTC'), undefined);
  assert.ok(globMatches('container-*', 'container-oom'));
  assert.ok(!globMatches('container-*', 'process-down'));
  const missing = loadMonitorContext(join(directory, 'absent.json'));
  assert.match(missing.problems[0], /monitor\.known_issues: cannot read/);
});

test('login bursts per IP over the window, and a success after failures is locked high', () => {
  const store = new MonitorStore(openDatabase(join(directory, 'login.db')));
  const observations = emptyObservations(NOW);
  observations.collectors.push({ name: 'auth', status: 'ok' });
  const attempt = (ip: string, user: string, port: number): AuthEvent => ({
    program: 'sshd',
    type: 'failed_password',
    user,
    sourceIp: ip,
    port,
  });
  const events: AuthEvent[] = [];
  for (let index = 0; index < 22; index++)
    events.push(attempt('203.0.113.5', index % 2 ? 'root' : 'admin', 40000 + index));
  for (let index = 0; index < 6; index++) events.push(attempt('198.51.100.7', 'git', 50000 + index));
  events.push({
    program: 'sshd',
    type: 'accepted',
    user: 'git',
    sourceIp: '198.51.100.7',
    port: 50100,
    method: 'password',
  });
  // An old failure outside the 10-minute window does not count.
  store.addAuthEvent(NOW - 3600_000, attempt('192.0.2.1', 'root', 1));
  for (const event of events) store.addAuthEvent(NOW - 60_000, event);
  observations.authEvents = events;
  const findings = evaluateRules(observations, settings(), store);
  const summary = findings.map((item) => [item.key, item.severity, Boolean(item.locked)]);
  assert.deepEqual(summary, [
    ['login-burst:203.0.113.5', 'high', false],
    ['login-burst:198.51.100.7', 'medium', false],
    ['login-after-failures:198.51.100.7:git', 'high', true],
  ]);
  store.db.close();
});

test('one failed attempt logged three ways by sshd counts once', () => {
  const events: AuthEvent[] = [
    { program: 'sshd', type: 'invalid_user', user: 'admin', sourceIp: '203.0.113.5', port: 52122 },
    { program: 'sshd', type: 'pam_auth_failure', method: 'sshd', sourceIp: '203.0.113.5' },
    { program: 'sshd', type: 'failed_password', user: 'admin', sourceIp: '203.0.113.5', port: 52122 },
    { program: 'sudo', type: 'pam_auth_failure', method: 'sudo', user: 'pi' },
  ];
  assert.deepEqual(
    dedupeAttempts(events).map((event) => event.type),
    ['failed_password', 'pam_auth_failure'],
  );
});

test('containers, processes, nmap changes and temperatures give the expected severities', () => {
  const store = new MonitorStore(openDatabase(join(directory, 'state.db')));
  const observations = emptyObservations(NOW);
  observations.collectors.push({ name: 'docker', status: 'ok' }, { name: 'nmap', status: 'ok' });
  const container = {
    id: 'x',
    image: 'i',
    running: true,
    restarting: false,
    restartCount: 0,
    oomKilled: false,
    exitCode: 0,
    exists: true,
    state: 'running',
  };
  store.setState('docker.restart_counts', { web: 2 });
  observations.containers = [
    { ...container, name: 'web', restartCount: 3 },
    { ...container, name: 'db', health: 'unhealthy', failingStreak: 5 },
    { ...container, name: 'worker', oomKilled: true, running: false, state: 'exited', exitCode: 137 },
    { ...container, name: 'cache', exists: false, running: false, state: 'missing' },
    { ...container, name: 'oneshot', running: false, state: 'exited', exitCode: 0 },
  ];
  observations.processes = [
    { name: 'sshd', running: true, pids: [1] },
    { name: 'nginx', running: false, pids: [] },
  ];
  const port = { protocol: 'tcp', port: 2375, state: 'open', service: 'docker' };
  observations.nmapChanges = [
    { target: '10.0.0.0/24', host: '10.0.0.2', change: 'port-opened', port },
    { target: '10.0.0.0/24', host: '10.0.0.3', change: 'port-opened', port },
    { target: '10.0.0.0/24', host: '10.0.0.9', change: 'host-appeared' },
    { target: '10.0.0.0/24', host: '10.0.0.2', change: 'mac-changed', previousMac: '02:42:AC:1C:01:03', mac: 'AA:BB' },
    { target: '10.0.0.0/24', host: '10.0.0.4', change: 'mac-changed', previousMac: '02:42:AC:1C:01:03', mac: 'AA:BB' },
  ];
  observations.temperatures = [
    { sensor: 'coretemp/Core 0', kind: 'cpu', celsius: 83, source: 'hwmon' },
    { sensor: 'coretemp/Core 1', kind: 'cpu', celsius: 86, source: 'hwmon' },
    { sensor: 'nvidia0/T4', kind: 'gpu', celsius: 92, source: 'nvidia-smi' },
    { sensor: 'nvme/Composite', kind: 'other', celsius: 99, source: 'hwmon' },
  ];
  const findings = evaluateRules(observations, settings({ critical_hosts: ['10.0.0.2'] }), store);
  const summary = Object.fromEntries(
    findings.map((item) => [item.key, `${item.severity}${item.locked ? ' locked' : ''}`]),
  );
  assert.deepEqual(summary, {
    'temperature:cpu': 'medium',
    'temperature:nvidia0/T4': 'high',
    'new-open-port:10.0.0.2:2375/tcp': 'high locked',
    'new-open-port:10.0.0.3:2375/tcp': 'medium',
    'new-host:10.0.0.9': 'low',
    'mac-changed:10.0.0.2:AA:BB': 'high locked',
    'mac-changed:10.0.0.4:AA:BB': 'medium',
    'process-down:nginx': 'high locked',
    'container-restarting:web': 'medium',
    'container-unhealthy:db': 'high',
    'container-oom:worker': 'high locked',
    'container-down:worker': 'low',
    'container-missing:cache': 'high',
  });
  assert.match(findings[0].title, /86 °C/, 'the hottest core speaks for the CPU');
  assert.deepEqual(store.getState('docker.restart_counts'), { web: 3, db: 0, worker: 0, cache: 0, oneshot: 0 });
  store.db.close();
});

test("a GPU's junction sensor is judged by its own critical limit; its edge sensor by the GPU thresholds", () => {
  const store = new MonitorStore(openDatabase(join(directory, 'hotspot.db')));
  const observations = emptyObservations(NOW);
  // amdgpu under load (sensors -j): edge 78, junction 96 (temp2_crit 110), memory 92 (temp3_crit 105); a second
  // card's junction at its limit, and a junction with no published limit
  observations.temperatures = [
    { sensor: 'amdgpu-pci-0300/edge', kind: 'gpu', celsius: 78, source: 'sensors', critical: 100 },
    { sensor: 'amdgpu-pci-0300/junction', kind: 'gpu', celsius: 96, source: 'sensors', critical: 110 },
    { sensor: 'amdgpu-pci-0300/mem', kind: 'gpu', celsius: 92, source: 'sensors', critical: 105 },
    { sensor: 'amdgpu-pci-0400/junction', kind: 'gpu', celsius: 110, source: 'sensors', critical: 110 },
    { sensor: 'amdgpu-pci-0500/junction', kind: 'gpu', celsius: 93, source: 'sensors' },
  ];
  const summary = Object.fromEntries(
    evaluateRules(observations, settings({}), store).map((item) => [item.key, item.severity]),
  );
  assert.deepEqual(summary, {
    'temperature:amdgpu-pci-0300/junction': 'medium',
    'temperature:amdgpu-pci-0300/mem': 'high',
    'temperature:amdgpu-pci-0400/junction': 'high',
    'temperature:amdgpu-pci-0500/junction': 'high',
  });
  store.db.close();
});

test('local time, quiet-hours windows across midnight', () => {
  assert.deepEqual(localTime(Date.parse('2026-07-01T18:30:00Z'), 'Europe/Paris'), {
    date: '2026-07-01',
    minutes: 20 * 60 + 30,
    weekday: 3,
    hour: 20,
  });
  assert.equal(localTime(Date.parse('2026-01-01T03:00:00Z'), 'America/Chicago').date, '2025-12-31');
  assert.ok(inWindow(23 * 60, '22:00', '07:00'));
  assert.ok(inWindow(6 * 60, '22:00', '07:00'));
  assert.ok(!inWindow(12 * 60, '22:00', '07:00'));
  assert.ok(!inWindow(7 * 60, '22:00', '07:00'));
});

test('config: bad recap time, zone and nmap options name the key', () => {
  const problems = monitorSection.safeParse({
    daily_recap_time: '25:00',
    timezone: 'Mars/Base',
    nmap_targets: '10.0.0.0/24 10.0.1.1',
  });
  assert.equal(problems.success, false);
  const paths = problems.error?.issues.map((issue) => issue.path.join('.'));
  assert.deepEqual(paths, ['daily_recap_time', 'timezone']);
  assert.deepEqual(settings({ nmap_targets: '10.0.0.0/24, 10.0.1.1' }).nmap_targets, ['10.0.0.0/24', '10.0.1.1']);
});

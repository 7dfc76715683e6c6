import type { MonitorSettings } from '../config/sections/monitor.ts';
import { type Baseline, type BaselineTracker, deviationScore, metricKind } from './baseline.ts';
import { type Finding, finding } from './findings.ts';
import type { MonitorStore } from './monitor-store.ts';
import { collectorSucceeded, FAILURE_EVENT_TYPES, type Observations } from './observations.ts';

/** The label of a GPU's hottest-point sensor (amdgpu's `junction`, `hotspot` in other drivers and tools). */
const HOTSPOT = /(?:^|[/ ])(?:junction|hot ?spot)$/i;

export interface MetricSample {
  name: string;
  value: number;
  collector: string;
}

export interface JudgedMetric extends MetricSample {
  baseline?: Baseline;
  score?: number;
}

/** The numbers tracked against baselines, derived from one cycle's observations. */
export function metricsFrom(observations: Observations): MetricSample[] {
  const metrics: MetricSample[] = [];
  const cpu = observations.temperatures.filter((reading) => reading.kind === 'cpu');
  if (cpu.length > 0) {
    metrics.push({
      name: 'temperature.cpu',
      value: Math.max(...cpu.map((reading) => reading.celsius)),
      collector: 'temperatures',
    });
  }
  for (const reading of observations.temperatures.filter((item) => item.kind === 'gpu')) {
    metrics.push({ name: `temperature.gpu.${reading.sensor}`, value: reading.celsius, collector: 'temperatures' });
  }
  for (const ping of observations.pings) {
    // A name that did not resolve says nothing about the path to the host: no loss sample.
    if (ping.failure?.kind === 'unresolved') continue;
    metrics.push({ name: `ping.loss_percent.${ping.target}`, value: ping.lossPercent, collector: 'ping' });
    if (ping.rttAvgMs !== undefined) {
      metrics.push({ name: `ping.rtt_ms.${ping.target}`, value: ping.rttAvgMs, collector: 'ping' });
    }
  }
  if (collectorSucceeded(observations, 'auth')) {
    const failures = observations.authEvents.filter((event) => FAILURE_EVENT_TYPES.has(event.type)).length;
    metrics.push({ name: 'auth.failures', value: failures, collector: 'auth' });
  }
  if (collectorSucceeded(observations, 'syslog')) {
    metrics.push({ name: 'syslog.problems', value: observations.syslogProblems.length, collector: 'syslog' });
  }
  return metrics;
}

/** Judges each metric against its baseline (before recording it) and records it. Warm-up: no judgement. */
export function judgeMetrics(
  metrics: MetricSample[],
  tracker: BaselineTracker,
  at: number,
  settings: MonitorSettings,
): { judged: JudgedMetric[]; findings: Finding[] } {
  const judged: JudgedMetric[] = [];
  const findings: Finding[] = [];
  for (const metric of metrics) {
    const baseline = tracker.baseline(metric.name, at);
    const kind = metricKind(metric.name);
    const entry: JudgedMetric = { ...metric, baseline };
    if (baseline?.warm && kind) {
      entry.score = deviationScore(metric.value, baseline, kind);
      const { deviation_low: low, deviation_medium: medium } = settings.baseline;
      if (entry.score >= low) {
        const severity = entry.score >= medium ? 'medium' : 'low';
        findings.push(
          finding(
            'baseline-deviation',
            metric.name,
            metric.collector,
            severity,
            `${metric.name} is unusual: ${round(metric.value)} (usual ${round(baseline.median)})`,
            `${metric.name} = ${round(metric.value)}; baseline median ${round(baseline.median)}, MAD ${round(baseline.mad)}` +
              `${baseline.ewma !== undefined ? `, EWMA ${round(baseline.ewma)}` : ''} over ${baseline.count} samples` +
              ` (${baseline.scope}); robust score ${round(entry.score)}.`,
            { metric: { name: metric.name, value: metric.value, baseline, score: entry.score } },
          ),
        );
      }
    }
    tracker.record(metric.name, metric.value, at);
    judged.push(entry);
  }
  return { judged, findings };
}

const round = (value: number) => Math.round(value * 100) / 100;

/** The deterministic rules: thresholds, new open ports, login bursts, processes, containers, OOM kills. */
export function evaluateRules(observations: Observations, settings: MonitorSettings, store: MonitorStore): Finding[] {
  const thresholds = settings.thresholds;
  const findings: Finding[] = [];
  const at = observations.at;

  // One finding for the CPU (its hottest sensor, so eight cores do not make eight alerts) and one per GPU sensor.
  const cpuReadings = observations.temperatures.filter((reading) => reading.kind === 'cpu');
  const hottestCpu = cpuReadings.reduce<(typeof cpuReadings)[number] | undefined>(
    (hottest, reading) => (!hottest || reading.celsius > hottest.celsius ? reading : hottest),
    undefined,
  );
  const judgedReadings = [
    ...(hottestCpu ? [hottestCpu] : []),
    ...observations.temperatures.filter((reading) => reading.kind === 'gpu'),
  ];
  for (const reading of judgedReadings) {
    if (reading.kind === 'other') continue;
    const subject = reading.kind === 'cpu' ? 'cpu' : reading.sensor;
    let high = reading.kind === 'cpu' ? thresholds.cpu_temperature_high : thresholds.gpu_temperature_high;
    let medium = reading.kind === 'cpu' ? thresholds.cpu_temperature_medium : thresholds.gpu_temperature_medium;
    // A GPU's hottest point (AMD's junction, a hotspot) runs 10 to 20 degrees above its edge sensor by design, 90 to
    // 105 under ordinary load: judged by its own critical limit when it has one above the GPU threshold, so a busy
    // card is a medium note at the GPU's high threshold and a high alert only at the limit its driver sets.
    if (
      reading.kind === 'gpu' &&
      HOTSPOT.test(reading.sensor) &&
      reading.critical !== undefined &&
      reading.critical > high
    ) {
      medium = high;
      high = reading.critical;
    }
    const critical = reading.critical !== undefined && reading.celsius >= reading.critical;
    const severity = critical || reading.celsius >= high ? 'high' : reading.celsius >= medium ? 'medium' : undefined;
    if (!severity) continue;
    findings.push(
      finding(
        'temperature',
        subject,
        'temperatures',
        severity,
        `${reading.kind.toUpperCase()} temperature ${reading.celsius} °C (${reading.sensor})`,
        `${reading.sensor} reads ${reading.celsius} °C from ${reading.source}; thresholds medium ${medium}, high ${high}` +
          `${reading.critical !== undefined ? `, sensor critical ${reading.critical}` : ''}.`,
        { metric: { name: `temperature.${reading.kind}`, value: reading.celsius } },
      ),
    );
  }

  for (const ping of observations.pings) {
    if (ping.failure?.kind === 'unresolved') {
      findings.push(
        finding(
          'ping-unresolved',
          ping.target,
          'ping',
          'medium',
          `${ping.target} does not resolve`,
          `ping could not look up the name: ${ping.failure.message}. The host was not pinged.`,
        ),
      );
    } else if (ping.lossPercent >= 100) {
      findings.push(
        finding(
          'ping-unreachable',
          ping.target,
          'ping',
          'high',
          `${ping.target} does not answer ping`,
          `${ping.transmitted} sent, 0 received${pingEvidence(ping)}.`,
        ),
      );
    } else if (ping.lossPercent >= thresholds.packet_loss_medium) {
      findings.push(
        finding(
          'packet-loss',
          ping.target,
          'ping',
          'medium',
          `${ping.lossPercent}% packet loss to ${ping.target}`,
          `${ping.transmitted} sent, ${ping.received} received${pingEvidence(ping)}; threshold ${thresholds.packet_loss_medium}%.`,
        ),
      );
    }
    if (ping.rttAvgMs !== undefined && ping.rttAvgMs >= thresholds.rtt_ms_medium) {
      findings.push(
        finding(
          'high-latency',
          ping.target,
          'ping',
          'low',
          `Latency to ${ping.target} is ${ping.rttAvgMs} ms`,
          `Average round trip ${ping.rttAvgMs} ms (max ${ping.rttMaxMs} ms); threshold ${thresholds.rtt_ms_medium} ms.`,
        ),
      );
    }
  }

  const critical = new Set(settings.critical_hosts);
  for (const change of observations.nmapChanges) {
    const isCritical = critical.has(change.host);
    const port = change.port ? `${change.port.port}/${change.port.protocol}` : '';
    const service = change.port?.service
      ? ` (${[change.port.service, change.port.product, change.port.version].filter(Boolean).join(' ')})`
      : '';
    if (change.change === 'port-opened') {
      findings.push(
        finding(
          'new-open-port',
          `${change.host}:${port}`,
          'nmap',
          isCritical ? 'high' : 'medium',
          `New open port ${port} on ${change.host}${isCritical ? ' (critical host)' : ''}`,
          `The scan of ${change.target} found ${port}${service} open on ${change.host}; it was closed in the previous scan.`,
          { locked: isCritical, event: true },
        ),
      );
    } else if (change.change === 'port-closed') {
      findings.push(
        finding(
          'port-closed',
          `${change.host}:${port}`,
          'nmap',
          'low',
          `Port ${port} closed on ${change.host}`,
          `Open in the previous scan${service}.`,
          {
            event: true,
          },
        ),
      );
    } else if (change.change === 'mac-changed') {
      findings.push(
        finding(
          'mac-changed',
          `${change.host}:${change.mac}`,
          'nmap',
          isCritical ? 'high' : 'medium',
          `${change.host} answers from another MAC address${isCritical ? ' (critical host)' : ''}`,
          `The scan of ${change.target} saw ${change.host} at ${change.mac}; the previous scan saw it at ${change.previousMac}. Another device took the address, or someone is spoofing it (ARP).`,
          { locked: isCritical, event: true },
        ),
      );
    } else {
      const appeared = change.change === 'host-appeared';
      findings.push(
        finding(
          appeared ? 'new-host' : 'host-gone',
          change.host,
          'nmap',
          !appeared && isCritical ? 'medium' : 'low',
          `${appeared ? 'New host' : 'Host no longer up'}: ${change.host}`,
          `${appeared ? 'Up now, absent' : 'Absent now, up'} in the previous scan of ${change.target}.`,
          { event: true },
        ),
      );
    }
  }

  if (collectorSucceeded(observations, 'auth')) {
    const windowSeconds = settings.login_window;
    const failures = store.authFailuresByIp(at - windowSeconds * 1000, [...FAILURE_EVENT_TYPES]);
    const failuresByIp = new Map(failures.map((row) => [row.ip, row]));
    for (const row of failures) {
      if (row.failures < thresholds.login_failures_medium) continue;
      const severity = row.failures >= thresholds.login_failures_high ? 'high' : 'medium';
      findings.push(
        finding(
          'login-burst',
          row.ip,
          'auth',
          severity,
          `${row.failures} failed logins from ${row.ip}`,
          `${row.failures} failed attempts in the last ${Math.round(windowSeconds / 60)} min for users ${row.users.slice(0, 10).join(', ')}; thresholds medium ${thresholds.login_failures_medium}, high ${thresholds.login_failures_high}.`,
        ),
      );
    }
    for (const event of observations.authEvents) {
      if (event.type !== 'accepted' || !event.sourceIp) continue;
      const before = failuresByIp.get(event.sourceIp);
      if (!before || before.failures < thresholds.login_failures_medium) continue;
      findings.push(
        finding(
          'login-after-failures',
          `${event.sourceIp}:${event.user}`,
          'auth',
          'high',
          `Successful login as ${event.user} from ${event.sourceIp} after ${before.failures} failures`,
          `Accepted ${event.method ?? ''} for ${event.user} from ${event.sourceIp} following a burst of failed attempts: a possible successful brute force.`,
          { locked: true, event: true },
        ),
      );
    }
  }

  for (const process of observations.processes) {
    const deleted = (process.matches ?? []).filter((match) => match.deleted);
    if (deleted.length > 0) {
      // The path is text the file's owner chose (newlines, escapes): quoted, never printed raw.
      const shown = deleted.slice(0, 3).map((match) => `pid ${match.pid}: ${JSON.stringify(match.exe ?? '')}`);
      findings.push(
        finding(
          'process-binary-deleted',
          process.name,
          'processes',
          'low',
          `${process.name} runs a deleted binary`,
          `${shown.join('; ')}${deleted.length > 3 ? ` and ${deleted.length - 3} more` : ''}, as the kernel shows it:` +
            ' the file was removed or replaced after the process started (an upgrade that needs a restart, or a' +
            ' program that removed itself).',
        ),
      );
    }
    if (process.running) continue;
    findings.push(
      finding(
        'process-down',
        process.name,
        'processes',
        'high',
        `Process not running: ${process.name}`,
        `No process named ${process.name} in /proc.`,
        {
          locked: true,
        },
      ),
    );
  }

  findings.push(...containerFindings(observations, settings, store));

  for (const record of observations.syslogProblems) {
    const match = /Out of memory: Kill(?:ed)? process \d+ \(([^)]+)\)/.exec(record.message);
    if (record.program === 'kernel' && match) {
      findings.push(
        finding(
          'oom-kill',
          match[1],
          'syslog',
          'medium',
          `Kernel OOM killer stopped ${match[1]}`,
          record.message.slice(0, 300),
          {
            event: true,
          },
        ),
      );
    }
  }
  return dedupeByKey(findings);
}

function containerFindings(observations: Observations, settings: MonitorSettings, store: MonitorStore): Finding[] {
  if (!collectorSucceeded(observations, 'docker')) return [];
  const findings: Finding[] = [];
  const explicit = new Set(settings.docker_containers);
  const previousCounts = store.getState<Record<string, number>>('docker.restart_counts') ?? {};
  // Up (running, not restarting) at the last cycle: its crash now is a change to alert on once, not a state we
  // found on starting or keep seeing.
  const previousUp = store.getState<Record<string, boolean>>('docker.up') ?? {};
  const counts: Record<string, number> = {};
  const up: Record<string, boolean> = {};
  for (const container of observations.containers) {
    const name = container.name;
    counts[name] = container.restartCount;
    up[name] = container.exists && container.running && !container.restarting;
    const wasUp = previousUp[name] === true;
    if (!container.exists) {
      findings.push(
        finding(
          'container-missing',
          name,
          'docker',
          'high',
          `Container ${name} does not exist`,
          'Docker does not know a container by this name.',
        ),
      );
      continue;
    }
    if (container.oomKilled) {
      findings.push(
        finding(
          'container-oom',
          name,
          'docker',
          'high',
          `Container ${name} was OOM-killed`,
          `State.OOMKilled is true (exit code ${container.exitCode}, ${container.restartCount} restarts).`,
          {
            locked: true,
          },
        ),
      );
    }
    // A stopped container's health is stale: Docker marks every stopped one with a check `unhealthy`.
    if (container.health === 'unhealthy' && container.running) {
      findings.push(
        finding(
          'container-unhealthy',
          name,
          'docker',
          'high',
          `Container ${name} is unhealthy`,
          `Health check failing ${container.failingStreak ?? '?'} times in a row.`,
        ),
      );
    }
    const previous = previousCounts[name];
    const restartedSince =
      previous !== undefined && container.restartCount > previous ? container.restartCount - previous : 0;
    if (container.restarting || restartedSince > 0) {
      const burst = restartedSince >= settings.thresholds.container_restarts_medium;
      const severity = burst || (container.restarting && wasUp) ? 'high' : 'medium';
      findings.push(
        finding(
          'container-restarting',
          name,
          'docker',
          severity,
          `Container ${name} is restarting`,
          `State ${container.state}, ${container.restartCount} restarts in total${restartedSince ? `, ${restartedSince} since the last cycle` : ''}, last exit code ${container.exitCode}.`,
        ),
      );
    } else if (!container.running) {
      const watched = explicit.has(name);
      const crashed = wasUp && container.exitCode !== 0;
      if (watched || container.exitCode !== 0) {
        findings.push(
          finding(
            'container-down',
            name,
            'docker',
            watched || crashed ? 'high' : 'low',
            `Container ${name} is ${container.state}`,
            `Not running (state ${container.state}, exit code ${container.exitCode})${crashed ? '; it was running at the last cycle' : ''}.`,
          ),
        );
      }
    }
  }
  store.setState('docker.restart_counts', counts);
  store.setState('docker.up', up);
  return findings;
}

/** What else ping said: it could not send (no route here), or routers answered in the target's place. */
function pingEvidence(ping: Observations['pings'][number]): string {
  if (ping.failure) return `; ping could not send: ${ping.failure.message}`;
  const errors = (ping.icmpErrors ?? []).slice(0, 3);
  return errors.map((error) => `; ${error.from} answered ${error.message} (${error.count} times)`).join('');
}

function dedupeByKey(findings: Finding[]): Finding[] {
  const byKey = new Map<string, Finding>();
  const rank = { low: 1, medium: 2, high: 3 };
  for (const item of findings) {
    const existing = byKey.get(item.key);
    if (!existing || rank[item.severity] > rank[existing.severity]) byKey.set(item.key, item);
  }
  return [...byKey.values()];
}

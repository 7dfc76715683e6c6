import { resolve } from 'node:path';
import { ConfigError, errorMessage, UsageError } from '../../core/errors.ts';
import { createMonitor } from '../../host-monitor/create-monitor.ts';
import type { CycleReport } from '../../host-monitor/monitor.ts';
import { openConfiguredStore } from '../../store/store.ts';
import type { Command } from '../command.ts';
import { loadCliConfig, parseCommandArgs } from '../global-options.ts';
import { safeCell } from '../output.ts';
import { abortOnStopSignals } from '../stop-signals.ts';
import { USAGE } from './monitor-usage.ts';

const OPTIONS = {
  once: { type: 'boolean' },
  format: { type: 'string' },
  'no-notify': { type: 'boolean' },
  'no-llm': { type: 'boolean' },
} as const;

export const monitorCommand: Command = {
  name: 'monitor',
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, OPTIONS, USAGE);
    if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}\n\n${USAGE}`);
    const format = values.format ?? 'text';
    if (format !== 'text' && format !== 'json') throw new UsageError(`--format: expected text or json, got ${format}`);
    const config = loadCliConfig(values, io);
    const store = openConfiguredStore(config);
    const log = (line: string) => io.stderr.write(`${new Date().toISOString()} ${line}\n`);
    try {
      const setup = createMonitor(config, store, { log, llm: values['no-llm'] ? null : undefined });
      if (setup.errors.length > 0) throw new ConfigError(setup.errors);
      for (const problem of setup.context.problems) io.stderr.write(`warning: ${problem}\n`);
      if (values['no-notify']) {
        setup.channels.text.length = 0;
        setup.channels.voice.length = 0;
      }
      const header = [
        `host monitor: every ${setup.settings.interval}s, recap at ${setup.settings.daily_recap_time} ${setup.settings.timezone}`,
        `  channels: ${[...setup.channels.text, ...setup.channels.voice].map((notifier) => notifier.name).join(', ') || 'none'}`,
        `  LLM:      ${setup.llm ? `${setup.llm.description} (bounded triage)` : 'none (rules only)'}`,
        `  database: ${resolve(config.database.path)}`,
      ].join('\n');
      if (values.once) {
        const report = await setup.monitor.runCycle({ forceNmap: true });
        if (format === 'json') io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        else io.stdout.write(`${header}\n\n${formatReport(report)}\n`);
        return report.findings.some((item) => item.finalSeverity === 'high' && !item.suppressedBy) ? 1 : 0;
      }
      io.stdout.write(`${header}\n`);
      const stopSignal = abortOnStopSignals(log);
      await setup.monitor.run(stopSignal, {
        onCycle: (report) => {
          const high = report.findings.filter((item) => item.finalSeverity === 'high').length;
          const sent = report.alerts.filter(
            (alert) => alert.action === 'alerted' || alert.action === 'resolved-notified',
          );
          log(
            `cycle: ${report.findings.length} findings (${high} high), ${sent.length} notifications${report.recap ? ', daily recap sent' : ''}`,
          );
          for (const alert of report.alerts.filter((item) => item.action === 'alert-failed')) {
            log(
              `alert ${alert.key} failed: ${alert.deliveries.map((delivery) => `${delivery.notifier} ${delivery.error}`).join('; ')}`,
            );
          }
        },
      });
      return 0;
    } catch (error) {
      if (error instanceof ConfigError || error instanceof UsageError) throw error;
      throw new Error(`monitor: ${errorMessage(error)}`, { cause: error });
    } finally {
      store.close();
    }
  },
};

const round = (value: number | undefined) => (value === undefined ? '-' : String(Math.round(value * 100) / 100));

/** The human summary of one cycle for `--once`. */
export function formatReport(report: CycleReport): string {
  const lines: string[] = [`cycle at ${report.at}`, '', 'collectors:'];
  for (const collector of report.observations.collectors) {
    lines.push(
      `  ${collector.name.padEnd(13)}${collector.status.padEnd(8)}${collector.items !== undefined ? `${collector.items} items  ` : ''}${collector.detail ?? ''}`,
    );
  }
  const observations = report.observations;
  lines.push('', 'collected:');
  lines.push(
    `  auth events: ${observations.authEvents.length}, syslog lines: ${observations.syslogLines} (${observations.syslogProblems.length} problems), unparsed lines: ${observations.skippedLines}`,
  );
  for (const reading of observations.temperatures)
    lines.push(
      `  temperature ${reading.kind.padEnd(5)} ${String(reading.celsius).padStart(6)} °C  ${reading.sensor} (${reading.source})`,
    );
  for (const ping of observations.pings)
    lines.push(
      ping.failure
        ? `  ping ${ping.target}: ${ping.failure.kind === 'unresolved' ? 'does not resolve' : 'not sent'} (${ping.failure.message})`
        : `  ping ${ping.target}: ${ping.lossPercent}% loss, avg ${round(ping.rttAvgMs)} ms${(ping.icmpErrors ?? []).map((error) => `, ${error.count} x ${error.message} from ${error.from}`).join('')}`,
    );
  for (const scan of observations.nmapScans) {
    for (const host of scan.hosts) {
      const ports = host.ports
        .filter((port) => port.state === 'open')
        .map((port) => `${port.port}/${port.protocol}${port.service ? ` ${port.service}` : ''}`);
      lines.push(
        `  nmap ${host.address} ${host.status}${host.hostnames.length ? ` (${host.hostnames.join(', ')})` : ''}: ${ports.join(', ') || 'no open ports'}`,
      );
    }
  }
  for (const change of observations.nmapChanges)
    lines.push(
      `  nmap change: ${change.change} ${change.host}${change.port ? ` ${change.port.port}/${change.port.protocol}` : ''}${change.mac ? ` ${change.previousMac} -> ${change.mac}` : ''}`,
    );
  for (const process of observations.processes)
    lines.push(
      `  process ${process.name}: ${process.running ? `running (pid ${process.pids.slice(0, 5).join(', ')})` : 'NOT RUNNING'}${(
        process.matches ?? []
      )
        .filter((match) => match.deleted)
        .slice(0, 3)
        .map((match) => `, pid ${match.pid} runs deleted ${JSON.stringify(match.exe ?? '')}`)
        .join('')}`,
    );
  for (const container of observations.containers) {
    lines.push(
      `  container ${container.name}: ${container.state}${container.health ? ` (${container.health})` : ''}, restarts ${container.restartCount}${container.oomKilled ? ', OOM-killed' : ''}`,
    );
  }
  lines.push('', 'baselines:');
  for (const metric of report.metrics) {
    const baseline = metric.baseline;
    lines.push(
      `  ${metric.name}: ${round(metric.value)}  ${baseline ? `median ${round(baseline.median)} MAD ${round(baseline.mad)} n=${baseline.count}${baseline.warm ? ` score ${round(metric.score)}` : ' (warming up)'}` : '(first sample)'}`,
    );
  }
  lines.push('', `findings (${report.findings.length}):`);
  for (const item of report.findings) {
    const severity =
      item.ruleSeverity === item.finalSeverity
        ? item.finalSeverity
        : `${item.ruleSeverity} -> ${item.finalSeverity} (model)`;
    lines.push(
      `  [${severity}] ${item.title}${item.suppressedBy ? `  (known issue ${item.suppressedBy}: suppressed)` : ''}`,
    );
    if (item.triage?.reason) lines.push(`      model: ${item.triage.reason}`);
  }
  if (report.llm.skipped.length > 0) lines.push(`  LLM not used for: ${report.llm.skipped.join('; ')}`);
  const notable = report.alerts.filter((alert) => alert.action !== 'recorded');
  if (notable.length > 0) {
    lines.push('', 'alerting:');
    for (const alert of notable) {
      const deliveries = alert.deliveries.map(
        (delivery) => `${delivery.notifier} ${delivery.status}${delivery.error ? ` (${delivery.error})` : ''}`,
      );
      lines.push(`  ${alert.key}: ${alert.action}${deliveries.length ? ` -> ${deliveries.join(', ')}` : ''}`);
    }
  }
  if (report.recap)
    lines.push(
      '',
      `daily recap: ${report.recap.deliveries.map((delivery) => `${delivery.notifier} ${delivery.status}`).join(', ') || 'no channels'}`,
    );
  // Process names from the kernel's OOM lines, nmap host names, collector errors and the model's reasons are not ours:
  // their control characters (terminal escapes, a newline faking a line) are shown, never obeyed.
  return lines.map((line) => safeCell(line, Number.POSITIVE_INFINITY)).join('\n');
}

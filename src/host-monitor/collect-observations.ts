import type { MonitorSettings } from '../config/sections/monitor.ts';
import { errorMessage } from '../core/errors.ts';
import { parseAuthEvents } from './collectors/auth-event-parser.ts';
import { collectContainers } from './collectors/docker-collector.ts';
import { DropbearConnections } from './collectors/dropbear-connections.ts';
import { readJournal } from './collectors/journald-reader.ts';
import { type PositionKeeper, readNewLines } from './collectors/log-file-reader.ts';
import { diffNmapScans, runNmap } from './collectors/nmap-collector.ts';
import { pingTarget } from './collectors/ping-collector.ts';
import { collectProcesses } from './collectors/process-collector.ts';
import { isSyslogProblem, parseSyslogLine } from './collectors/syslog-line-parser.ts';
import { collectTemperatures } from './collectors/temperature-collector.ts';
import { dedupeAttempts, recordAttempts } from './login-attempts.ts';
import type { MonitorStore } from './monitor-store.ts';
import {
  type AuthEvent,
  type CollectorReport,
  emptyObservations,
  type Observations,
  type SyslogRecord,
} from './observations.ts';

const MAX_SYSLOG_PROBLEMS = 200;
/** Running dropbear connections' addresses, from one cycle's lines to the next (a connection split across reads). */
const dropbearConnections = new DropbearConnections();

export interface CollectOptions {
  /** Run nmap now even if the last scan is more recent than `nmap_interval` (used by `--once`). */
  forceNmap?: boolean;
}

function addRecords(observations: Observations, records: SyslogRecord[], authEvents: AuthEvent[]) {
  for (const record of records) {
    const events = parseAuthEvents(record, dropbearConnections);
    if (events.length > 0) authEvents.push(...events);
    else if (isSyslogProblem(record) && observations.syslogProblems.length < MAX_SYSLOG_PROBLEMS) {
      observations.syslogProblems.push({ ...record, message: record.message.slice(0, 500) });
    }
  }
}

/** A log line's own timestamp (epoch ms), for the first start's recent window. */
const lineTime = (now: number) => (line: string) => {
  const time = parseSyslogLine(line, now)?.time;
  return time === undefined ? undefined : Date.parse(time);
};

async function readLogFile(
  name: string,
  path: string,
  observations: Observations,
  positions: PositionKeeper,
  settings: MonitorSettings,
): Promise<{ report: CollectorReport; records: SyslogRecord[] }> {
  if (!path) return { report: { name, status: 'skipped', detail: 'not configured' }, records: [] };
  const result = await readNewLines(path, positions, {
    maxBytes: settings.max_log_bytes_per_cycle,
    startAt: settings.log_start_at,
    recentWindow: { since: observations.at - settings.login_window * 1000, timeOf: lineTime(observations.at) },
  });
  if (result.status === 'missing') return { report: { name, status: 'skipped', detail: result.detail }, records: [] };
  const records: SyslogRecord[] = [];
  for (const line of result.lines) {
    const record = parseSyslogLine(line, observations.at);
    if (record) records.push(record);
    else observations.skippedLines++;
  }
  const notes = result.events.length > 0 ? ` (${result.events.join(', ')})` : '';
  return { report: { name, status: 'ok', items: result.lines.length, detail: `${path}${notes}` }, records };
}

/** Runs every configured collector; each fails soft and reports why (tool missing, file absent, socket down). */
export async function collectObservations(
  settings: MonitorSettings,
  store: MonitorStore,
  positions: PositionKeeper,
  at: number,
  options: CollectOptions = {},
): Promise<Observations> {
  const observations = emptyObservations(at);
  const report = (entry: CollectorReport) => observations.collectors.push(entry);
  const authEvents: AuthEvent[] = [];

  if (settings.journald) {
    const journal = await readJournal(positions, { since: at - settings.login_window * 1000 });
    if (journal.status === 'ok') {
      observations.skippedLines += journal.skipped;
      observations.syslogLines += journal.records.length;
      addRecords(observations, journal.records, authEvents);
      const detail = `journalctl${journal.firstStart ? ' (first start: the last login window)' : ''}`;
      report({ name: 'auth', status: 'ok', items: authEvents.length, detail });
      report({ name: 'syslog', status: 'ok', items: journal.records.length, detail });
    } else {
      const status = journal.status === 'missing' ? 'skipped' : 'failed';
      report({ name: 'auth', status, detail: journal.detail });
      report({ name: 'syslog', status, detail: journal.detail });
    }
  } else {
    const auth = await readLogFile('auth', settings.auth_log, observations, positions, settings);
    addRecords(observations, auth.records, authEvents);
    report({ ...auth.report, items: auth.report.status === 'ok' ? authEvents.length : undefined });
    const syslog = await readLogFile('syslog', settings.syslog, observations, positions, settings);
    observations.syslogLines += syslog.records.length;
    addRecords(observations, syslog.records, authEvents);
    report(syslog.report);
  }
  observations.authEvents = recordAttempts(store, dedupeAttempts(authEvents), at, settings.login_window);

  if (settings.temperatures) {
    try {
      const temperatures = await collectTemperatures({
        hwmonPath: settings.hwmon_path,
        thermalPath: settings.thermal_path,
      });
      observations.temperatures = temperatures.readings;
      report({
        name: 'temperatures',
        status: temperatures.readings.length > 0 ? 'ok' : 'skipped',
        items: temperatures.readings.length,
        detail:
          temperatures.readings.length > 0
            ? [`from ${temperatures.sources.join(', ')}`, ...temperatures.notes].join('; ')
            : `no sensors found: ${[...temperatures.missing, ...temperatures.notes].join('; ')}`,
      });
    } catch (error) {
      report({ name: 'temperatures', status: 'failed', detail: errorMessage(error) });
    }
  }

  if (settings.ping_targets.length > 0) {
    const results = await Promise.all(settings.ping_targets.map((target) => pingTarget(target, settings.ping_count)));
    const errors: string[] = [];
    for (const result of results) {
      if ('error' in result) errors.push(result.error);
      else observations.pings.push(result);
    }
    const missing = errors.some((error) => error.includes('not installed'));
    report({
      name: 'ping',
      status: observations.pings.length > 0 ? 'ok' : missing ? 'skipped' : 'failed',
      items: observations.pings.length,
      detail: errors.length > 0 ? errors.join('; ') : undefined,
    });
  }

  if (settings.nmap_targets.length > 0) {
    const lastRun = store.getState<number>('nmap.last_run_at');
    if (!options.forceNmap && lastRun !== undefined && at - lastRun < settings.nmap_interval * 1000) {
      report({
        name: 'nmap',
        status: 'skipped',
        detail: `next scan in ${Math.ceil((lastRun + settings.nmap_interval * 1000 - at) / 1000)} s`,
      });
    } else {
      const errors: string[] = [];
      let missing = false;
      for (const target of settings.nmap_targets) {
        try {
          const result = await runNmap(target, settings.nmap_scan_options);
          if (result.status !== 'ok') {
            errors.push(result.error);
            missing ||= result.status === 'missing';
            if (missing) break;
            continue;
          }
          observations.nmapChanges.push(...diffNmapScans(store.lastNmapScan(target), result.scan));
          observations.nmapScans.push(result.scan);
          store.saveNmapScan(at, result.scan);
        } catch (error) {
          errors.push(errorMessage(error));
        }
      }
      store.setState('nmap.last_run_at', at);
      report({
        name: 'nmap',
        status: observations.nmapScans.length === settings.nmap_targets.length ? 'ok' : missing ? 'skipped' : 'failed',
        items: observations.nmapScans.reduce((sum, scan) => sum + scan.hosts.length, 0),
        detail: errors.length > 0 ? errors.join('; ') : undefined,
      });
    }
  }

  if (settings.processes.length > 0) {
    try {
      observations.processes = await collectProcesses(settings.processes, settings.proc_path);
      report({ name: 'processes', status: 'ok', items: observations.processes.length });
    } catch (error) {
      report({ name: 'processes', status: 'skipped', detail: `${settings.proc_path}: ${errorMessage(error)}` });
    }
  }

  if (settings.docker) {
    try {
      observations.containers = await collectContainers(settings.docker_socket, settings.docker_containers);
      report({ name: 'docker', status: 'ok', items: observations.containers.length });
    } catch (error) {
      const code = ((error as Error).cause as NodeJS.ErrnoException | undefined)?.code;
      // No socket at all means Docker is not installed here: skipped, not failed.
      report({ name: 'docker', status: code === 'ENOENT' ? 'skipped' : 'failed', detail: errorMessage(error) });
    }
  }
  return observations;
}

import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { parseDuration } from '../../config/duration.ts';
import { UsageError } from '../../core/errors.ts';
import { type AgentRuntime, openRuntime } from '../../network-guard/agent-runtime.ts';
import { startGuardInvestigations } from '../../network-guard/guard-investigations.ts';
import { resumeInterruptedBlocks } from '../../network-guard/incident-actions.ts';
import { createIncidentNotifier } from '../../network-guard/incident-notifier.ts';
import type { IncidentOutcome } from '../../network-guard/network-guard.ts';
import { NetworkGuard } from '../../network-guard/network-guard.ts';
import { scanTraefikFile } from '../../network-guard/traefik-file-pipeline.ts';
import { openScanInput } from '../../network-guard/traefik-log/scan-input.ts';
import type { CliIo, Command } from '../command.ts';
import { loadCliConfig, parseCommandArgs } from '../global-options.ts';
import { printTable } from '../output.ts';
import { createProgress } from '../progress.ts';
import { USAGE } from './scan-usage.ts';

export const scanCommand: Command = {
  name: 'scan',
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(
      args,
      {
        'log-file': { type: 'string' },
        format: { type: 'string' },
        since: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        threads: { type: 'string' },
      },
      USAGE,
    );
    // `scan access.log` reads access.log, as `scan --log-file access.log` does; any further word is left over.
    const leftOver = values['log-file'] === undefined ? positionals.slice(1) : positionals;
    if (leftOver.length > 0)
      throw new UsageError(
        `scan reads one log, and ${leftOver.join(' ')} was left over (a shell glob?): scan rotated logs oldest first, one at a time, or as one stream: zcat -f access.log.2.gz access.log.1 access.log | devops-agent scan --log-file -`,
      );
    const threads = values.threads === undefined ? availableParallelism() : Number(values.threads);
    if (!Number.isInteger(threads) || threads < 1 || threads > 64)
      throw new UsageError(`--threads: expected a whole number from 1 to 64, got ${JSON.stringify(values.threads)}`);
    const format = values.format ?? 'table';
    if (format !== 'table' && format !== 'json') throw new UsageError(`--format: expected table or json`);
    const config = loadCliConfig(values, io);
    const path = values['log-file'] ?? positionals[0];
    const range = timeRange(values);
    if (path && range) throw new UsageError('give either --log-file or a time range (--since, --from/--to), not both');
    if (range && !config.elasticsearch)
      throw new UsageError('--since/--from/--to scan Elasticsearch: configure the elasticsearch: section');
    if (!path && !range)
      throw new UsageError(`--log-file (or, with Elasticsearch, --since/--from) is required\n\n${USAGE}`);
    if (path && path !== '-' && !existsSync(path)) throw new UsageError(`--log-file: ${path} does not exist`);
    // Before anything opens: a compressed log or standard input becomes a plain file first (or a usage error).
    const input = path ? await openScanInput(path, (text) => io.stderr.write(`${text}\n`)) : undefined;
    const runtime = await openRuntime(config).catch(async (error) => {
      await input?.close();
      throw error;
    });
    // A leak found by a scan is the same emergency as one found live: the configured notifiers hear of it at once.
    const notify = createIncidentNotifier(config, runtime.store);
    const sent: Array<Promise<void>> = [];
    const notifyLeak = (outcome: IncidentOutcome) => {
      if (outcome.incident.threatType === 'secret_exposure')
        sent.push(
          notify(outcome).catch((error) => {
            io.stderr.write(`notification failed: ${String(error)}\n`);
          }),
        );
    };
    try {
      if (range) {
        await resumeInterruptedBlocks(runtime.blockContext);
        const guard = new NetworkGuard({
          config,
          store: runtime.store,
          blocker: runtime.blocker,
          source: 'elasticsearch',
          onIncident: notifyLeak,
        });
        const investigations = await startGuardInvestigations(runtime, guard);
        const { ElasticsearchDetector } = await import('../../network-guard/elasticsearch/elasticsearch-detector.ts');
        const { scanElasticsearch } = await import('../../network-guard/elasticsearch/elasticsearch-source.ts');
        // Our own connection, so investigations still queued when the last window is done can query it.
        const detector = await ElasticsearchDetector.connect(config);
        const progress = createProgress(io, 'scan', 'windows');
        let documents = 0;
        const summary = await scanElasticsearch(
          runtime,
          guard,
          range,
          (window) => {
            documents += window.documents;
            progress.update(window.windowsDone, window.windowsTotal, `${documents} documents`);
          },
          { detector, onDetector: investigations.onDetector },
        ).finally(async () => {
          await Promise.all(sent);
          progress.stop();
          await investigations.queue?.idle();
          await investigations.queue?.stop();
          await detector.close();
        });
        report(
          io,
          format,
          summary.incidents,
          { lines: summary.lines, skipped: summary.skipped, seconds: Number(summary.seconds.toFixed(3)) },
          runtime,
        );
        return 0;
      }
      if (!path || !input) throw new UsageError('--log-file is required');
      const guard = new NetworkGuard({
        config,
        store: runtime.store,
        blocker: runtime.blocker,
        source: `traefik-file:${path}`,
        onIncident: notifyLeak,
      });
      const investigations = await startGuardInvestigations(runtime, guard);
      await resumeInterruptedBlocks(runtime.blockContext);
      const progress = createProgress(io, 'scan', 'MB');
      const result = await scanTraefikFile(
        guard,
        config,
        input.path,
        (stats, bytes) =>
          progress.update(
            bytes.read,
            bytes.total,
            `${stats.lines} lines, ${guard.detector.trackedClients} suspicious clients tracked`,
          ),
        threads,
      );
      progress.stop();
      await Promise.all(sent);
      await investigations.queue?.idle();
      await investigations.queue?.stop();
      const { filtered, binary, lines } = result.stats;
      if (binary > lines / 2)
        io.stderr.write(`warning: ${binary} of ${lines} lines of ${path} are binary: is it a Traefik access log?\n`);
      report(
        io,
        format,
        result.outcomes,
        { ...result.stats, seconds: Number(result.seconds.toFixed(3)) },
        runtime,
        filtered,
      );
      return 0;
    } finally {
      runtime.close();
      await input?.close();
    }
  },
};

/** Prints the scan's incidents (final state, with the LLM opinion when there is one) and its counters. */
function report(
  io: CliIo,
  format: string,
  outcomes: IncidentOutcome[],
  stats: { lines: number; skipped: number; seconds: number } & Partial<Record<SkipReason, number>>,
  runtime: AgentRuntime,
  filtered?: number,
): void {
  const incidents = latestPerIncident(outcomes).map((outcome) => {
    const current = runtime.store.incidents.get(outcome.incident.id) ?? outcome.incident;
    return {
      id: current.id,
      ip: current.ip,
      threatType: current.threatType,
      severity: current.severity,
      decision: current.decision,
      status: current.status,
      evidence: current.evidence,
      ...(current.llmOpinion !== undefined ? { llmOpinion: current.llmOpinion } : {}),
    };
  });
  if (format === 'json') {
    io.stdout.write(`${JSON.stringify({ incidents, stats })}\n`);
    return;
  }
  printTable(
    io.stdout,
    ['IP', 'THREAT', 'SEVERITY', 'DECISION', 'SENSITIVE', 'STATUSES', 'REASON'],
    incidents.map((incident) => [
      incident.ip,
      incident.threatType,
      incident.severity,
      incident.decision,
      String(incident.evidence.sensitiveHits),
      Object.entries(incident.evidence.statuses)
        .map(([status, count]) => `${status}:${count}`)
        .join(' '),
      incident.evidence.reasons[0] ?? '',
    ]),
  );
  const prefiltered = filtered === undefined ? '' : `; ${filtered} ordinary lines prefiltered`;
  io.stdout.write(`\n${stats.lines} lines in ${stats.seconds}s (${skippedText(stats)}${prefiltered})\n`);
}

const SKIP_REASONS = ['malformed', 'truncated', 'binary', 'oversized', 'unattributed', 'not_http'] as const;
type SkipReason = (typeof SKIP_REASONS)[number];

/** `12 skipped: 9 malformed, 3 binary`, by reason where the source counts them (a log file does). */
function skippedText(stats: { skipped: number } & Partial<Record<SkipReason, number>>): string {
  const reasons = SKIP_REASONS.filter((reason) => (stats[reason] ?? 0) > 0).map(
    (reason) => `${stats[reason]} ${reason}`,
  );
  return reasons.length > 0 ? `${stats.skipped} skipped: ${reasons.join(', ')}` : `${stats.skipped} skipped`;
}

function timeRange(values: { since?: string; from?: string; to?: string }): { from: Date; to: Date } | undefined {
  if (!values.since && !values.from && !values.to) return undefined;
  if (values.since && values.from) throw new UsageError('give --since or --from, not both');
  const to = values.to ? new Date(values.to) : new Date();
  if (Number.isNaN(to.getTime())) throw new UsageError(`--to: expected an ISO time, got ${JSON.stringify(values.to)}`);
  let from: Date;
  if (values.since) {
    const seconds = parseDuration(values.since);
    if (seconds === undefined)
      throw new UsageError(`--since: expected a duration like 24h or 7d, got ${JSON.stringify(values.since)}`);
    from = new Date(to.getTime() - seconds * 1000);
  } else {
    if (!values.from) throw new UsageError('--to needs --from (or use --since)');
    from = new Date(values.from);
    if (Number.isNaN(from.getTime()))
      throw new UsageError(`--from: expected an ISO time, got ${JSON.stringify(values.from)}`);
  }
  if (from >= to) throw new UsageError('the time range is empty: --from must be before --to');
  return { from, to };
}

/** An incident may be updated several times during one scan: report its final state once. */
function latestPerIncident(outcomes: IncidentOutcome[]): IncidentOutcome[] {
  const byId = new Map<number, IncidentOutcome>();
  for (const outcome of outcomes) {
    const previous = byId.get(outcome.incident.id);
    byId.set(outcome.incident.id, previous?.created ? { ...outcome, created: true } : outcome);
  }
  return [...byId.values()].sort((a, b) => a.incident.id - b.incident.id);
}

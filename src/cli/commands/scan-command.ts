import { existsSync } from 'node:fs';
import { UsageError } from '../../core/errors.ts';
import { createLlmClient } from '../../llm/create-llm-client.ts';
import { openRuntime } from '../../pipeline/agent-runtime.ts';
import { resumeInterruptedBlocks } from '../../pipeline/incident-actions.ts';
import { IncidentAdviceQueue } from '../../pipeline/incident-advice-queue.ts';
import type { IncidentOutcome } from '../../pipeline/network-guard.ts';
import { NetworkGuard } from '../../pipeline/network-guard.ts';
import { scanTraefikFile } from '../../pipeline/traefik-file-pipeline.ts';
import type { Command } from '../command.ts';
import { loadCliConfig, parseCommandArgs } from '../global-options.ts';
import { printTable } from '../output.ts';

const USAGE = `Usage: devops-agent scan --log-file <path> [--format table|json] [--config <file>] [--db <path>] [--mode ...]

Replays a Traefik access log (JSON or Common Log Format) through the same detector, allowlist, mode and blockers as
the daemon, then exits. In auto mode it blocks. Progress goes to stderr on long files.`;

export const scanCommand: Command = {
  name: 'scan',
  summary: 'replay a Traefik access log once and report (and act on) what it finds',
  usage: USAGE,
  async run(args, io) {
    const { values } = parseCommandArgs(args, { 'log-file': { type: 'string' }, format: { type: 'string' } }, USAGE);
    if (values.help) {
      io.stdout.write(`${USAGE}\n`);
      return 0;
    }
    const format = values.format ?? 'table';
    if (format !== 'table' && format !== 'json') throw new UsageError(`--format: expected table or json`);
    const config = loadCliConfig(values, io);
    const path = values['log-file'];
    if (!path) throw new UsageError(`--log-file is required\n\n${USAGE}`);
    if (!existsSync(path)) throw new UsageError(`--log-file: ${path} does not exist`);
    const runtime = await openRuntime(config);
    try {
      const llm = createLlmClient(config, runtime.store);
      const advice = llm && new IncidentAdviceQueue(llm, runtime.store);
      const guard = new NetworkGuard({
        config,
        store: runtime.store,
        blocker: runtime.blocker,
        source: `traefik-file:${path}`,
        onIncident: (outcome) => advice?.offer(outcome),
      });
      await resumeInterruptedBlocks(runtime.blockContext);
      let lastReport = performance.now();
      const result = await scanTraefikFile(guard, config, path, (stats) => {
        if (performance.now() - lastReport > 2000) {
          lastReport = performance.now();
          io.stderr.write(
            `scan: ${stats.lines} lines read, ${guard.detector.trackedClients} suspicious clients tracked\n`,
          );
        }
      });
      await advice?.idle();
      const incidents = latestPerIncident(result.outcomes).map((outcome) => ({
        id: outcome.incident.id,
        ip: outcome.incident.ip,
        threatType: outcome.incident.threatType,
        severity: outcome.incident.severity,
        decision: outcome.decision,
        status: outcome.incident.status,
        evidence: outcome.incident.evidence,
        ...(llm ? { llmOpinion: runtime.store.incidents.get(outcome.incident.id)?.llmOpinion } : {}),
      }));
      const stats = { ...result.stats, seconds: Number(result.seconds.toFixed(3)) };
      if (format === 'json') {
        io.stdout.write(`${JSON.stringify({ incidents, stats })}\n`);
      } else {
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
        io.stdout.write(
          `\n${stats.lines} lines in ${stats.seconds}s (${stats.skipped} skipped as malformed, ${result.stats.filtered} ordinary lines prefiltered)\n`,
        );
      }
      return 0;
    } finally {
      runtime.close();
    }
  },
};

/** An incident may be updated several times during one scan: report its final state once. */
function latestPerIncident(outcomes: IncidentOutcome[]): IncidentOutcome[] {
  const byId = new Map<number, IncidentOutcome>();
  for (const outcome of outcomes) {
    const previous = byId.get(outcome.incident.id);
    byId.set(outcome.incident.id, previous?.created ? { ...outcome, created: true } : outcome);
  }
  return [...byId.values()].sort((a, b) => a.incident.id - b.incident.id);
}

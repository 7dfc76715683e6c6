import { UsageError } from '../../core/errors.ts';
import { INCIDENT_STATUSES, type Incident, type IncidentStatus } from '../../core/incident.ts';
import { openRuntime } from '../../network-guard/agent-runtime.ts';
import { approveIncident, rejectIncident } from '../../network-guard/incident-actions.ts';
import type { Command } from '../command.ts';
import { loadCliConfig, parseCommandArgs } from '../global-options.ts';
import { printTable, safeCell } from '../output.ts';
import { USAGE } from './incidents-usage.ts';

export const incidentsCommand: Command = {
  name: 'incidents',
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(
      args,
      {
        status: { type: 'string' },
        limit: { type: 'string' },
        format: { type: 'string' },
        by: { type: 'string' },
        reason: { type: 'string' },
      },
      USAGE,
      2,
    );
    const [verb = 'ls', idText] = positionals;
    if (values.status && !INCIDENT_STATUSES.includes(values.status as IncidentStatus)) {
      throw new UsageError(`--status: expected one of ${INCIDENT_STATUSES.join(', ')}`);
    }
    const runtime = await openRuntime(loadCliConfig(values, io));
    try {
      const incidents = runtime.store.incidents;
      if (verb === 'ls' || verb === 'list') {
        const list = incidents.list({
          status: values.status as IncidentStatus | undefined,
          limit: Number(values.limit ?? 50),
        });
        if (values.format === 'json')
          io.stdout.write(`${JSON.stringify({ incidents: list, counts: incidents.countsByStatus() }, null, 2)}\n`);
        else printTable(io.stdout, ['ID', 'IP', 'THREAT', 'SEVERITY', 'STATUS', 'HITS', 'UPDATED'], list.map(row));
        return 0;
      }
      const id = Number(idText);
      if (!Number.isInteger(id) || id <= 0) throw new UsageError(`expected an incident id\n\n${USAGE}`);
      const by = values.by ?? io.env.USER ?? 'cli';
      if (verb === 'show') {
        const incident = incidents.get(id);
        if (!incident) {
          io.stderr.write(`incident ${id} does not exist\n`);
          return 1;
        }
        const detail = {
          ...incident,
          statusReason: incidents.statusReason(id),
          actions: runtime.store.actions.forIncident(id),
        };
        if (values.format === 'json') io.stdout.write(`${JSON.stringify(detail, null, 2)}\n`);
        else io.stdout.write(describe(detail));
        return 0;
      }
      if (verb === 'approve') {
        const outcome = await approveIncident(id, by, runtime.blockContext);
        io.stdout.write(`${JSON.stringify(outcome)}\n`);
        return outcome.status === 'blocked' || outcome.status === 'already_blocked' ? 0 : 1;
      }
      if (verb === 'reject') {
        if (!values.reason) throw new UsageError('reject needs --reason "<why>"');
        const outcome = rejectIncident(id, by, values.reason, runtime.blockContext);
        io.stdout.write(`${JSON.stringify(outcome)}\n`);
        return outcome.status === 'rejected' ? 0 : 1;
      }
      throw new UsageError(`unknown verb "${verb}"\n\n${USAGE}`);
    } finally {
      runtime.close();
    }
  },
};

function row(incident: Incident): string[] {
  return [
    String(incident.id),
    incident.ip,
    incident.threatType,
    incident.severity,
    incident.status,
    String(incident.evidence.sensitiveHits),
    incident.updatedAt,
  ];
}

/** A network-level incident lists its members (attacker-chosen addresses: printed as cells, capped). */
function campaignLines(campaign: unknown): string[] {
  if (!campaign || typeof campaign !== 'object') return [];
  const { kind, memberCount, members } = campaign as { kind?: string; memberCount?: number; members?: unknown };
  const list = Array.isArray(members) ? members.slice(0, 50).map((member) => safeCell(String(member), 60)) : [];
  return [`Campaign (${safeCell(String(kind), 20)}): ${memberCount ?? list.length} members`, `  ${list.join(' ')}`];
}

function describe(
  detail: Incident & { statusReason?: string; actions: Array<{ id: number; status: string; plan: unknown }> },
): string {
  const evidence = detail.evidence;
  const lines = [
    `Incident ${detail.id}: ${detail.threatType} from ${detail.ip} (${detail.severity})`,
    `Status: ${detail.status} (${detail.decision})${detail.statusReason ? ` - ${safeCell(detail.statusReason, 200)}` : ''}`,
    `Seen: ${new Date(evidence.firstSeen).toISOString()} .. ${new Date(evidence.lastSeen).toISOString()}`,
    `Requests: ${evidence.requests}, sensitive: ${evidence.sensitiveHits}, distinct sensitive paths: ${evidence.distinctSensitivePaths}, peak/min: ${evidence.peakPerMinute}`,
    `Statuses: ${Object.entries(evidence.statuses)
      .map(([status, count]) => `${status}=${count}`)
      .join(' ')}`,
    'Reasons (rules that fired):',
    ...evidence.reasons.map((reason) => `  - ${safeCell(reason, 300)}`),
    ...(evidence.explanations?.length
      ? [
          'Site facts and checks (what was suppressed, and why):',
          ...evidence.explanations.map((note) => `  - ${safeCell(note, 300)}`),
        ]
      : []),
    ...campaignLines(evidence.extra?.campaign),
    'Top paths:',
    ...evidence.topPaths
      .slice(0, 10)
      .map((entry) => `  ${String(entry.count).padStart(6)}  ${safeCell(entry.path, 100)}`),
    'User agents:',
    ...evidence.userAgents
      .slice(0, 5)
      .map((entry) => `  ${String(entry.count).padStart(6)}  ${safeCell(entry.userAgent, 100)}`),
  ];
  if (detail.llmOpinion) lines.push(`LLM opinion: ${safeCell(JSON.stringify(detail.llmOpinion), 500)}`);
  for (const action of detail.actions) {
    lines.push(`Action ${action.id}: ${action.status}`);
    const diff = (action.plan as { diff?: string } | null)?.diff;
    if (diff)
      lines.push(
        ...diff
          .trimEnd()
          .split('\n')
          .map((line) => `  ${safeCell(line, 200)}`),
      );
  }
  return `${lines.join('\n')}\n`;
}

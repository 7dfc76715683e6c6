import type { Incident } from '../../core/incident.ts';
import { normalizeIp } from '../../core/ip-address.ts';
import { runAgentLoop } from '../../llm/agent-loop.ts';
import { GuardedLlmClient } from '../../llm/guarded-llm-client.ts';
import type { InjectionFlag } from '../../llm/guardrails/injection-detector.ts';
import type { LlmClient } from '../../llm/llm-client.ts';
import { type IncidentVerdict, incidentVerdictSchema } from './incident-verdict.ts';
import { createNetworkGuardTools, type NetworkGuardToolOptions } from './tools/network-guard-tools.ts';

export interface AdviseOptions {
  /** With tools (and a client that supports them), the model may investigate in a ReAct loop; otherwise one call. */
  tools?: Omit<NetworkGuardToolOptions, 'evidenceTargets'> & { evidenceTargets?: ReadonlySet<string> };
  maxTurns?: number;
}

export type IncidentAdvice =
  | {
      status: 'ok';
      verdict: IncidentVerdict;
      model: string;
      runId?: string;
      toolCalls?: Array<{ turn: number; tool: string; status: string; reason?: string }>;
      /** Likely prompt injections found in the evidence or tool outputs: flagged and recorded, never obeyed. */
      injections: InjectionFlag[];
      /** The verdict came from the forced final turn without tools (llm.max_turns reached). */
      forcedFinal?: boolean;
      turns?: number;
      /** Source-specific facts kept with the opinion (queries run, refused...). */
      details?: Record<string, unknown>;
    }
  | { status: 'unavailable' | 'invalid' | 'over_budget' | 'blocked'; error: string };

const SYSTEM = [
  'You are a security analyst reviewing one incident from a Traefik access-log detector.',
  'Decide whether the client is scanning for secrets (requests to .env, .git/config, wp-config.php, credentials',
  'files and similar sensitive paths, mostly answered 401/403/404, often with scanner user agents such as gitleaks,',
  'trufflehog or nuclei, at high rate) or is benign, or whether the evidence is not enough (uncertain).',
  'Your verdict is advice for a human and a deterministic policy; it never performs an action by itself.',
].join(' ');

/**
 * Asks the model for a verdict on an incident. The digest is evidence only (counts, paths, user agents, statuses,
 * samples), redacted and fenced by the client. Never throws for model trouble: callers continue deterministically.
 */
export async function adviseOnIncident(
  client: LlmClient,
  incident: Incident,
  options: AdviseOptions = {},
): Promise<IncidentAdvice> {
  const data = incidentDigest(incident);
  const instruction = `Give your verdict on incident ${incident.id} (client ${incident.ip}). The evidence follows.`;
  if (options.tools && client instanceof GuardedLlmClient) {
    const ip = normalizeIp(incident.ip) ?? incident.ip;
    const tools = createNetworkGuardTools({
      ...options.tools,
      evidenceTargets: options.tools.evidenceTargets ?? new Set([ip]),
    });
    const run = await runAgentLoop({
      client,
      tools,
      purpose: 'incident-triage-agent',
      system: SYSTEM,
      instruction,
      data,
      answerSchema: incidentVerdictSchema,
      incidentId: incident.id,
      maxTurns: options.maxTurns,
    });
    if (run.status !== 'ok') return { status: run.status, error: run.error };
    return {
      status: 'ok',
      verdict: run.value,
      model: client.description,
      runId: run.runId,
      toolCalls: run.toolCalls,
      injections: run.flags,
      forcedFinal: run.forcedFinal,
      turns: run.turns,
    };
  }
  const result = await client.generateJson({
    purpose: 'incident-triage',
    system: SYSTEM,
    instruction,
    data,
    schema: incidentVerdictSchema,
    incidentId: incident.id,
  });
  if (result.status !== 'ok') return result;
  return { status: 'ok', verdict: result.value, model: result.model, injections: result.injections ?? [] };
}

/** The evidence a model needs, bounded: top paths, agents and samples, not the raw stream. */
export function incidentDigest(incident: Incident): Record<string, unknown> {
  const evidence = incident.evidence;
  return {
    incident: {
      id: incident.id,
      ip: incident.ip,
      threatType: incident.threatType,
      severity: incident.severity,
      detectedAt: incident.detectedAt,
    },
    evidence: {
      source: evidence.source,
      requests: evidence.requests,
      sensitiveHits: evidence.sensitiveHits,
      distinctSensitivePaths: evidence.distinctSensitivePaths,
      peakPerMinute: evidence.peakPerMinute,
      firstSeen: isoTime(evidence.firstSeen),
      lastSeen: isoTime(evidence.lastSeen),
      statuses: evidence.statuses,
      topPaths: evidence.topPaths.slice(0, 20),
      userAgents: evidence.userAgents.slice(0, 10),
      scannerAgents: evidence.scannerAgents.slice(0, 10),
      detectorReasons: evidence.reasons.slice(0, 10),
      samples: evidence.samples.slice(0, 10),
    },
  };
}

function isoTime(epochMs: number): string | null {
  return Number.isFinite(epochMs) ? new Date(epochMs).toISOString() : null;
}

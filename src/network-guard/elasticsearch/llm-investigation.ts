import { createHash } from 'node:crypto';
import { errorMessage } from '../../core/errors.ts';
import type { Incident } from '../../core/incident.ts';
import { normalizeIp } from '../../core/ip-address.ts';
import { redactDeep } from '../../core/redact.ts';
import { runAgentLoop } from '../../llm/agent-loop.ts';
import type { GuardedLlmClient } from '../../llm/guarded-llm-client.ts';
import type { AgentTool, ToolContext } from '../../llm/tool-registry.ts';
import type { AgentRuntime } from '../agent-runtime.ts';
import { type AdviseOptions, type IncidentAdvice, incidentDigest } from '../investigation/incident-advisor.ts';
import { incidentVerdictSchema } from '../investigation/incident-verdict.ts';
import { createNetworkGuardTools } from '../investigation/tools/network-guard-tools.ts';
import { createQueryLogsTool } from '../investigation/tools/query-logs-tool.ts';
import type { ClientSelector } from './client-addressing.ts';
import type { TimeRange } from './detection-queries.ts';
import type { ElasticsearchDetector } from './elasticsearch-detector.ts';
import { guardQuery, type QueryGuardLimits } from './query-guard.ts';
import type { SearchBody } from './search-backend.ts';

const MAX_OUTPUT_CHARS = 12_000;

/** One query of the investigation, as kept in the incident's evidence. */
export interface InvestigationQuery {
  turn: number;
  by: 'agent' | 'model';
  status: 'ok' | 'refused' | 'failed';
  operation?: string;
  index?: string;
  body: unknown;
  hits?: number;
  resultHash?: string;
  bytes?: number;
  reason?: string;
}

const SYSTEM = [
  'You are a security analyst investigating one client of a web site through its Traefik access logs in',
  'Elasticsearch. The detector already found suspicious requests; you confirm or refute secrets scanning:',
  '1. read the summary of the initial query (401/403 and sensitive-path 404 traffic of this client in the window);',
  '2. propose follow-up Elasticsearch DSL queries with the query_logs tool (read-only: search or count, size 0 with',
  'aggregations is best; every query must filter the time field with a bounded range; no scripts);',
  '3. analyse request rates per IP and time window (e.g. a date_histogram per minute);',
  '4. state whether the behaviour matches secrets scanning (sensitive paths such as /.env, /.git/config,',
  'wp-config.php, mostly 401/403/404, scanner user agents such as gitleaks, trufflehog, nuclei, high rates), with reasons.',
  'Other tools, when listed, check the allowlist, show how the cluster blocks IPs, or block this client; a deterministic',
  "policy decides every block, and only the incident's own client may be named. Your verdict is advice.",
].join(' ');

/**
 * The spec's multi-turn flow for incidents found in Elasticsearch: our initial query, then the model's follow-up
 * queries (each through the read-only guard) and the other agent tools, then its verdict, stored as the incident's LLM
 * opinion. Every query, refused or run, is kept in the incident's evidence (`extra.llmQueries`) with hit counts and a
 * result hash. Never throws for model trouble. The daemon runs it in the background queue (ElasticsearchInvestigator),
 * never inside the detection window.
 */
export async function investigateIncident(
  runtime: AgentRuntime,
  detector: ElasticsearchDetector,
  client: GuardedLlmClient,
  incident: Incident,
  window: TimeRange,
  agentTools?: NonNullable<AdviseOptions['tools']>,
): Promise<{ status: string; queries: InvestigationQuery[]; advice: IncidentAdvice }> {
  const settings = runtime.config.elasticsearch!;
  const { store } = runtime;
  const fields = detector.profile.fields;
  const limits: QueryGuardLimits = {
    indexPattern: settings.index_pattern,
    timeField: fields.time,
    maxHits: settings.llm_queries.max_hits,
    maxBuckets: settings.llm_queries.max_buckets,
    maxRange: settings.llm_queries.max_range,
    timeout: settings.llm_queries.timeout,
  };
  const queries: InvestigationQuery[] = [];
  const ips = ((incident.evidence.extra?.clientIps as string[] | undefined) ?? [incident.ip]).slice(0, 50);
  // The client's documents as detection selected them (TCP peer, forwarded value behind trusted proxies).
  const selectors = (incident.evidence.extra?.clientSelectors as ClientSelector[] | undefined)?.slice(0, 50);
  const clientFilter = selectors?.length
    ? detector.queries.addressing.filter(selectors)
    : { terms: { [fields.client_ip]: ips } };

  const execute = async (input: unknown, turn: number, by: InvestigationQuery['by']): Promise<unknown> => {
    const guarded = guardQuery(input, limits);
    if (!guarded.ok) {
      queries.push({ turn, by, status: 'refused', body: redactDeep(input), reason: guarded.reason });
      store.audit.append('elasticsearch_query_refused', {
        incidentId: incident.id,
        turn,
        reason: guarded.reason,
        query: redactDeep(input),
      });
      throw new QueryRefused(guarded.reason);
    }
    try {
      const result =
        guarded.operation === 'count'
          ? await detector.backend.count(guarded.index, guarded.body.query)
          : await detector.backend.search(guarded.index, guarded.body);
      const output = modelView(result.body);
      const hits = guarded.operation === 'count' ? Number(result.body.count) : totalHits(result.body);
      const resultHash = createHash('sha256').update(JSON.stringify(result.body)).digest('hex');
      queries.push({
        turn,
        by,
        status: 'ok',
        operation: guarded.operation,
        index: guarded.index,
        body: guarded.body,
        hits,
        resultHash,
        bytes: result.bytes,
      });
      store.audit.append('elasticsearch_query', {
        incidentId: incident.id,
        turn,
        by,
        operation: guarded.operation,
        index: guarded.index,
        hits,
        resultHash,
      });
      return output;
    } catch (error) {
      queries.push({ turn, by, status: 'failed', body: guarded.body, reason: errorMessage(error).slice(0, 300) });
      throw error;
    }
  };

  // Step 1: our own initial query: this client's 401/403 and sensitive 404 traffic in the window.
  const initialQuery = {
    size: 0,
    query: {
      bool: {
        filter: [
          { range: { [fields.time]: { gte: window.from, lte: window.to, format: 'epoch_millis' } } },
          clientFilter,
          {
            bool: {
              should: [
                { terms: { [fields.status]: [401, 403] } },
                { bool: { filter: [{ term: { [fields.status]: 404 } }, detector.queries.sensitiveFilter] } },
              ],
              minimum_should_match: 1,
            },
          },
        ],
      },
    },
    aggs: {
      statuses: { terms: { field: fields.status, size: 10 } },
      paths: { terms: { field: fields.path, size: 25 } },
      ...(fields.user_agent ? { user_agents: { terms: { field: fields.user_agent, size: 10 } } } : {}),
      per_minute: { date_histogram: { field: fields.time, fixed_interval: '1m', min_doc_count: 1 } },
    },
  };
  let initialSummary: unknown;
  try {
    initialSummary = await execute(initialQuery, 0, 'agent');
  } catch (error) {
    initialSummary = { error: errorMessage(error) };
  }

  const queryTool = createQueryLogsTool(async (query) => execute(query, currentTurn, 'model'));
  let currentTurn = 0;
  const tool: AgentTool<{ query: Record<string, unknown> }> = {
    ...queryTool,
    description: `${queryTool.description} Index ${settings.index_pattern}; fields: ${Object.entries(fields)
      .map(([role, field]) => `${role}=${field}`)
      .join(
        ', ',
      )}. Allowed: {"operation":"search"|"count","query":{...},"aggs":{...},"size":<=${limits.maxHits}}; the query must bound ${fields.time} with a range.`,
    gate: (args: { query: Record<string, unknown> }, context: ToolContext) => {
      currentTurn = context.turn;
      const verdict = guardQuery(args.query, limits);
      if (verdict.ok) return { allowed: true };
      queries.push({
        turn: context.turn,
        by: 'model',
        status: 'refused',
        body: redactDeep(args.query),
        reason: verdict.reason,
      });
      store.audit.append('elasticsearch_query_refused', {
        incidentId: incident.id,
        turn: context.turn,
        reason: verdict.reason,
        query: redactDeep(args.query),
      });
      return { allowed: false, reason: `query refused by the read-only guard: ${verdict.reason}` };
    },
  };

  const evidenceTargets = new Set([normalizeIp(incident.ip) ?? incident.ip]);
  const tools = agentTools
    ? createNetworkGuardTools({ ...agentTools, queryLogsTool: tool as never, evidenceTargets })
    : [tool as never];
  const run = await runAgentLoop({
    client,
    tools,
    purpose: 'elasticsearch-investigation',
    system: SYSTEM,
    instruction: `Investigate client ${incident.ip} (incident ${incident.id}) between ${new Date(window.from).toISOString()} and ${new Date(window.to).toISOString()}. The time field is ${fields.time}, the client field ${fields.client_ip}.`,
    data: { ...incidentDigest(incident), initialQuery: { body: initialQuery, result: initialSummary } },
    answerSchema: incidentVerdictSchema,
    incidentId: incident.id,
    maxTurns: runtime.config.llm.max_turns,
  });
  const at = new Date().toISOString();
  store.incidents.setLlmOpinion(
    incident.id,
    run.status === 'ok'
      ? {
          status: 'ok',
          model: client.description,
          at,
          ...run.value,
          runId: run.runId,
          turns: run.turns,
          queries: queries.length,
          refusedQueries: queries.filter((query) => query.status === 'refused').length,
        }
      : { status: run.status, error: run.error, at, runId: run.runId, turns: run.turns },
  );
  const current = store.incidents.get(incident.id);
  if (current) {
    store.incidents.updateEvidence(
      incident.id,
      { ...current.evidence, extra: { ...current.evidence.extra, llmQueries: queries } },
      current.severity,
    );
  }
  const advice: IncidentAdvice =
    run.status === 'ok'
      ? {
          status: 'ok',
          verdict: run.value,
          model: client.description,
          runId: run.runId,
          turns: run.turns,
          forcedFinal: run.forcedFinal,
          toolCalls: run.toolCalls,
          injections: run.flags,
          details: {
            queries: queries.length,
            refusedQueries: queries.filter((query) => query.status === 'refused').length,
          },
        }
      : { status: run.status, error: run.error };
  return { status: run.status, queries, advice };
}

class QueryRefused extends Error {}

/** What the model sees of a response: totals, at most the guard's hits (sources only) and the aggregations, capped. */
function modelView(body: SearchBody): unknown {
  if (typeof body.count === 'number') return { count: body.count };
  const view = {
    total: totalHits(body),
    hits: (body.hits?.hits ?? []).map((hit: SearchBody) => hit._source),
    aggregations: body.aggregations,
  };
  const text = JSON.stringify(view);
  return text.length <= MAX_OUTPUT_CHARS ? view : { truncated: true, json: text.slice(0, MAX_OUTPUT_CHARS) };
}

function totalHits(body: SearchBody): number {
  const total = body.hits?.total;
  return typeof total === 'number' ? total : Number(total?.value ?? 0);
}

import type { Config } from '../config/schema.ts';
import type { Decision, Finding, Incident } from '../core/incident.ts';
import type { LogEvent } from '../core/log-event.ts';
import { metrics } from '../core/metrics.ts';
import { activeKey } from '../store/incident-store.ts';
import type { Store } from '../store/store.ts';
import { type BlockContext, executeBlock, planBlock } from './blocking/block-executor.ts';
import { BlockPolicy } from './blocking/block-policy.ts';
import type { Blocker } from './blocking/blocker.ts';
import { SecretsScanningDetector } from './detection/secrets-scanning-detector.ts';
import { RecentLogEvents } from './investigation/recent-log-events.ts';

/** Where new incidents go for an LLM investigation (the background queue); `offer` must never wait for a model. */
export interface IncidentInvestigations {
  /** Auto mode with llm.confirm_before_block: a new incident's block waits for the model's verdict (or a timeout). */
  readonly confirmsBlocks: boolean;
  offer(incident: Incident, options: { confirm: boolean }): void;
}

export interface NetworkGuardOptions {
  config: Config;
  store: Store;
  blocker: Blocker;
  /** Name of the log source, kept in evidence (`traefik-file:/var/log/traefik/access.log`, `elasticsearch`). */
  source: string;
  /** Called for every incident created or updated (LLM advice, notifications, progress). */
  onIncident?: (outcome: IncidentOutcome) => void;
  /** The LLM investigation queue, when an LLM is configured; attached later with `attachInvestigations`. */
  investigations?: IncidentInvestigations;
  now?: () => Date;
}

export interface IncidentOutcome {
  incident: Incident;
  decision: Decision;
  created: boolean;
}

/**
 * The network guard's one path from log events to decisions: detector -> one incident per IP and threat ->
 * deterministic policy (allowlist, protected ranges, mode) -> block now (auto), recommend with a stored plan (review),
 * or only record (disabled). Every source (file tail, file replay, Elasticsearch) feeds this same class.
 */
export class NetworkGuard {
  readonly detector: SecretsScanningDetector;
  readonly policy: BlockPolicy;
  readonly blockContext: BlockContext;
  /** The events this guard observed lately, for the agent's query_logs on the file source. */
  readonly recentEvents = new RecentLogEvents();
  readonly #options: NetworkGuardOptions;
  readonly #activeKeys: Set<string>;
  #investigations: IncidentInvestigations | undefined;

  constructor(options: NetworkGuardOptions) {
    this.#options = options;
    this.#investigations = options.investigations;
    const { config, store } = options;
    // Read once: a new client costs no database round trip unless it has an active incident (incidents this guard
    // opens are added in #handle; one opened meanwhile by another process is found on its next restart).
    this.#activeKeys = store.incidents.activeKeys();
    this.detector = new SecretsScanningDetector(config.detection, {
      source: options.source,
      seed: (ip, threatType) =>
        this.#activeKeys.has(activeKey(ip, threatType))
          ? store.incidents.findActive(ip, threatType)?.evidence
          : undefined,
    });
    this.policy = new BlockPolicy({
      allowlist: store.allowlist,
      trustedProxies: config.trusted_proxies,
      protectedRanges: config.blocking.protected_ranges,
      protectPrivateRanges: config.blocking.protect_private_ranges,
    });
    this.blockContext = {
      store,
      blocker: options.blocker,
      policy: this.policy,
      mode: config.mode,
      blockSeconds: config.blocking.duration,
      now: options.now,
    };
  }

  /** The investigation queue needs the guard's policy and events, so it is attached once both exist. */
  attachInvestigations(investigations: IncidentInvestigations | undefined): void {
    this.#investigations = investigations;
  }

  observe(events: readonly LogEvent[]): void {
    for (const event of events) this.detector.observe(event);
    this.recentEvents.push(events);
  }

  /** Turns the detector's new findings into incidents and decisions; returns what changed. */
  async flush(): Promise<IncidentOutcome[]> {
    return this.ingestFindings(this.detector.drainFindings());
  }

  /**
   * Findings computed elsewhere with the same semantics (Elasticsearch aggregations) enter here, so incidents,
   * policy and actions are the same whatever the source.
   */
  async ingestFindings(findings: readonly Finding[]): Promise<IncidentOutcome[]> {
    const outcomes: IncidentOutcome[] = [];
    for (const finding of findings) {
      const outcome = await this.#handle(finding);
      if (!outcome) continue;
      outcomes.push(outcome);
      this.#options.onIncident?.(outcome);
    }
    return outcomes;
  }

  async #handle(finding: Finding): Promise<IncidentOutcome | undefined> {
    const { store, config } = this.#options;
    const now = this.#options.now?.() ?? new Date();
    const existing = store.incidents.findActive(finding.ip, finding.threatType);
    if (existing) {
      const incident = store.incidents.updateEvidence(existing.id, finding.evidence, finding.severity, now);
      return { incident, decision: incident.decision, created: false };
    }
    // An unblocked or expired incident stays closed until there is evidence it did not have: Elasticsearch cycles
    // search the same documents again (the slow window is an hour). The source's own filter (`settledBefore`) only
    // helps while the client is silent; an unblocked client that keeps browsing moves lastSeen, and without this its
    // old probes would block it again at once (traefik-elasticsearch-e2e: unblock).
    const closed = store.incidents.findLastResolved(finding.ip, finding.threatType);
    if (closed && !hasNewEvidence(finding, closed)) return undefined;
    const verdict = this.policy.evaluate(finding.ip);
    const investigations = this.#investigations;
    const [proposedStatus, decision, proposedReason] = !verdict.allowed
      ? verdict.rule === 'allowlisted'
        ? (['allowed', 'allowlisted', verdict.reason] as const)
        : (['open', 'recorded', verdict.reason] as const)
      : config.mode === 'disabled'
        ? (['open', 'recorded', 'mode is disabled: recorded only'] as const)
        : config.mode === 'review'
          ? (['pending', 'recommended', 'awaiting review'] as const)
          : (['blocking', 'recommended', 'auto mode'] as const);
    // The model may veto an automatic block, never cause one: the incident waits (pending) for its verdict, and a
    // timer in the queue blocks it after llm.confirm_timeout whatever the model does.
    const confirm = proposedStatus === 'blocking' && investigations?.confirmsBlocks === true;
    const status = confirm ? 'pending' : proposedStatus;
    const reason = confirm
      ? `auto mode: awaiting the model's confirmation (up to ${config.llm.confirm_timeout}s, then blocked)`
      : proposedReason;
    const created = store.transaction(() => {
      const incident = store.incidents.create(finding, status, decision, now);
      this.#activeKeys.add(activeKey(finding.ip, finding.threatType));
      store.incidents.setStatus(incident.id, status, decision, reason);
      store.audit.append('incident_created', {
        incidentId: incident.id,
        ip: finding.ip,
        threatType: finding.threatType,
        severity: finding.severity,
        decision,
        reason,
        ...(confirm ? { awaitingConfirmation: true } : {}),
      });
      return incident;
    });
    metrics.increment('devops_agent_incidents_total', { threat_type: finding.threatType, decision });
    // How far behind the logs detection runs: from the newest line of the evidence to this incident.
    const lagSeconds = (now.getTime() - finding.evidence.lastSeen) / 1000;
    if (finding.evidence.lastSeen > 0 && lagSeconds >= 0) {
      metrics.detectionLag.observe({ threat_type: finding.threatType }, lagSeconds);
    }
    if (decision !== 'allowlisted') investigations?.offer(store.incidents.get(created.id)!, { confirm });
    if (status === 'pending' && !confirm) await this.#recordRecommendation(created);
    if (status === 'blocking') {
      const outcome = await executeBlock(created, 'devops-agent (auto mode)', this.blockContext);
      const incident = store.incidents.get(created.id)!;
      return {
        incident,
        decision: outcome.status === 'blocked' || outcome.status === 'already_blocked' ? 'blocked' : incident.decision,
        created: true,
      };
    }
    return { incident: store.incidents.get(created.id)!, decision, created: true };
  }

  /** Review mode: store the exact change approval would make, so the reviewer sees the diff before deciding. */
  async #recordRecommendation(incident: Incident): Promise<void> {
    const plan = await planBlock(incident, this.blockContext);
    this.#options.store.actions.record({
      incidentId: incident.id,
      actionType: 'block_ip',
      mode: this.#options.config.mode,
      target: incident.ip,
      blocker: this.#options.blocker.kind,
      status: 'planned',
      plan,
      result: null,
      approvedBy: null,
      appliedAt: null,
    });
  }
}

/** New sensitive hits since the incident was closed, or activity that starts after everything it had seen. */
function hasNewEvidence(finding: Finding, closed: Incident): boolean {
  return (
    finding.evidence.sensitiveHits > closed.evidence.sensitiveHits ||
    finding.evidence.firstSeen > closed.evidence.lastSeen
  );
}

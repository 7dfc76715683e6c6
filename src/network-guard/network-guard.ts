import type { Config } from '../config/schema.ts';
import type { Decision, Finding, Incident } from '../core/incident.ts';
import type { LogEvent } from '../core/log-event.ts';
import { metrics } from '../core/metrics.ts';
import { activeKey } from '../store/incident-store.ts';
import type { Store } from '../store/store.ts';
import { type BlockContext, executeBlock, planBlock } from './blocking/block-executor.ts';
import { BlockPolicy } from './blocking/block-policy.ts';
import type { Blocker, BlockPlan } from './blocking/blocker.ts';
import { checkCrawlers } from './crawler-decisions.ts';
import { CrawlerVerifier } from './detection/crawler-verifier.ts';
import { SecretsScanningDetector } from './detection/secrets-scanning-detector.ts';
import { SiteProfile } from './detection/site-profile.ts';
import { SiteProfileStore } from './detection/site-profile-store.ts';
import { writeIncidents } from './incident-writer.ts';
import { RecentLogEvents } from './investigation/recent-log-events.ts';

/** Findings written per transaction: big enough that a storm costs few commits, small enough to stay responsive. */
const BATCH = 2000;

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
  readonly profile: SiteProfile;
  readonly profileStore: SiteProfileStore;
  readonly crawlers: CrawlerVerifier | undefined;
  readonly policy: BlockPolicy;
  readonly blockContext: BlockContext;
  /**
   * The events this guard observed lately, for the agent's query_logs on the file source: kept only while an
   * investigation queue is attached (with no LLM nothing reads them, and holding 20,000 events made every parsed event
   * outlive V8's young generation: a flood of new clients then filled the old generation with them).
   */
  readonly recentEvents = new RecentLogEvents();
  readonly #options: NetworkGuardOptions;
  readonly #activeKeys: Set<string>;
  #investigations: IncidentInvestigations | undefined;

  constructor(options: NetworkGuardOptions) {
    this.#options = options;
    this.#investigations = options.investigations;
    const { config, store } = options;
    const detection = config.detection;
    this.profile = new SiteProfile(detection.site_profile, detection.public_paths, detection.always_sensitive);
    this.profileStore = new SiteProfileStore(store.db);
    this.profileStore.load(this.profile);
    this.crawlers = detection.crawlers.verify ? new CrawlerVerifier(detection.crawlers) : undefined;
    // Read once: a new client costs no database round trip unless it has an active incident (incidents this guard
    // opens are added in ingestFindings; one opened meanwhile by another process is found on its next restart).
    this.#activeKeys = store.incidents.activeKeys();
    this.detector = new SecretsScanningDetector(detection, {
      source: options.source,
      // No active incident at all (a fresh scan): no key to build for each new client.
      seed: (ip, threatType) =>
        this.#activeKeys.size > 0 && this.#activeKeys.has(activeKey(ip, threatType))
          ? store.incidents.findActive(ip, threatType)?.evidence
          : undefined,
      profile: this.profile,
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
    if (this.#investigations) this.recentEvents.push(events);
  }

  /**
   * Turns the detector's new findings into incidents and decisions; returns what changed. `final` (end of a replay)
   * judges the exposures still waiting for the site profile. The profile is saved after every flush.
   */
  async flush(final = false): Promise<IncidentOutcome[]> {
    const outcomes = await this.ingestFindings(this.detector.drainFindings(final));
    this.saveProfile();
    return outcomes;
  }

  /** Writes what the site profile learned since the last save (one transaction). */
  saveProfile(): void {
    this.profileStore.save(this.profile);
  }

  /**
   * Findings computed elsewhere with the same semantics (Elasticsearch aggregations) enter here, so incidents,
   * policy and actions are the same whatever the source. Written in batches, one transaction per batch.
   */
  async ingestFindings(findings: readonly Finding[]): Promise<IncidentOutcome[]> {
    const { store, config } = this.#options;
    const outcomes: IncidentOutcome[] = [];
    const investigations = this.#investigations;
    for (let start = 0; start < findings.length; start += BATCH) {
      const checked = await checkCrawlers(findings.slice(start, start + BATCH), this.crawlers, config.mode);
      const now = this.#options.now?.() ?? new Date();
      // The model may veto an automatic block, never cause one: the incident waits (pending) for its verdict, and a
      // timer in the queue blocks it after llm.confirm_timeout whatever the model does.
      const confirmBlocks = investigations?.confirmsBlocks === true;
      // An unblocked or expired incident stays closed until there is evidence it did not have: Elasticsearch cycles
      // search the same documents again (the slow window is an hour), and an unblocked client that keeps browsing
      // would otherwise be blocked again at once for its old probes (traefik-elasticsearch-e2e: unblock).
      const settled = (finding: Finding) => {
        const closed = store.incidents.findLastResolved(finding.ip, finding.threatType);
        return closed !== undefined && !hasNewEvidence(finding, closed);
      };
      const written = writeIncidents(store, config, this.policy, checked, now, confirmBlocks, settled);
      for (const { incident, created } of written) {
        if (!created) continue;
        this.#activeKeys.add(activeKey(incident.ip, incident.threatType));
        // How far behind the logs detection runs: from the newest line of the evidence to this incident.
        const lagSeconds = (now.getTime() - incident.evidence.lastSeen) / 1000;
        if (incident.evidence.lastSeen > 0 && lagSeconds >= 0)
          metrics.detectionLag.observe({ threat_type: incident.threatType }, lagSeconds);
      }
      const review = written.filter((w) => w.created && w.incident.status === 'pending' && !w.awaitingConfirmation);
      await this.#recordRecommendations(review.map(({ incident }) => incident));
      for (const { incident, created, awaitingConfirmation } of written) {
        if (created && incident.decision !== 'allowlisted')
          investigations?.offer(store.incidents.get(incident.id)!, { confirm: awaitingConfirmation === true });
        let outcome: IncidentOutcome = { incident, decision: incident.decision, created };
        if (created && incident.status === 'blocking') {
          const result = await executeBlock(incident, 'devops-agent (auto mode)', this.blockContext);
          const current = store.incidents.get(incident.id)!;
          const blocked = result.status === 'blocked' || result.status === 'already_blocked';
          outcome = { incident: current, decision: blocked ? 'blocked' : current.decision, created };
        }
        outcomes.push(outcome);
        this.#options.onIncident?.(outcome);
      }
    }
    return outcomes;
  }

  /** Review mode: store the exact change approval would make, so the reviewer sees the diff before deciding. */
  async #recordRecommendations(incidents: readonly Incident[]): Promise<void> {
    if (incidents.length === 0) return;
    const plans: BlockPlan[] = [];
    for (const incident of incidents) plans.push(await planBlock(incident, this.blockContext));
    const { store, config, blocker } = this.#options;
    store.transaction(() => {
      incidents.forEach((incident, index) => {
        store.actions.record({
          incidentId: incident.id,
          actionType: 'block_ip',
          mode: config.mode,
          target: incident.ip,
          blocker: blocker.kind,
          status: 'planned',
          plan: plans[index],
          result: null,
          approvedBy: null,
          appliedAt: null,
        });
      });
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

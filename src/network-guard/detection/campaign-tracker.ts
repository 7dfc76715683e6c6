import { createHash } from 'node:crypto';
import type { Evidence, Finding } from '../../core/incident.ts';
import { cidrBounds, ipFamily } from '../../core/ip-address.ts';
import { CampaignMembers, type NetworkKey } from './campaign-members.ts';

export interface CampaignSettings {
  enabled: boolean;
  min_members: number;
  max_tracked: number;
}

export interface CampaignThresholds {
  slow_window: number;
  distinct_sensitive_paths: number;
  min_sensitive_failures: number;
}

/** One client's sensitive probes as a campaign sees them (it stayed under the per-client thresholds). */
export interface MemberProbes {
  key: string;
  paths: readonly string[];
  failures: number;
  requests: number;
  agent: string;
  firstSeen: number;
  lastSeen: number;
}

interface Group {
  kind: 'prefix' | 'fingerprint';
  label: string;
  members: MemberProbes[];
}

/** The network a client belongs to for campaigns: its /24 (IPv4) or /48 (IPv6, /64 client keys included). */
export function campaignPrefix(clientKey: string): string {
  return networkLabel(networkKey(clientKey));
}

function networkKey(clientKey: string): NetworkKey {
  const slash = clientKey.indexOf('/');
  const address = slash < 0 ? clientKey : clientKey.slice(0, slash);
  // Without a colon it cannot be IPv6 (ipFamily's isIP not needed).
  if (!address.includes(':') || ipFamily(address) === 'ipv4')
    return ipv4Network(address) ?? `${firstLabels(address, 3)}.0/24`;
  const [first] = cidrBounds({ address, prefix: 48, family: 'ipv6' });
  return `${first}/48`;
}

function networkLabel(key: NetworkKey): string {
  return typeof key === 'number' ? `${key >>> 16}.${(key >>> 8) & 255}.${key & 255}.0/24` : key;
}

/** The first three octets of a dotted address as one number; undefined unless they are 0-255 without leading zeros. */
function ipv4Network(address: string): number | undefined {
  let network = 0;
  let index = 0;
  for (let octet = 0; octet < 3; octet++) {
    const start = index;
    let value = 0;
    for (; index < address.length; index++) {
      const code = address.charCodeAt(index);
      if (code < 48 || code > 57) break;
      value = value * 10 + code - 48;
    }
    const digits = index - start;
    if (digits === 0 || digits > 3 || value > 255 || (digits > 1 && address.charCodeAt(start) === 48)) return undefined;
    if (address.charCodeAt(index) !== 46 /* . */) return undefined;
    index++;
    network = network * 256 + value;
  }
  return network;
}

/** The text before the `count`-th dot, or all of it when it has fewer dots (as split/slice/join would give). */
function firstLabels(address: string, count: number): string {
  let dot = -1;
  for (let seen = 0; seen < count; seen++) {
    dot = address.indexOf('.', dot + 1);
    if (dot < 0) return address;
  }
  return address.slice(0, dot);
}

/** Same path set and same agent: the signature of one tool run from many addresses. */
export function probeFingerprint(paths: readonly string[], agent: string): string {
  const text = `${[...paths].sort().join('\n')}\n${agent}`;
  return `fingerprint:${createHash('sha256').update(text).digest('hex').slice(0, 12)}`;
}

/**
 * Distributed scans: sensitive probes of clients that each stay under the per-client thresholds, aggregated by /24,
 * /48 and probe fingerprint. When a group of at least `min_members` clients together crosses a per-client threshold
 * (distinct sensitive paths, or 401/403/404 failures with more than one path) within the slow window, it is one
 * network-level finding listing its members. Both detectors (file and Elasticsearch) feed it the same summaries, so
 * they reach the same verdicts. Memory is bounded by `max_tracked` members.
 */
export class CampaignTracker {
  readonly #settings: CampaignSettings;
  readonly #thresholds: CampaignThresholds;
  readonly #members = new CampaignMembers();
  /** Networks whose members changed, so findings() judges only them. */
  readonly #dirtyPrefixes = new Set<NetworkKey>();
  /** Networks whose members crossed a threshold together when last judged (their members join no fingerprint). */
  readonly #crossing = new Set<NetworkKey>();
  #changed = false;

  constructor(settings: CampaignSettings, thresholds: CampaignThresholds) {
    this.#settings = settings;
    this.#thresholds = thresholds;
  }

  get size(): number {
    return this.#members.size;
  }

  /** Records (or replaces) one client's summary. */
  observe(probes: MemberProbes): void {
    if (!this.#settings.enabled) return;
    const { key, paths, failures, requests, agent, firstSeen, lastSeen } = probes;
    const network = networkKey(key);
    this.#joined(network, this.#members.set(network, key, paths, failures, requests, agent, firstSeen, lastSeen));
  }

  /** observe() of a client's first and only probe, without building its summary (a flood is made of these). */
  observeProbe(key: string, path: string, failed: boolean, agent: string, time: number): void {
    if (!this.#settings.enabled) return;
    const network = networkKey(key);
    this.#joined(network, this.#members.set(network, key, path, failed ? 1 : 0, 1, agent, time, time));
  }

  /**
   * After a member joined (or changed in) `network`, which now has `count` members. A new member past `max_tracked`
   * makes the oldest go (it is the newest itself, so it stays): one lookup per member, not a check before it.
   */
  #joined(network: NetworkKey, count: number): void {
    this.#markForJudging(network, count);
    this.#changed = true;
    if (this.#members.size > this.#settings.max_tracked) this.#evictOldest();
  }

  /**
   * The least recently seen twentieth goes at once (the tracker then has room for as many new members before it
   * evicts again).
   */
  #evictOldest(): void {
    const count = Math.max(1, Math.floor(this.#settings.max_tracked / 20));
    this.#members.evictOldest(count, (network, left) => this.#markForJudging(network, left));
  }

  forget(key: string): void {
    const network = networkKey(key);
    const left = this.#members.delete(network, key);
    if (left >= 0) this.#markForJudging(network, left);
  }

  /**
   * A network whose members changed is judged at the next findings(), when it can be a campaign (min_members or
   * more) or was one (its crossing mark must go). A flood of new addresses puts one member in each of a million
   * networks: none of them is judged.
   */
  #markForJudging(prefix: NetworkKey, members: number): void {
    if (members >= this.#settings.min_members || this.#crossing.has(prefix)) this.#dirtyPrefixes.add(prefix);
  }

  /** Campaign findings for the groups that cross a threshold together; `now` bounds the slow window. */
  findings(now: number, source: string): Finding[] {
    if (!this.#changed) return [];
    this.#changed = false;
    const windowStart = now - this.#thresholds.slow_window * 1000;
    const findings: Finding[] = [];
    for (const prefix of this.#dirtyPrefixes) {
      for (const member of this.#members.networkMembers(prefix))
        if (member.lastSeen < windowStart) this.forget(member.key);
      const members = this.#members.networkMembers(prefix);
      // Fewer than min_members cannot be a campaign (#judge says so too, after copying them).
      const finding =
        members.length >= this.#settings.min_members
          ? this.#judge({ kind: 'prefix', label: networkLabel(prefix), members }, source)
          : undefined;
      if (finding) {
        findings.push(finding);
        this.#crossing.add(prefix);
      } else this.#crossing.delete(prefix);
    }
    this.#dirtyPrefixes.clear();
    // One tool run from many networks: members already in a network-level incident are not counted twice.
    const fingerprints = new Map<string, Group>();
    for (const { probes, network } of this.#members.multiPath(windowStart)) {
      if (this.#crossing.has(network)) continue;
      addTo(fingerprints, 'fingerprint', probeFingerprint(probes.paths, probes.agent), probes);
    }
    for (const group of fingerprints.values()) {
      const finding = this.#judge(group, source);
      if (finding) findings.push(finding);
    }
    return findings.sort((a, b) => a.ip.localeCompare(b.ip));
  }

  #judge(group: Group, source: string): Finding | undefined {
    const members = group.members;
    // A fingerprint group inside one prefix is that prefix's campaign already.
    if (group.kind === 'fingerprint' && new Set(members.map((m) => networkKey(m.key))).size < 2) return undefined;
    if (members.length < this.#settings.min_members) return undefined;
    const paths = new Map<string, number>();
    let failures = 0;
    let requests = 0;
    for (const member of members) {
      failures += member.failures;
      requests += member.requests;
      for (const path of member.paths) paths.set(path, (paths.get(path) ?? 0) + 1);
    }
    const { distinct_sensitive_paths: distinct, min_sensitive_failures: minFailures } = this.#thresholds;
    const reasons: string[] = [];
    if (paths.size >= distinct) reasons.push(`together ${paths.size} distinct sensitive paths (threshold ${distinct})`);
    if (failures >= minFailures && paths.size >= 2)
      reasons.push(`together ${failures} sensitive requests answered 401/403/404 (threshold ${minFailures})`);
    if (reasons.length === 0) return undefined;
    const where =
      group.kind === 'prefix' ? `in ${group.label}` : `sharing one probe fingerprint (same paths, same agent)`;
    const summary = `campaign: ${members.length} clients ${where}, each under the per-client thresholds`;
    const agents = new Map<string, number>();
    for (const member of members) agents.set(member.agent, (agents.get(member.agent) ?? 0) + 1);
    const evidence: Evidence = {
      requests,
      sensitiveHits: members.reduce((sum, member) => sum + member.paths.length, 0),
      firstSeen: Math.min(...members.map((m) => m.firstSeen)),
      lastSeen: Math.max(...members.map((m) => m.lastSeen)),
      statuses: {},
      topPaths: [...paths]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 25)
        .map(([path, count]) => ({ path, count })),
      userAgents: [...agents]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 8)
        .map(([userAgent, count]) => ({ userAgent, count })),
      scannerAgents: [],
      distinctSensitivePaths: paths.size,
      peakPerMinute: 0,
      perMinute: {},
      samples: [],
      reasons: [summary, ...reasons],
      explanations: [
        group.kind === 'prefix'
          ? `network-level incident: the block target is ${group.label} when the policy allows it, else a recommendation`
          : 'members are in different networks: no single prefix to block, members listed for review',
      ],
      source,
      extra: {
        campaign: {
          kind: group.kind,
          key: group.label,
          members: members
            .map((m) => m.key)
            .sort()
            .slice(0, 200),
          memberCount: members.length,
        },
      },
    };
    return { ip: group.label, threatType: 'secrets_scanning', severity: 'high', evidence };
  }
}

function addTo(groups: Map<string, Group>, kind: Group['kind'], label: string, member: MemberProbes): void {
  let group = groups.get(label);
  if (!group) {
    group = { kind, label, members: [] };
    groups.set(label, group);
  }
  group.members.push(member);
}

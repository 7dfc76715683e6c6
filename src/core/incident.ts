export const THREAT_TYPES = [
  'secrets_scanning',
  'secret_exposure',
  'ssh_bruteforce',
  'workload_health',
  'vulnerability',
] as const;
export type ThreatType = (typeof THREAT_TYPES)[number];

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/**
 * Lifecycle: open (recorded only) | allowed (allowlisted) | pending (awaiting review) -> blocking (being applied) ->
 * blocked | failed; pending -> rejected; blocked -> resolved (unblocked or expired).
 */
export const INCIDENT_STATUSES = [
  'open',
  'pending',
  'blocking',
  'blocked',
  'rejected',
  'allowed',
  'failed',
  'resolved',
] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

export type Decision = 'blocked' | 'recommended' | 'allowlisted' | 'recorded';

/** What a detector saw, accumulated per IP and threat. All strings inside are attacker-controlled. */
export interface Evidence {
  requests: number;
  sensitiveHits: number;
  firstSeen: number;
  lastSeen: number;
  statuses: Record<string, number>;
  topPaths: Array<{ path: string; count: number }>;
  userAgents: Array<{ userAgent: string; count: number }>;
  scannerAgents: string[];
  distinctSensitivePaths: number;
  peakPerMinute: number;
  /** Requests per minute bucket (epoch minute -> count), bounded. */
  perMinute: Record<string, number>;
  samples: string[];
  reasons: string[];
  /** What else the decision rested on: which site facts or crawler checks suppressed what (for people, not rules). */
  explanations?: string[];
  source: string;
  /** Free-form extras from specific sources (ES queries, hashes, Kibana link...). */
  extra?: Record<string, unknown>;
}

/** A detector's output: one threat from one IP, with the evidence so far. */
export interface Finding {
  ip: string;
  threatType: ThreatType;
  severity: Severity;
  evidence: Evidence;
}

export interface Incident {
  id: number;
  ip: string;
  threatType: ThreatType;
  severity: Severity;
  status: IncidentStatus;
  detectedAt: string;
  updatedAt: string;
  decision: Decision;
  evidence: Evidence;
  llmOpinion?: unknown;
}

// Test helper: the finding a six-probe secrets scan produces, for tests and benches that feed NetworkGuard.ingestFindings
// directly (many incidents at once) without replaying the log events behind them.
import type { Finding } from '../incident.ts';

export function sixProbeScanFinding(ip: string, firstSeen: number, source: string, samples: string[] = []): Finding {
  return {
    ip,
    threatType: 'secrets_scanning',
    severity: 'medium',
    evidence: {
      requests: 6,
      sensitiveHits: 6,
      firstSeen,
      lastSeen: firstSeen + 5000,
      statuses: { '404': 6 },
      topPaths: [{ path: '/.env', count: 6 }],
      userAgents: [{ userAgent: 'curl/8.0', count: 6 }],
      scannerAgents: [],
      distinctSensitivePaths: 6,
      peakPerMinute: 6,
      perMinute: {},
      samples,
      reasons: ['5+ distinct sensitive paths within 3600s'],
      source,
    },
  };
}

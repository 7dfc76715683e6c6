import { judgeExposures } from '../detection/exposure-judge.ts';
import { TRAVERSAL_REASON } from '../detection/path-matcher.ts';
import type { SecretsScanningSettings } from '../detection/secrets-scanning-detector.ts';
import type { SiteProfile } from '../detection/site-profile.ts';
import { type ClientAggregate, peakBurst, type Verdict } from './client-aggregates.ts';

/**
 * The file detector's rules over one client's aggregates for a range: burst, scanner agent, distinct sensitive
 * paths, 401/403/404 failures on more than one path (a single polled path is a poller), a claimed crawler, and leaks
 * judged with the site profile (the whole range is known, so nothing waits), and `returning`: the returning-scanner
 * reason its visits over earlier ranges give (ReturningClients), if any. Same thresholds, same severities.
 */
export function clientVerdicts(
  client: ClientAggregate,
  settings: SecretsScanningSettings,
  profile: SiteProfile,
  returning?: string,
): Verdict[] {
  const reasons: string[] = [];
  const burst = peakBurst(client, settings.window) > settings.rate_per_window;
  if (burst) reasons.push(`more than ${settings.rate_per_window} sensitive-path requests within ${settings.window}s`);
  const scanner = client.scannerRequests >= settings.scanner_agent_min_requests && client.sensitiveHits > 0;
  if (scanner) reasons.push(`scanner user agent (${[...client.scannerAgents].join(', ')}) probing sensitive paths`);
  const distinct = client.sensitivePaths.size;
  if (distinct >= settings.distinct_sensitive_paths)
    reasons.push(`${settings.distinct_sensitive_paths}+ distinct sensitive paths within ${settings.slow_window}s`);
  if (client.sensitiveFailures >= settings.min_sensitive_failures && distinct >= 2)
    reasons.push(
      `${settings.min_sensitive_failures}+ sensitive requests answered 401/403/404 within ${settings.slow_window}s`,
    );
  if (client.traversals > 0) reasons.push(TRAVERSAL_REASON);
  if (returning) reasons.push(returning);
  if (client.crawlerClaim && client.sensitiveHits > 0)
    reasons.push(`claims to be ${client.crawlerClaim} while requesting sensitive paths (verified by reverse DNS)`);
  const verdicts: Verdict[] = [];
  if (reasons.length > 0) {
    const authProbed = (client.statuses.get('401') ?? 0) + (client.statuses.get('403') ?? 0) > 0;
    const high = burst || scanner || distinct >= 20 || authProbed || client.traversals > 0;
    verdicts.push({ threatType: 'secrets_scanning', severity: high ? 'high' : 'medium', reasons });
  }
  if (client.exposures.length > 0) {
    const probing = reasons.length > 0 || client.sensitiveFailures > 0;
    const judgement = judgeExposures(client.exposures, profile, client.lastSeen, true, 0, probing, client.key);
    for (const note of judgement.notes) if (client.notes.size < 12) client.notes.add(note);
    const leaked = [...new Set(judgement.leaks.map((leak) => leak.path.slice(0, 300)))].slice(0, 10);
    if (leaked.length > 0) {
      verdicts.push({
        threatType: 'secret_exposure',
        severity: 'critical',
        reasons: [
          `sensitive path answered 2xx with content to few clients: ${leaked.join(', ')} (a secret may have leaked)${distinct > leaked.length ? `, after probing ${distinct} sensitive paths` : ''}`,
        ],
        leakedPaths: leaked,
      });
    }
  }
  return verdicts;
}

import type { Mode } from '../config/schema.ts';
import type { Finding } from '../core/incident.ts';
import type { CrawlerCheck, CrawlerVerifier } from './detection/crawler-verifier.ts';
import type { DecisionOverride } from './incident-writer.ts';

/**
 * Decisions fixed by our own checks before policy. Fingerprint campaigns have no block target (recorded, members
 * listed).
 * Findings whose client claims to be a search engine crawler are checked by forward-confirmed reverse DNS before any
 * decision: a verified crawler is recorded and never blocked; a spoofer keeps its finding with one more reason; a
 * check that got no answer goes to a human (review), never to a block, whatever the mode.
 */
export async function checkCrawlers(
  findings: readonly Finding[],
  verifier: CrawlerVerifier | undefined,
  mode: Mode,
): Promise<Array<{ finding: Finding; override?: DecisionOverride }>> {
  const checked: Array<{ finding: Finding; override?: DecisionOverride }> = [];
  const checks = await verifyConcurrently(findings, verifier);
  for (const finding of findings) {
    if (finding.ip.startsWith('fingerprint:')) {
      // One tool run from many networks: there is no single prefix a block could name.
      const count = (finding.evidence.extra?.campaign as { memberCount?: number } | undefined)?.memberCount ?? 0;
      const reason = `probe-fingerprint campaign across networks (${count} members): no single prefix to block, members listed for review`;
      checked.push({ finding, override: { status: 'open', decision: 'recorded', reason } });
      continue;
    }
    const claim = finding.evidence.extra?.crawlerClaim;
    if (typeof claim !== 'string' || finding.threatType !== 'secrets_scanning') {
      checked.push({ finding });
      continue;
    }
    if (!verifier) {
      checked.push({ finding: explain(finding, `claims to be ${claim}; crawler verification is off`) });
      continue;
    }
    const address = finding.evidence.extra?.crawlerAddress;
    const check =
      checks.get(finding) ?? (await verifier.verify(typeof address === 'string' ? address : finding.ip, claim));
    if (check.status === 'verified') {
      const reason = `${check.detail}: recorded, never blocked`;
      checked.push({ finding: explain(finding, reason), override: { status: 'open', decision: 'recorded', reason } });
    } else if (check.status === 'spoofed') {
      const evidence = { ...finding.evidence, reasons: [...finding.evidence.reasons, check.detail] };
      checked.push({ finding: explain({ ...finding, evidence }, check.detail) });
    } else {
      const override: DecisionOverride =
        mode === 'disabled'
          ? { status: 'open', decision: 'recorded', reason: check.detail }
          : { status: 'pending', decision: 'recommended', reason: `${check.detail}; never blocked unverified` };
      checked.push({ finding: explain(finding, check.detail), override });
    }
  }
  return checked;
}

/** DNS checks of one batch run side by side (bounded), so a flood of claimed crawlers costs one timeout, not one each. */
async function verifyConcurrently(
  findings: readonly Finding[],
  verifier: CrawlerVerifier | undefined,
): Promise<Map<Finding, CrawlerCheck>> {
  const checks = new Map<Finding, CrawlerCheck>();
  if (!verifier) return checks;
  const pending = findings.filter(
    (finding) => typeof finding.evidence.extra?.crawlerClaim === 'string' && finding.threatType === 'secrets_scanning',
  );
  let next = 0;
  const worker = async () => {
    while (next < pending.length) {
      const finding = pending[next++];
      const address = finding.evidence.extra?.crawlerAddress;
      const claim = String(finding.evidence.extra?.crawlerClaim);
      checks.set(finding, await verifier.verify(typeof address === 'string' ? address : finding.ip, claim));
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENT_CHECKS, pending.length) }, worker));
  return checks;
}

const CONCURRENT_CHECKS = 32;

function explain(finding: Finding, note: string): Finding {
  const explanations = [...(finding.evidence.explanations ?? []), note];
  return { ...finding, evidence: { ...finding.evidence, explanations } };
}

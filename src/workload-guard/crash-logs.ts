import { errorMessage } from '../core/errors.ts';
import { redactSecrets } from '../core/redact.ts';
import { clusterOf, type WorkloadRuntime } from './remediation-approvals.ts';
import type { CheckedFinding } from './workload-checks.ts';

const MAX_LOG_READS = 5;
const MAX_LOG_BYTES = 4096;

/**
 * Reads the previous (crashed) run's last lines for crash-loop and OOM findings, a few per pass. Pod logs are
 * attacker-influenced: secrets are redacted and the text capped; it is evidence to show, never instructions.
 */
export async function attachCrashLogs(
  runtime: WorkloadRuntime,
  findings: CheckedFinding[],
  lines: number,
): Promise<void> {
  if (lines <= 0) return;
  const wanted = findings.filter(
    (finding) =>
      (finding.kind === 'crash-loop' || finding.kind === 'oom-killed') && finding.container && finding.pods?.length,
  );
  for (const finding of wanted.slice(0, MAX_LOG_READS)) {
    try {
      const text = await clusterOf(runtime).podLog(finding.workload.namespace, finding.pods![0], finding.container!, {
        previous: true,
        tailLines: lines,
        limitBytes: MAX_LOG_BYTES,
      });
      finding.logExcerpt = redactSecrets(String(text).slice(-MAX_LOG_BYTES));
    } catch (error) {
      finding.logError = errorMessage(error).slice(0, 300);
    }
  }
}

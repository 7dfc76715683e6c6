import { setTimeout as sleep } from 'node:timers/promises';
import { workloadsSettings } from '../config/sections/workloads.ts';
import { errorMessage, IntegrationError } from '../core/errors.ts';
import type { LlmClient } from '../llm/llm-client.ts';
import type { WorkloadRuntime } from './remediation-approvals.ts';
import { runWorkloadChecks, type WorkloadCheckResult } from './workload-checks.ts';

export interface WorkloadGuardLoopOptions {
  llm?: LlmClient;
  /** One line per pass or failure (the daemon's logger). */
  log?: (line: string) => void;
  /** Called after each successful pass (metrics, the review page's live refresh). */
  onResult?: (result: WorkloadCheckResult) => void;
}

/**
 * The daemon's workload guard: runs the checks now and then every `workloads.interval`. A failing pass (API server
 * down, RBAC missing) is logged and retried with a doubling delay capped at the interval; it never ends the daemon.
 * `stop()` ends the loop after the current pass.
 */
export function startWorkloadGuard(
  runtime: WorkloadRuntime,
  options: WorkloadGuardLoopOptions = {},
): { stop(): Promise<void> } {
  const settings = workloadsSettings(runtime.config.workloads);
  const controller = new AbortController();
  const log = options.log ?? (() => {});
  if (!settings.enabled) {
    log('workloads: disabled (workloads.enabled: false)');
    return { stop: async () => {} };
  }
  const intervalMs = Math.max(1, settings.interval) * 1000;
  const loop = (async () => {
    let failures = 0;
    while (!controller.signal.aborted) {
      let waitMs = intervalMs;
      try {
        const result = await runWorkloadChecks(runtime, { llm: options.llm });
        failures = 0;
        const planned = result.findings.filter((finding) => finding.plan).length;
        log(
          `workloads: ${result.findings.length} findings, ${planned} plans, ${result.skipped.length} reports skipped`,
        );
        options.onResult?.(result);
      } catch (error) {
        failures++;
        const retryable = !(error instanceof IntegrationError) || error.isRetryable;
        waitMs = retryable ? Math.min(intervalMs, 5000 * 2 ** (failures - 1)) : intervalMs;
        log(
          `workloads: check failed (${failures} in a row; next in ${Math.round(waitMs / 1000)}s): ${errorMessage(error)}`,
        );
      }
      try {
        await sleep(waitMs, undefined, { signal: controller.signal });
      } catch {
        break;
      }
    }
  })();
  return {
    async stop() {
      controller.abort();
      await loop;
    },
  };
}

import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { adaptHeapToLoad } from '../../core/adaptive-heap.ts';
import { compressionFormat } from '../../core/compressed-file.ts';
import { ConfigError, errorMessage, IntegrationError } from '../../core/errors.ts';
import { redactSecrets } from '../../core/redact.ts';
import { llmConfigured } from '../../llm/llm-configured.ts';
import { openRuntime } from '../../network-guard/agent-runtime.ts';
import { startGuardInvestigations } from '../../network-guard/guard-investigations.ts';
import { expireBlocks, resumeInterruptedBlocks } from '../../network-guard/incident-actions.ts';
import { createIncidentNotifier } from '../../network-guard/incident-notifier.ts';
import { NetworkGuard } from '../../network-guard/network-guard.ts';
import { tailTraefikFile } from '../../network-guard/traefik-file-pipeline.ts';
import { workloadGuardEnabled } from '../../web/capability-routes.ts';
import { startWebServer } from '../../web/web-server.ts';
import type { Command } from '../command.ts';
import { loadCliConfig, parseCommandArgs } from '../global-options.ts';
import { abortOnStopSignals } from '../stop-signals.ts';
import { USAGE } from './run-usage.ts';

/** Expired blocks are looked for every 30 s, or four times per block duration when blocks are shorter than 2 min. */
export function expiryCheckMs(blockSeconds: number): number {
  return Math.min(30_000, Math.max(1000, (blockSeconds * 1000) / 4));
}

/**
 * The daemon follows the live log Traefik appends to. A path naming a rotated, compressed copy (`access.log.1.gz`)
 * would be read as binary noise and never grow: refused at start, naming the key (`scan` reads such a file).
 */
async function refuseCompressedLog(path: string): Promise<void> {
  const format = existsSync(path) ? await compressionFormat(path).catch(() => undefined) : undefined;
  if (!format) return;
  throw new ConfigError([
    `sources.traefik_file.path: ${path} is a ${format.name} file; the daemon follows the plain log Traefik writes (e.g. access.log). To read this one once: devops-agent scan --log-file ${path}`,
  ]);
}

export const runCommand: Command = {
  name: 'run',
  async run(args, io) {
    const { values } = parseCommandArgs(args, {}, USAGE, 0);
    const config = loadCliConfig(values, io);
    // Error lines name config URLs (`http://user:password@es:9200`): redacted like everything else we log.
    const log = (line: string) => io.stderr.write(`${new Date().toISOString()} ${redactSecrets(line)}\n`);
    const fileSettings = config.sources.traefik_file;
    if (!config.elasticsearch) await refuseCompressedLog(fileSettings.path);
    const runtime = await openRuntime(config);
    // Before anything else: routers referencing the deny-list middleware answer 404 to everybody until it exists.
    const prepared = await runtime.blocker.prepare?.();
    if (prepared?.status === 'applied') log(`blocker: ${prepared.detail}`);
    if (prepared?.status === 'failed') log(`blocker: ${prepared.error}`);
    if (!config.elasticsearch && fileSettings.generate_sample && !existsSync(fileSettings.path)) {
      const { writeSampleLog } = await import('../../network-guard/sample-traffic/generate-traefik-log.ts');
      const sample = await writeSampleLog(fileSettings.path);
      for (const entry of sample.truth?.allowlist ?? [])
        runtime.store.allowlist.add(entry, 'sample office network (demo data)');
      log(
        `wrote a sample Traefik access log to ${fileSettings.path}: ${sample.truth?.lines} lines, ${sample.truth?.attackers.length} labelled scanners among ordinary traffic; allowlisted the sample office ${sample.truth?.allowlist.join(', ')}`,
      );
    }
    const stopSignal = abortOnStopSignals(log);
    // The workload guard needs a cluster; it runs beside the network guard when `kubernetes:` is configured.
    const workloadsOn = workloadGuardEnabled(runtime);
    let web: { url: string; close(): Promise<void> } | undefined;
    try {
      web = config.web.enabled ? await startWebServer({ runtime, listen: config.web.listen }) : undefined;
    } catch (error) {
      runtime.close();
      throw new IntegrationError('web', `cannot serve the review page on ${config.web.listen}`, {
        cause: error,
        isRetryable: false,
      });
    }
    const notify = createIncidentNotifier(config, runtime.store, web?.url);
    // The LLM client and the Elasticsearch source load only when configured: the idle daemon keeps less in memory.
    const llm = llmConfigured(config.llm)
      ? (await import('../../llm/create-llm-client.ts')).createLlmClient(config, runtime.store)
      : undefined;
    const guard = new NetworkGuard({
      config,
      store: runtime.store,
      blocker: runtime.blocker,
      source: config.elasticsearch ? 'elasticsearch' : `traefik-file:${resolve(fileSettings.path)}`,
      onIncident: (outcome) => {
        if (outcome.created) {
          log(
            `incident ${outcome.incident.id}: ${outcome.incident.threatType} from ${outcome.incident.ip} (${outcome.incident.severity}) -> ${outcome.decision}`,
          );
        }
        notify(outcome).catch((error) => log(`notification failed: ${errorMessage(error)}`));
      },
    });
    io.stdout.write(
      [
        `devops-agent running in ${config.mode} mode`,
        `  source:      ${config.elasticsearch ? `Elasticsearch ${redactSecrets(config.elasticsearch.url)} (${config.elasticsearch.index_pattern})` : `Traefik access log ${resolve(fileSettings.path)}`}`,
        `  blocker:     ${runtime.blocker.kind}`,
        `  workloads:   ${workloadsOn ? `pods, deployments and Trivy reports every ${config.workloads?.interval ?? 300}s` : 'off (needs kubernetes:)'}`,
        `  LLM:         ${llm ? `${llm.description} (${config.mode === 'auto' && config.llm.confirm_before_block ? `confirms automatic blocks, veto only, ${config.llm.confirm_timeout}s` : 'advice only'})` : 'none (deterministic detection and decisions)'}`,
        `  database:    ${resolve(config.database.path)}`,
        `  audit log:   ${resolve(config.audit.path)}`,
        `  review page: ${web ? web.url : 'off (use --serve-spa)'}`,
        '',
      ].join('\n'),
    );
    // Investigations run in a bounded background queue: neither the file tail nor the Elasticsearch cursor waits.
    const investigations = await startGuardInvestigations(runtime, guard, log);
    // The workload guard (and the Kubernetes client under it) loads only when it runs.
    const workloads = workloadsOn
      ? (await import('../../workload-guard/workload-guard-loop.ts')).startWorkloadGuard(
          { config, store: runtime.store },
          { llm, log },
        )
      : undefined;
    for (const outcome of await resumeInterruptedBlocks(runtime.blockContext))
      log(`resumed an interrupted block: ${outcome.status}`);
    const expiry = setInterval(() => {
      expireBlocks(runtime.blockContext).then(
        (outcomes) => {
          for (const outcome of outcomes) {
            log(`block expiry: ${outcome.status === 'unblocked' ? outcome.detail : outcome.error}`);
          }
        },
        (error) => log(`block expiry failed: ${errorMessage(error)}`),
      );
    }, expiryCheckMs(config.blocking.duration));
    const stopAdaptingHeap = adaptHeapToLoad();
    try {
      if (config.elasticsearch) {
        const { watchElasticsearch } = await import('../../network-guard/elasticsearch/elasticsearch-source.ts');
        await watchElasticsearch(runtime, guard, stopSignal, { log, onDetector: investigations.onDetector });
      } else await tailTraefikFile(guard, config, runtime.store, stopSignal, log);
    } finally {
      stopAdaptingHeap();
      clearInterval(expiry);
      await workloads?.stop();
      await investigations.queue?.stop();
      await web?.close();
      runtime.close();
    }
    log('stopped');
    return 0;
  },
};

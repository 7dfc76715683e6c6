// Incident storm: N new findings through NetworkGuard.ingestFindings (batched transactions, one audit fsync per
// batch), in disabled mode (record only) and review mode (plus the planned change for each). `node bench/incident-storm-bench.ts [N]`
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConfig } from '../src/config/load-config.ts';
import type { Finding } from '../src/core/incident.ts';
import { TraefikFileBlocker } from '../src/network-guard/blocking/traefik-file/traefik-file-blocker.ts';
import { NetworkGuard } from '../src/network-guard/network-guard.ts';
import { openStore } from '../src/store/store.ts';

const count = Number(process.argv[2] ?? 10000);
const T0 = Date.parse('2026-11-01T10:00:00Z');

function findings(): Finding[] {
  return Array.from({ length: count }, (_, i) => ({
    ip: `198.18.${(i >> 8) & 255}.${i & 255}`,
    threatType: 'secrets_scanning' as const,
    severity: 'medium' as const,
    evidence: {
      requests: 6,
      sensitiveHits: 6,
      firstSeen: T0,
      lastSeen: T0 + 5000,
      statuses: { '404': 6 },
      topPaths: [{ path: '/.env', count: 6 }],
      userAgents: [{ userAgent: 'curl/8.0', count: 6 }],
      scannerAgents: [],
      distinctSensitivePaths: 6,
      peakPerMinute: 6,
      perMinute: {},
      samples: ['{"ClientHost":"198.18.0.1","RequestPath":"/.env"}'],
      reasons: ['5+ distinct sensitive paths within 3600s'],
      source: 'bench',
    },
  }));
}

for (const mode of ['disabled', 'review'] as const) {
  const dir = mkdtempSync(join(tmpdir(), 'incident-storm-'));
  const config = defaultConfig({
    mode,
    'database.path': join(dir, 'agent.db'),
    'audit.path': join(dir, 'audit.jsonl'),
    'blocking.traefik_file.path': join(dir, 'denylist.yaml'),
    'detection.crawlers.verify': false,
  });
  const store = openStore(config.database.path, config.audit.path);
  const blocker = new TraefikFileBlocker({ ...config.blocking.traefik_file, max_entries: 100 });
  const guard = new NetworkGuard({ config, store, blocker, source: 'bench' });
  const input = findings();
  const started = performance.now();
  await guard.ingestFindings(input);
  const seconds = (performance.now() - started) / 1000;
  console.log(`${mode}: ${count} new incidents in ${seconds.toFixed(2)} s (${Math.round(count / seconds)}/s)`);
  store.close();
}

// Incident storm: N new findings through NetworkGuard.ingestFindings (batched transactions, one audit fsync per
// batch), in disabled mode (record only) and review mode (plus the planned change for each). `node bench/incident-storm-bench.ts [N]`
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Finding } from '../src/core/incident.ts';
import { sixProbeScanFinding } from '../src/core/testing/findings.ts';
import { NetworkGuard } from '../src/network-guard/network-guard.ts';
import { fileBlockerGuardParts } from '../src/network-guard/testing/file-blocker-guard.ts';

const count = Number(process.argv[2] ?? 10000);
const T0 = Date.parse('2026-11-01T10:00:00Z');

function findings(): Finding[] {
  const sample = '{"ClientHost":"198.18.0.1","RequestPath":"/.env"}';
  return Array.from({ length: count }, (_, i) =>
    sixProbeScanFinding(`198.18.${(i >> 8) & 255}.${i & 255}`, T0, 'bench', [sample]),
  );
}

for (const mode of ['disabled', 'review'] as const) {
  const dir = mkdtempSync(join(tmpdir(), 'incident-storm-'));
  const { config, store, blocker } = fileBlockerGuardParts(
    dir,
    { mode, 'detection.crawlers.verify': false },
    { maxEntries: 100 },
  );
  const guard = new NetworkGuard({ config, store, blocker, source: 'bench' });
  const input = findings();
  const started = performance.now();
  await guard.ingestFindings(input);
  const seconds = (performance.now() - started) / 1000;
  console.log(`${mode}: ${count} new incidents in ${seconds.toFixed(2)} s (${Math.round(count / seconds)}/s)`);
  store.close();
}

import type { VulnerableContainer } from './trivy-reports.ts';

/** Operator reports and files may describe the same container: one entry per container, vulnerabilities deduplicated. */
export function mergeContainers(entries: readonly VulnerableContainer[]): VulnerableContainer[] {
  const merged = new Map<string, VulnerableContainer>();
  for (const entry of entries) {
    const key = `${entry.workload.namespace}/${entry.workload.kind}/${entry.workload.name}/${entry.container}`;
    const existing = merged.get(key);
    if (!existing) {
      merged.set(key, { ...entry, vulnerabilities: [...entry.vulnerabilities] });
      continue;
    }
    const seen = new Set(existing.vulnerabilities.map((item) => `${item.id}/${item.package}`));
    for (const item of entry.vulnerabilities) {
      if (!seen.has(`${item.id}/${item.package}`)) existing.vulnerabilities.push(item);
    }
    existing.source += `, ${entry.source}`;
  }
  return [...merged.values()];
}

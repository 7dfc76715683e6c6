// Shared by the Kubernetes test-cluster helpers (blocking/kubernetes/kube-test-cluster.ts and
// workloads/testing/workload-test-cluster.ts): manifest loading and polling, independent of the client code under test.
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseAllDocuments } from 'yaml';

/** Multi-document YAML with each `replacements` key replaced by its value; empty documents skipped. */
export function loadManifests<T extends object>(source: URL | string, replacements: Record<string, string> = {}): T[] {
  let text = readFileSync(source, 'utf8');
  for (const [from, to] of Object.entries(replacements)) text = text.replaceAll(from, to);
  return parseAllDocuments(text)
    .map((document) => document.toJS() as T | null)
    .filter((document): document is T => document !== null);
}

/** Polls until `check` passes (RBAC bindings reach the authorizer cache asynchronously). */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(200);
    }
  }
}

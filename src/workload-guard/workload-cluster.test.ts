import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeClients } from '../kubernetes/kube-client.ts';
import { WorkloadCluster } from './workload-cluster.ts';

/** Clients whose list of reports answers `pages` in turn (the last one again and again). */
function clientsAnswering(pages: Array<{ items: unknown[]; metadata: { continue?: string } }>): KubeClients {
  let served = 0;
  const list = async () => pages[Math.min(served++, pages.length - 1)];
  return {
    call: (_operation: unknown, run: (options: object) => Promise<unknown>) => run({}),
    customObjects: { listNamespacedCustomObject: list, listClusterCustomObject: list },
  } as unknown as KubeClients;
}

test('a server that hands out the same continue token again ends the listing with an error, not a loop', async () => {
  const cluster = new WorkloadCluster(
    clientsAnswering([
      { items: [{}], metadata: { continue: 'a' } },
      { items: [{}], metadata: { continue: 'b' } },
      { items: [{}], metadata: { continue: 'b' } },
    ]),
  );
  let pages = 0;
  await assert.rejects(
    cluster.vulnerabilityReports(['default'], () => pages++),
    /list vulnerabilityreports\.aquasecurity\.github\.io in namespace default: the API server answered the same continue token twice/,
  );
  assert.equal(pages, 3);
});

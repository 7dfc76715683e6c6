// Warning Events listed a page at a time from the testbed's real kube-apiserver: the server lists them in name order,
// so on a busy cluster the first page is mostly about pods long gone. Every page is read, and only the events of the
// pods being checked are kept.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { ensureTestbed } from '../../testbed/testbed-env.ts';
import { defaultConfig } from '../config/load-config.ts';
import { WorkloadTestCluster } from './testing/workload-test-cluster.ts';
import { WorkloadCluster } from './workload-cluster.ts';

let cluster: WorkloadCluster;
let namespace: string;
const GONE = 9;

before(async () => {
  const env = await ensureTestbed();
  const admin = new WorkloadTestCluster(env.kubeconfig);
  namespace = await admin.namespace('event-pages');
  const event = (name: string, pod: string, reason: string) =>
    admin.podEvent(namespace, name, pod, reason, `${reason} of ${pod}`);
  // Events of a crash-looping Job's pods, gone now, named to sort before the live pod's.
  for (let index = 0; index < GONE; index++) await event(`a-job-${index}`, `job-${index}-x7k2p`, 'BackOff');
  await event('z-web', 'web-5d8f7-abcde', 'FailedMount');
  // A Normal event is not listed at all (the field selector asks the server for Warnings).
  await admin.podEvent(namespace, 'z-web-normal', 'web-5d8f7-abcde', 'Pulled', 'pulled', { type: 'Normal' });
  cluster = WorkloadCluster.fromConfig(defaultConfig({ 'kubernetes.kubeconfig': env.kubeconfig }));
});

test('every page is read; only the checked pods’ events are kept', { timeout: 60_000 }, async () => {
  const live = (event: { involvedObject?: { name?: string } }) => event.involvedObject?.name === 'web-5d8f7-abcde';
  for (const pageSize of [2, 3, 500]) {
    const listed = await cluster.podWarningEvents([namespace], live, { pageSize });
    assert.deepEqual(
      { truncated: listed.truncated, reasons: listed.events.map((event) => event.reason) },
      { truncated: false, reasons: ['FailedMount'] },
      `page size ${pageSize}`,
    );
    // The server filters after it counts the limit (from etcd, the Normal event takes a place), so a page may be short.
    assert.ok(listed.pages >= Math.ceil((GONE + 1) / pageSize), `page size ${pageSize}: ${listed.pages} pages`);
  }
  const everything = await cluster.podWarningEvents([namespace], () => true, { pageSize: 4 });
  assert.equal(everything.events.length, GONE + 1);
  assert.ok(
    everything.events.every((event) => event.type === 'Warning'),
    'Normal events are not listed',
  );
});

test('a page cap ends the listing and says so', { timeout: 60_000 }, async () => {
  const listed = await cluster.podWarningEvents([namespace], () => true, { pageSize: 2, maxPages: 2 });
  assert.deepEqual(
    { pages: listed.pages, truncated: listed.truncated, events: listed.events.length },
    { pages: 2, truncated: true, events: 4 },
  );
});

// One cluster fixture per blocking pattern, on the testbed's real kube-apiserver with RBAC on; the agent runs as the
// restricted user bound to deploy/kubernetes/network-guard-rbac.yaml.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { defaultConfig } from '../../../config/load-config.ts';
import { scanBurst } from '../../../core/testing/log-events.ts';
import { openStore } from '../../../store/store.ts';
import { approveIncident } from '../../incident-actions.ts';
import { NetworkGuard } from '../../network-guard.ts';
import { BLOCKS_ANNOTATION, readBlockMarks } from './block-marks.ts';
import { eventually, type KubeTestCluster } from './kube-test-cluster.ts';
import { expectedMark, type Fixture, request, setUpFixture, traefikCrdCluster } from './kube-test-settings.ts';

let admin: KubeTestCluster;
let restricted: string;

before(async () => {
  ({ admin, restricted } = await traefikCrdCluster());
});

const marksOf = (object: { metadata?: { annotations?: Record<string, string> } } | undefined) =>
  readBlockMarks(object?.metadata?.annotations);

async function fixture(file: string, settings?: Record<string, unknown>): Promise<Fixture> {
  const created = await setUpFixture(admin, restricted, file, { settings });
  // RBAC bindings reach the authorizer through an informer: wait until the restricted user can read.
  await eventually(() => created.blocker.inspect());
  return created;
}

describe('denyip Middleware (traefik.io)', () => {
  it('is chosen because a route uses it; plan is a server dry run; apply adds the IP and the mark; twice changes nothing; revert removes only ours', async () => {
    const { namespace, blocker } = await fixture('denyip-middleware.yaml');
    const { choice, inventory } = await blocker.inspect('198.51.100.23');
    assert.equal(choice.chosen?.object, `Middleware ${namespace}/block-scanners (traefik.io) plugin.denyip.ipDenyList`);
    assert.deepEqual(inventory.middlewares[0].usedBy, [
      `IngressRoute ${namespace}/shop`,
      `entrypoint websecure (${namespace}/traefik-7d9f8-abcde)`,
    ]);

    const plan = await blocker.plan(request('198.51.100.23'));
    assert.equal(plan.alreadyBlocked, false);
    assert.match(plan.diff, /^\+ +- 198\.51\.100\.23$/m);
    assert.deepEqual((plan.patch as { operations: unknown[] }).operations.slice(0, 3), [
      { op: 'test', path: '/metadata/resourceVersion', value: inventory.middlewares[0].resourceVersion },
      { op: 'test', path: '/spec/plugin/denyip/ipDenyList', value: ['203.0.113.7'] },
      { op: 'replace', path: '/spec/plugin/denyip/ipDenyList', value: ['203.0.113.7', '198.51.100.23'] },
    ]);
    const untouched = await admin.get('traefik.io/v1alpha1', 'Middleware', namespace, 'block-scanners');
    assert.equal(
      untouched?.metadata?.resourceVersion,
      inventory.middlewares[0].resourceVersion,
      'the dry run wrote nothing',
    );

    const applied = await blocker.apply(request('198.51.100.23'));
    assert.equal(applied.status, 'applied', JSON.stringify(applied));
    const after = await admin.get('traefik.io/v1alpha1', 'Middleware', namespace, 'block-scanners');
    assert.deepEqual(after?.spec, { plugin: { denyip: { ipDenyList: ['203.0.113.7', '198.51.100.23'] } } });
    assert.deepEqual(marksOf(after), { '198.51.100.23': expectedMark() });

    const again = await blocker.apply(request('198.51.100.23'));
    assert.equal(again.status, 'unchanged');
    const still = await admin.get('traefik.io/v1alpha1', 'Middleware', namespace, 'block-scanners');
    assert.equal(still?.metadata?.resourceVersion, after?.metadata?.resourceVersion);
    assert.equal((await blocker.plan(request('198.51.100.23'))).alreadyBlocked, true);

    const human = await blocker.revert('203.0.113.7');
    assert.equal(human.status, 'failed');
    assert.match(
      (human as { error: string }).error,
      /203\.0\.113\.7 is in Middleware .*block-scanners without devops-agent's mark/,
    );

    const reverted = await blocker.revert('198.51.100.23');
    assert.equal(reverted.status, 'applied', JSON.stringify(reverted));
    const final = await admin.get('traefik.io/v1alpha1', 'Middleware', namespace, 'block-scanners');
    assert.deepEqual(final?.spec, { plugin: { denyip: { ipDenyList: ['203.0.113.7'] } } });
    assert.equal(final?.metadata?.annotations?.[BLOCKS_ANNOTATION], undefined);
    assert.equal((await blocker.revert('198.51.100.23')).status, 'unchanged');
  });
});

describe('fail2ban Middleware (traefik.containo.us, used through a chain)', () => {
  it('adds to denylist.ip and leaves the rules alone', async () => {
    const { namespace, blocker } = await fixture('fail2ban-middleware.yaml');
    const { choice } = await blocker.inspect('198.51.100.23');
    assert.equal(choice.chosen?.pattern, 'fail2ban-middleware');
    assert.match(
      choice.chosen?.reason ?? '',
      new RegExp(`IngressRoute ${namespace}/api via chain ${namespace}/edge-chain`),
    );
    assert.equal((await blocker.apply(request('198.51.100.23'))).status, 'applied');
    const after = await admin.get('traefik.containo.us/v1alpha1', 'Middleware', namespace, 'fail2ban');
    assert.deepEqual(after?.spec, {
      plugin: {
        fail2ban: {
          denylist: { ip: ['198.51.100.9', '198.51.100.23'] },
          rules: { bantime: '3h', findtime: '10m', maxretry: 4, enabled: true },
        },
      },
    });
    assert.deepEqual(marksOf(after), { '198.51.100.23': expectedMark() });
  });
});

describe('ConfigMap list mounted by Traefik', () => {
  it('appends a line, keeps comments and other keys; an address inside a listed network is already blocked', async () => {
    const { namespace, blocker } = await fixture('configmap-list.yaml');
    const { choice } = await blocker.inspect('198.51.100.23');
    assert.equal(choice.chosen?.object, `ConfigMap ${namespace}/traefik-blocklist key blocked-ips.txt`);
    assert.equal((await blocker.apply(request('198.51.100.23'))).status, 'applied');
    const after = await admin.get('v1', 'ConfigMap', namespace, 'traefik-blocklist');
    assert.deepEqual(after?.data, {
      'blocked-ips.txt': '# maintained by the ops team\n203.0.113.7\n192.0.2.0/28\n198.51.100.23\n',
      README: 'not an IP list',
    });
    assert.deepEqual(marksOf(after), { '198.51.100.23': expectedMark() });
    const covered = await blocker.apply(request('192.0.2.5'));
    assert.deepEqual(covered, {
      status: 'unchanged',
      detail: `192.0.2.5 already blocked by a hand-added entry 192.0.2.0/28 in ConfigMap ${namespace}/traefik-blocklist key blocked-ips.txt`,
      preexisting: true,
    });
    // the agent's own entry covering an address is its own: no preexisting flag, so ownership is kept
    assert.equal(((await blocker.apply(request('198.51.100.23'))) as { preexisting?: boolean }).preexisting, false);
    assert.equal((await blocker.revert('198.51.100.23')).status, 'applied');
    const reverted = await admin.get('v1', 'ConfigMap', namespace, 'traefik-blocklist');
    assert.equal(
      reverted?.data?.['blocked-ips.txt' as never],
      '# maintained by the ops team\n203.0.113.7\n192.0.2.0/28\n',
    );
  });
});

describe('NetworkPolicy only', () => {
  it('adds a /32 to the ipBlock.except of the policy selecting Traefik', async () => {
    const { namespace, blocker } = await fixture('networkpolicy-only.yaml');
    const { choice } = await blocker.inspect('198.51.100.23');
    assert.equal(choice.chosen?.object, `NetworkPolicy ${namespace}/traefik-ingress`);
    assert.equal((await blocker.apply(request('198.51.100.23'))).status, 'applied');
    const after = await admin.get('networking.k8s.io/v1', 'NetworkPolicy', namespace, 'traefik-ingress');
    assert.deepEqual(after?.spec, {
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'traefik' } },
      policyTypes: ['Ingress'],
      ingress: [{ from: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['192.0.2.0/28', '198.51.100.23/32'] } }] }],
    });
    assert.deepEqual(marksOf(after), { '198.51.100.23': expectedMark() });
  });
});

describe('nothing at all', () => {
  it('creates the fallback NetworkPolicy, warns about externalTrafficPolicy, then extends it', async () => {
    const { namespace, blocker } = await fixture('nothing.yaml');
    const plan = await blocker.plan(request('198.51.100.23'));
    assert.equal(plan.object, `NetworkPolicy ${namespace}/devops-agent-blocklist (new)`);
    const warnings = (plan.patch as { warnings: string[] }).warnings;
    assert.ok(
      warnings.some((warning) => warning.includes('externalTrafficPolicy Cluster')),
      warnings.join('\n'),
    );
    assert.match(plan.diff, /^\+ +- 198\.51\.100\.23\/32$/m);
    assert.equal(
      await admin.get('networking.k8s.io/v1', 'NetworkPolicy', namespace, 'devops-agent-blocklist'),
      undefined,
    );

    const applied = await blocker.apply(request('198.51.100.23'));
    assert.equal(applied.status, 'applied', JSON.stringify(applied));
    const created = await admin.get('networking.k8s.io/v1', 'NetworkPolicy', namespace, 'devops-agent-blocklist');
    assert.deepEqual(created?.spec, {
      podSelector: {
        matchLabels: { 'app.kubernetes.io/name': 'traefik', 'app.kubernetes.io/instance': `traefik-${namespace}` },
      },
      policyTypes: ['Ingress'],
      ingress: [
        {
          from: [
            { ipBlock: { cidr: '0.0.0.0/0', except: ['198.51.100.23/32'] } },
            { ipBlock: { cidr: '::/0' } },
            { namespaceSelector: {} },
          ],
        },
      ],
    });
    assert.equal(created?.metadata?.labels?.['app.kubernetes.io/managed-by'], 'devops-agent');

    assert.equal((await blocker.apply(request('2001:db8:77::5', 8))).status, 'applied');
    const extended = await admin.get('networking.k8s.io/v1', 'NetworkPolicy', namespace, 'devops-agent-blocklist');
    const from = (
      (extended as { spec?: unknown }).spec as { ingress: { from: { ipBlock?: { except: string[] } }[] }[] }
    ).ingress[0].from;
    assert.deepEqual(from[1].ipBlock?.except, ['2001:db8:77::5/128']);
    assert.deepEqual(Object.keys(marksOf(extended)), ['198.51.100.23', '2001:db8:77::5']);
    assert.equal((await blocker.revert('198.51.100.23')).status, 'applied');
    const reverted = await admin.get('networking.k8s.io/v1', 'NetworkPolicy', namespace, 'devops-agent-blocklist');
    const fromAfter = (
      (reverted as { spec?: unknown }).spec as { ingress: { from: { ipBlock?: { except: string[] } }[] }[] }
    ).ingress[0].from;
    assert.deepEqual(fromAfter[0].ipBlock, { cidr: '0.0.0.0/0' });
    assert.deepEqual(Object.keys(marksOf(reverted)), ['2001:db8:77::5']);
  });
});

describe('two competing patterns', () => {
  it('uses the deny Middleware routes use (via an Ingress annotation) and touches nothing else', async () => {
    const { namespace, blocker } = await fixture('competing-patterns.yaml');
    const { choice } = await blocker.inspect('198.51.100.23');
    assert.deepEqual(
      choice.candidates.map((candidate) => [candidate.pattern, candidate.location.name, candidate.eligible]),
      [
        ['denyip-middleware', 'denylist', true],
        ['configmap', 'traefik-blocklist', true],
        ['networkpolicy', 'traefik-ingress', true],
        ['fail2ban-middleware', 'unused-fail2ban', false],
        // traefik-ingress already isolates the Traefik pods: a new policy would union with it
        ['networkpolicy-fallback', 'devops-agent-blocklist', false],
      ],
    );
    assert.match(choice.candidates[0].reason, new RegExp(`Ingress ${namespace}/blog`));
    const configMapBefore = await admin.get('v1', 'ConfigMap', namespace, 'traefik-blocklist');
    const policyBefore = await admin.get('networking.k8s.io/v1', 'NetworkPolicy', namespace, 'traefik-ingress');
    assert.equal((await blocker.apply(request('198.51.100.23'))).status, 'applied');
    const middleware = await admin.get('traefik.io/v1alpha1', 'Middleware', namespace, 'denylist');
    assert.deepEqual(middleware?.spec, { plugin: { denyip: { ipDenyList: ['198.51.100.23'] } } });
    const configMapAfter = await admin.get('v1', 'ConfigMap', namespace, 'traefik-blocklist');
    const policyAfter = await admin.get('networking.k8s.io/v1', 'NetworkPolicy', namespace, 'traefik-ingress');
    assert.equal(configMapAfter?.metadata?.resourceVersion, configMapBefore?.metadata?.resourceVersion);
    assert.equal(policyAfter?.metadata?.resourceVersion, policyBefore?.metadata?.resourceVersion);
  });
});

describe('review mode through the pipeline', () => {
  it('stores the dry-run diff as the plan; approval applies it as the restricted user', async () => {
    const { namespace, blocker } = await fixture('configmap-list.yaml');
    const dir = mkdtempSync(join(tmpdir(), 'k8s-review-'));
    const config = defaultConfig({
      mode: 'review',
      'database.path': join(dir, 'agent.db'),
      'audit.path': join(dir, 'audit.jsonl'),
    });
    const store = openStore(config.database.path, config.audit.path);
    const guard = new NetworkGuard({ config, store, blocker, source: 'test' });
    guard.observe(scanBurst('198.51.100.66', Date.now(), 403, 'gitleaks/8.18'));
    const [outcome] = await guard.flush();
    assert.equal(outcome.incident.status, 'pending');
    const [planned] = store.actions.forIncident(outcome.incident.id);
    const plan = planned.plan as { object: string; diff: string };
    assert.equal(plan.object, `ConfigMap ${namespace}/traefik-blocklist key blocked-ips.txt`);
    assert.match(plan.diff, /^\+ +198\.51\.100\.66$/m);
    const before = await admin.get('v1', 'ConfigMap', namespace, 'traefik-blocklist');
    assert.doesNotMatch(JSON.stringify(before?.data), /198\.51\.100\.66/);

    const approved = await approveIncident(outcome.incident.id, 'alice', guard.blockContext);
    assert.equal(approved.status, 'blocked', JSON.stringify(approved));
    const after = await admin.get('v1', 'ConfigMap', namespace, 'traefik-blocklist');
    assert.match(
      String((after?.data as Record<string, string> | undefined)?.['blocked-ips.txt']),
      /\n198\.51\.100\.66\n$/,
    );
    assert.equal(marksOf(after)['198.51.100.66'].incident, outcome.incident.id);
    assert.equal(store.audit.verify().ok, true);
    store.close();
  });
});

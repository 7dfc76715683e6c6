import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BLOCKS_ANNOTATION, type BlockMark, readBlockMarks } from './block-marks.ts';
import { buildAddition, buildFallbackPolicy, buildRemoval, type KubeObject, patchDiff } from './block-patch.ts';
import { applyJsonPatch, JsonPatchError } from './json-patch.ts';
import type { BlockLocation } from './pattern-ranking.ts';

const mark: BlockMark = {
  incident: 42,
  expires: '2026-11-23T00:00:00.000Z',
  addedAt: '2026-11-22T00:00:00.000Z',
  by: 'devops-agent',
};

const denyipLocation: BlockLocation = {
  kind: 'Middleware',
  pattern: 'denyip-middleware',
  group: 'traefik.io',
  version: 'v1alpha1',
  plural: 'middlewares',
  namespace: 'traefik',
  name: 'block-scanners',
  path: ['spec', 'plugin', 'denyip', 'ipDenyList'],
};

function middleware(list: string[], annotations?: Record<string, string>): KubeObject {
  return {
    apiVersion: 'traefik.io/v1alpha1',
    kind: 'Middleware',
    metadata: {
      name: 'block-scanners',
      namespace: 'traefik',
      resourceVersion: '101',
      ...(annotations ? { annotations } : {}),
    },
    spec: { plugin: { denyip: { ipDenyList: list } } },
  };
}

function configMapLocation(
  namespace: string,
  name: string,
  key: string,
): Extract<BlockLocation, { kind: 'ConfigMap' }> {
  return { kind: 'ConfigMap', pattern: 'configmap', namespace, name, key };
}

function mustChange(build: ReturnType<typeof buildAddition>) {
  assert.equal(build.status, 'change', JSON.stringify(build));
  return build as Extract<typeof build, { status: 'change' }>;
}

describe('buildAddition', () => {
  it('adds to a denyip list with preconditions and the owner mark, keeping the human entry', () => {
    const object = middleware(['203.0.113.7']);
    const build = mustChange(buildAddition(object, denyipLocation, '198.51.100.23', mark, 100));
    assert.deepEqual(build.operations, [
      { op: 'test', path: '/metadata/resourceVersion', value: '101' },
      { op: 'test', path: '/spec/plugin/denyip/ipDenyList', value: ['203.0.113.7'] },
      { op: 'replace', path: '/spec/plugin/denyip/ipDenyList', value: ['203.0.113.7', '198.51.100.23'] },
      {
        op: 'add',
        path: '/metadata/annotations',
        value: { [BLOCKS_ANNOTATION]: JSON.stringify({ '198.51.100.23': mark }) },
      },
    ]);
    const after = applyJsonPatch(object, build.operations);
    assert.deepEqual(readBlockMarks(after.metadata?.annotations), { '198.51.100.23': mark });
  });

  it('is idempotent: the same address, its /32 spelling, or a covering network means already blocked', () => {
    assert.equal(
      buildAddition(middleware(['198.51.100.23']), denyipLocation, '198.51.100.23', mark, 100).status,
      'unchanged',
    );
    assert.equal(
      buildAddition(middleware(['198.51.100.23/32']), denyipLocation, '198.51.100.23', mark, 100).status,
      'unchanged',
    );
    const covered = buildAddition(middleware(['198.51.100.0/24']), denyipLocation, '198.51.100.23', mark, 100);
    assert.deepEqual(covered, {
      status: 'unchanged',
      detail:
        '198.51.100.23 already blocked by a hand-added entry 198.51.100.0/24 in Middleware traefik/block-scanners (traefik.io) plugin.denyip.ipDenyList',
      preexisting: true,
    });
  });

  it('caps list growth at blocking.max_entries', () => {
    const build = buildAddition(middleware(['192.0.2.1', '192.0.2.2']), denyipLocation, '198.51.100.23', mark, 2);
    assert.equal(build.status, 'refused');
    assert.match(build.detail, /holds 2 entries.*blocking\.max_entries 2/);
  });

  it('extends existing annotations with an add on the escaped key', () => {
    const object = middleware([], { team: 'edge', [BLOCKS_ANNOTATION]: JSON.stringify({ '192.0.2.9': mark }) });
    const build = mustChange(buildAddition(object, denyipLocation, '198.51.100.23', mark, 100));
    assert.deepEqual(build.operations.at(-1), {
      op: 'add',
      path: '/metadata/annotations/devops-agent.io~1blocks',
      value: JSON.stringify({ '192.0.2.9': mark, '198.51.100.23': mark }),
    });
    assert.equal(applyJsonPatch(object, build.operations).metadata?.annotations?.team, 'edge');
  });

  it('writes fail2ban denylist.ip', () => {
    const location: BlockLocation = {
      ...denyipLocation,
      pattern: 'fail2ban-middleware',
      path: ['spec', 'plugin', 'fail2ban', 'denylist', 'ip'],
    };
    const object: KubeObject = {
      metadata: { name: 'f', namespace: 'traefik', resourceVersion: '7' },
      spec: { plugin: { fail2ban: { denylist: { ip: ['198.51.100.9'] }, rules: { bantime: '3h' } } } },
    };
    const after = applyJsonPatch(
      object,
      mustChange(buildAddition(object, location, '2001:db8::/64', mark, 100)).operations,
    );
    assert.deepEqual((after.spec as { plugin: { fail2ban: unknown } }).plugin.fail2ban, {
      denylist: { ip: ['198.51.100.9', '2001:db8::/64'] },
      rules: { bantime: '3h' },
    });
  });

  it('refuses a fail2ban denylist.ip written as one string (the plugin readme form), even as a forced target', () => {
    const location: BlockLocation = {
      ...denyipLocation,
      pattern: 'fail2ban-middleware',
      name: 'fail2ban-test',
      path: ['spec', 'plugin', 'fail2ban', 'denylist', 'ip'],
    };
    const object: KubeObject = {
      metadata: { name: 'fail2ban-test', namespace: 'default', resourceVersion: '3' },
      spec: { plugin: { fail2ban: { logLevel: 'DEBUG', denylist: { ip: '127.0.0.1' } } } },
    };
    assert.deepEqual(buildAddition(object, location, '198.51.100.23', mark, 100), {
      status: 'refused',
      detail:
        'Middleware traefik/fail2ban-test (traefik.io) plugin.fail2ban.denylist.ip is no longer a list of addresses',
    });
  });

  it('appends to a ConfigMap line list, keeping comments, and refuses a key that is not a list', () => {
    const location = configMapLocation('traefik', 'traefik-blocklist', 'blocked-ips.txt');
    const object: KubeObject = {
      metadata: { name: 'traefik-blocklist', namespace: 'traefik', resourceVersion: '5' },
      data: { 'blocked-ips.txt': '# ops\n203.0.113.7\n', README: 'hello' },
    };
    const build = mustChange(buildAddition(object, location, '198.51.100.23', mark, 100));
    assert.deepEqual(build.operations.slice(0, 3), [
      { op: 'test', path: '/metadata/resourceVersion', value: '5' },
      { op: 'test', path: '/data/blocked-ips.txt', value: '# ops\n203.0.113.7\n' },
      { op: 'replace', path: '/data/blocked-ips.txt', value: '# ops\n203.0.113.7\n198.51.100.23\n' },
    ]);
    const readme = buildAddition(object, { ...location, key: 'README' }, '198.51.100.23', mark, 100);
    assert.equal(readme.status, 'refused');
  });

  it('keeps a JSON list JSON', () => {
    const location = configMapLocation('n', 'c', 'blocked.json');
    const object: KubeObject = {
      metadata: { name: 'c', namespace: 'n', resourceVersion: '1' },
      data: { 'blocked.json': '["203.0.113.7"]' },
    };
    const after = applyJsonPatch(
      object,
      mustChange(buildAddition(object, location, '198.51.100.23', mark, 100)).operations,
    );
    assert.equal((after.data as Record<string, string>)['blocked.json'], '["203.0.113.7","198.51.100.23"]\n');
  });

  it('adds to the ipBlock.except of the right family, in CIDR notation, creating except when absent', () => {
    const location: BlockLocation = { kind: 'NetworkPolicy', pattern: 'networkpolicy', namespace: 'n', name: 'p' };
    const object: KubeObject = {
      metadata: { name: 'p', namespace: 'n', resourceVersion: '3' },
      spec: {
        ingress: [
          { from: [{ ipBlock: { cidr: '::/0' } }, { ipBlock: { cidr: '0.0.0.0/0', except: ['192.0.2.0/28'] } }] },
        ],
      },
    };
    const v4 = mustChange(buildAddition(object, location, '198.51.100.23', mark, 100));
    assert.deepEqual(v4.operations[2], {
      op: 'replace',
      path: '/spec/ingress/0/from/1/ipBlock/except',
      value: ['192.0.2.0/28', '198.51.100.23/32'],
    });
    const v6 = mustChange(buildAddition(object, location, '2001:db8::1', mark, 100));
    assert.deepEqual(v6.operations[1], {
      op: 'add',
      path: '/spec/ingress/0/from/0/ipBlock/except',
      value: ['2001:db8::1/128'],
    });
  });
});

describe('buildRemoval', () => {
  it('removes only a marked entry and drops the annotation when no mark is left', () => {
    const object = middleware(['203.0.113.7', '198.51.100.23'], {
      [BLOCKS_ANNOTATION]: JSON.stringify({ '198.51.100.23': mark }),
    });
    const build = buildRemoval(object, denyipLocation, '198.51.100.23');
    assert.equal(build.status, 'change');
    const after = applyJsonPatch(object, (build as Extract<typeof build, { status: 'change' }>).operations);
    assert.deepEqual(after, middleware(['203.0.113.7'], {}));
  });

  it('refuses an entry a human added (no mark), and reports an absent entry as unchanged', () => {
    const object = middleware(['203.0.113.7']);
    const refused = buildRemoval(object, denyipLocation, '203.0.113.7');
    assert.equal(refused.status, 'refused');
    assert.match(refused.detail, /added by hand/);
    assert.equal(buildRemoval(object, denyipLocation, '198.51.100.1').status, 'unchanged');
  });

  it('a forged or broken annotation claims nothing', () => {
    const object = middleware(['203.0.113.7'], { [BLOCKS_ANNOTATION]: '{"203.0.113.7": "yes"' });
    assert.equal(buildRemoval(object, denyipLocation, '203.0.113.7').status, 'refused');
  });
});

describe('fallback policy and diffs', () => {
  it('builds a NetworkPolicy allowing all but the blocked address, in-cluster traffic kept', () => {
    const policy = buildFallbackPolicy(
      {
        kind: 'NetworkPolicy',
        pattern: 'networkpolicy-fallback',
        namespace: 'traefik',
        name: 'devops-agent-blocklist',
        podSelector: { app: 'traefik' },
      },
      '198.51.100.23',
      mark,
    );
    assert.deepEqual(policy.spec, {
      podSelector: { matchLabels: { app: 'traefik' } },
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
    assert.equal(policy.metadata?.labels?.['app.kubernetes.io/managed-by'], 'devops-agent');
  });

  it('shows the added entry and its mark in the diff', () => {
    const object = middleware(['203.0.113.7']);
    const build = mustChange(buildAddition(object, denyipLocation, '198.51.100.23', mark, 100));
    const diff = patchDiff(object, build.operations, 'Middleware traefik/block-scanners');
    assert.match(diff, /^\+ +- 198\.51\.100\.23$/m);
    assert.match(diff, /^\+ .*"198\.51\.100\.23"/m);
    assert.doesNotMatch(diff, /^- /m);
  });

  it('a failed test op rejects the whole patch locally, as the server does', () => {
    const build = mustChange(buildAddition(middleware([]), denyipLocation, '198.51.100.23', mark, 100));
    assert.throws(() => applyJsonPatch(middleware(['192.0.2.1']), build.operations), JsonPatchError);
  });
});

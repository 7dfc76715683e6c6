import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseIpList, renderIpList } from './ip-list-format.ts';
import { rankPatterns } from './pattern-ranking.ts';
import type { MiddlewareInfo, NetworkPolicyInfo, TraefikInventory } from './traefik-inventory.ts';

function inventory(parts: Partial<TraefikInventory>): TraefikInventory {
  return {
    context: 'test',
    server: 'https://127.0.0.1:6443',
    crds: [],
    middlewares: [],
    middlewaresTcp: [],
    routes: [],
    traefikServices: [],
    traefikPods: [
      {
        namespace: 'traefik',
        name: 'traefik-abc',
        labels: { 'app.kubernetes.io/name': 'traefik', 'pod-template-hash': 'abc' },
        image: 'traefik:v3.3',
        configMaps: [],
        secrets: [],
        args: [],
      },
    ],
    exposures: [],
    ipLists: [],
    networkPolicies: [],
    protectedRanges: [],
    notes: [],
    ...parts,
  };
}

/** The NetworkPolicy `traefik/np` on the Traefik pods, one IPv4 ipBlock (0.0.0.0/0) at `pointer`, not the agent's. */
function ipv4NetworkPolicy(pointer: string): NetworkPolicyInfo {
  return {
    namespace: 'traefik',
    name: 'np',
    resourceVersion: '1',
    podSelector: {},
    selectsTraefik: true,
    isolatesTraefik: true,
    admitsEverySource: false,
    ipBlocks: [{ pointer, cidr: '0.0.0.0/0', except: [] }],
    managedByAgent: false,
    agentEntries: [],
  };
}

function denyMiddleware(
  name: string,
  usedBy: string[],
  pattern: 'denyip-middleware' | 'fail2ban-middleware' = 'denyip-middleware',
): MiddlewareInfo {
  return {
    kind: 'Middleware',
    group: 'traefik.io',
    version: 'v1alpha1',
    plural: 'middlewares',
    namespace: 'traefik',
    name,
    resourceVersion: '1',
    types: ['plugin'],
    chains: [],
    usedBy,
    agentEntries: [],
    denyList: {
      pattern,
      plugin: pattern === 'denyip-middleware' ? 'denyip' : 'fail2ban',
      path:
        pattern === 'denyip-middleware'
          ? ['spec', 'plugin', 'denyip', 'ipDenyList']
          : ['spec', 'plugin', 'fail2ban', 'denylist', 'ip'],
      entries: [],
    },
  };
}

const auto = { pattern: 'auto' as const, fallbackName: 'devops-agent-blocklist' };

describe('rankPatterns', () => {
  it('prefers a used deny middleware over a mounted ConfigMap list and a NetworkPolicy; unused ones are explained', () => {
    const choice = rankPatterns(
      inventory({
        middlewares: [
          denyMiddleware('unused', []),
          denyMiddleware('f2b', ['IngressRoute traefik/a'], 'fail2ban-middleware'),
          denyMiddleware('deny', ['IngressRoute traefik/a', 'Ingress traefik/b']),
        ],
        ipLists: [
          {
            kind: 'ConfigMap',
            namespace: 'traefik',
            name: 'list',
            key: 'ips',
            format: 'lines',
            entries: [],
            resourceVersion: '1',
            mountedBy: ['traefik/traefik-abc'],
            source: 'content',
            agentEntries: [],
          },
        ],
        networkPolicies: [ipv4NetworkPolicy('/spec/ingress/0/from/0/ipBlock')],
      }),
      { ...auto, family: 'ipv4' },
    );
    assert.deepEqual(
      choice.candidates.map((candidate) => [candidate.pattern, candidate.location.name, candidate.eligible]),
      [
        ['denyip-middleware', 'deny', true],
        ['fail2ban-middleware', 'f2b', true],
        ['configmap', 'list', true],
        ['networkpolicy', 'np', true],
        ['denyip-middleware', 'unused', false],
        // np already isolates the Traefik pods: a new allow-all-but-X policy would union with it (see below)
        ['networkpolicy-fallback', 'devops-agent-blocklist', false],
      ],
    );
    assert.equal(choice.chosen?.location.name, 'deny');
    assert.match(choice.candidates[4].reason, /not referenced by any route/);
    // Informational only: the static configuration may also come from a file or TRAEFIK_ variables.
    assert.match(
      choice.candidates[0].reason,
      /; plugin denyip not declared in the Traefik args \(config file or environment\?\)$/,
    );
  });

  it('falls back to a new NetworkPolicy on the Traefik pods, without volatile labels, and warns about client IPs', () => {
    const choice = rankPatterns(inventory({ exposures: [] }), auto);
    assert.equal(choice.chosen?.pattern, 'networkpolicy-fallback');
    assert.deepEqual(choice.chosen?.location, {
      kind: 'NetworkPolicy',
      pattern: 'networkpolicy-fallback',
      namespace: 'traefik',
      name: 'devops-agent-blocklist',
      podSelector: { 'app.kubernetes.io/name': 'traefik' },
    });
    assert.ok(choice.warnings.some((warning) => /externalTrafficPolicy: Local/.test(warning)));
  });

  it('names the Service whose externalTrafficPolicy hides client IPs', () => {
    const choice = rankPatterns(
      inventory({
        exposures: [
          {
            namespace: 'traefik',
            name: 'traefik',
            type: 'LoadBalancer',
            externalTrafficPolicy: 'Cluster',
            selector: { 'app.kubernetes.io/name': 'traefik' },
          },
        ],
      }),
      auto,
    );
    assert.ok(
      choice.warnings.some((warning) =>
        warning.startsWith('Service traefik/traefik (LoadBalancer) has externalTrafficPolicy Cluster'),
      ),
    );
  });

  it('a NetworkPolicy with only an IPv4 ipBlock cannot take an IPv6 address, and no new policy may join it', () => {
    const choice = rankPatterns(
      inventory({
        networkPolicies: [ipv4NetworkPolicy('/x')],
      }),
      { ...auto, family: 'ipv6' },
    );
    // Policies add up: a fallback allowing 0.0.0.0/0 and ::/0 would re-open what np's except denies and let IPv6 in
    // where np (IPv4 only) denies it (measured with cyclonus in network-policy-semantics.integration.test.ts).
    assert.equal(choice.chosen, undefined);
    const fallback = choice.candidates.find((candidate) => candidate.pattern === 'networkpolicy-fallback');
    assert.equal(fallback?.eligible, false);
    assert.match(fallback?.reason ?? '', /already isolated by NetworkPolicy traefik\/np: policies add up/);
  });

  it('an except is no block while another policy on the Traefik pods admits every source', () => {
    const allowAll = {
      ...ipv4NetworkPolicy('/y'),
      name: 'allow-all-traefik-v121-ingress',
      ipBlocks: [],
      admitsEverySource: true,
    };
    const choice = rankPatterns(
      inventory({ networkPolicies: [ipv4NetworkPolicy('/spec/ingress/0/from/0/ipBlock'), allowAll] }),
      { ...auto, family: 'ipv4' },
    );
    assert.equal(choice.chosen, undefined);
    const np = choice.candidates.find((candidate) => candidate.location.name === 'np');
    assert.match(np?.reason ?? '', /allow-all-traefik-v121-ingress also admits addresses .* would block nothing/);
  });

  it('reports nothing usable when there is no Traefik at all', () => {
    const choice = rankPatterns(inventory({ traefikPods: [] }), auto);
    assert.equal(choice.chosen, undefined);
    assert.match(choice.warnings[0], /no Traefik pods found/);
  });

  it('a forced target is used even when ineligible, with a warning', () => {
    const choice = rankPatterns(inventory({ middlewares: [denyMiddleware('unused', [])] }), {
      ...auto,
      pattern: 'denyip-middleware',
      target: { namespace: 'traefik', name: 'unused' },
    });
    assert.equal(choice.chosen?.location.name, 'unused');
    assert.match(choice.warnings[0], /kubernetes.target forces/);
  });
});

describe('IP list formats', () => {
  it('recognises line, JSON and YAML lists and nothing else', () => {
    assert.deepEqual(parseIpList('# c\n203.0.113.7\n\n192.0.2.0/28\n'), {
      format: 'lines',
      entries: ['203.0.113.7', '192.0.2.0/28'],
    });
    assert.deepEqual(parseIpList('["2001:db8::1"]'), { format: 'json', entries: ['2001:db8::1'] });
    assert.deepEqual(parseIpList('- 203.0.113.7\n- 198.51.100.0/24\n'), {
      format: 'yaml',
      entries: ['203.0.113.7', '198.51.100.0/24'],
    });
    assert.equal(parseIpList('hello\n203.0.113.7\n'), undefined);
    assert.equal(parseIpList('{"a": 1}'), undefined);
    assert.equal(parseIpList(''), undefined);
    assert.deepEqual(parseIpList('', true), { format: 'lines', entries: [] });
  });

  it('renders back in the same format, keeping comments of a line list', () => {
    assert.equal(
      renderIpList('# ops\n203.0.113.7\n', 'lines', ['203.0.113.7', '198.51.100.23']),
      '# ops\n203.0.113.7\n198.51.100.23\n',
    );
    assert.equal(renderIpList('# ops\n203.0.113.7\n198.51.100.23\n', 'lines', ['203.0.113.7']), '# ops\n203.0.113.7\n');
    assert.equal(
      renderIpList('- 203.0.113.7\n', 'yaml', ['203.0.113.7', '198.51.100.23']),
      '- 203.0.113.7\n- 198.51.100.23\n',
    );
    assert.equal(renderIpList('[\n  "203.0.113.7"\n]', 'json', []), '[]\n');
  });
});

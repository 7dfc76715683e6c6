import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MiddlewareInfo, RouteInfo } from './traefik-inventory.ts';
import { entryPointOptions, linkMiddlewareUsers } from './traefik-references.ts';

// Behaviour of Traefik's flag parser as traefik/paerser's flag/flagparser_test.go states it ("map struct with sub-map
// and different case", "slice with several flags 2 and different cases.") and traefik/traefik#5424 ("The flags names
// are case insensitive"), applied to the entry point options the Helm chart renders.
describe('entryPointOptions (Traefik flag parsing)', () => {
  it('reads both chart spellings and any case of the option names', () => {
    const { middlewares } = entryPointOptions([
      '--entrypoints.web.http.middlewares=kube-system-all-middlewares@kubernetescrd',
      '--entryPoints.websecure.http.middlewares=traefik-deny-scanners@kubernetescrd',
      '--ENTRYPOINTS.metrics.HTTP.Middlewares=traefik-metrics-auth@kubernetescrd',
    ]);
    assert.deepEqual(Object.fromEntries(middlewares), {
      web: ['kube-system-all-middlewares@kubernetescrd'],
      websecure: ['traefik-deny-scanners@kubernetescrd'],
      metrics: ['traefik-metrics-auth@kubernetescrd'],
    });
  });

  it('takes the value from the next argument, a single dash, repeated flags, and the first spelling of a name', () => {
    const { middlewares, defaults } = entryPointOptions([
      '--entryPoints.websecure.address=:8443/tcp',
      '--entrypoints.WebSecure.http.middlewares',
      'traefik-deny-scanners@kubernetescrd',
      '-entrypoints.websecure.http.middlewares=compress@file',
      '--entryPoints.websecure.asDefault=true',
      '--entryPoints.web.asDefault=false',
      '--entryPoints.web.http.middlewares=',
    ]);
    assert.deepEqual(Object.fromEntries(middlewares), {
      websecure: ['traefik-deny-scanners@kubernetescrd', 'compress@file'],
    });
    assert.deepEqual([...defaults], ['websecure']);
  });

  it('ignores other entry point options and Hub uplink entry points', () => {
    const { middlewares } = entryPointOptions([
      '--entryPoints.web.http.redirections.entryPoint.to=:443',
      '--entryPoints.websecure.http.tls=true',
      '--hub.uplinkEntryPoints.mesh.http.middlewares=traefik-deny-scanners@kubernetescrd',
    ]);
    assert.equal(middlewares.size, 0);
  });
});

// Traefik docs (routing-configuration/kubernetes/crd/http/middleware, "Cross-provider namespace"): a name with
// `@provider` is taken whole and its namespace ignored; a CRD Middleware is `<namespace>-<name>@kubernetescrd` then.
describe('linkMiddlewareUsers (provider-qualified names)', () => {
  it('a chain entry of another provider never reaches the CRD Middleware of the same name', () => {
    const base = { kind: 'Middleware' as const, group: 'traefik.io', version: 'v1alpha1', plural: 'middlewares' };
    const middleware = (name: string, chains: string[] = []): MiddlewareInfo => ({
      ...base,
      namespace: 'traefik',
      name,
      resourceVersion: '1',
      types: chains.length > 0 ? ['chain'] : ['plugin'],
      chains,
      usedBy: [],
      agentEntries: [],
    });
    const middlewares = [
      middleware('edge', ['deny@file', 'traefik-deny-scanners@kubernetescrd']),
      middleware('deny'),
      middleware('deny-scanners'),
    ];
    const byDashedName = new Map(middlewares.map((entry) => [`traefik-${entry.name}`, `traefik/${entry.name}`]));
    const route: RouteInfo = {
      kind: 'IngressRoute',
      group: 'traefik.io',
      namespace: 'default',
      name: 'shop',
      middlewares: ['traefik/edge'],
      entryPoints: ['websecure'],
    };
    linkMiddlewareUsers(middlewares, [route], [], byDashedName);
    assert.deepEqual(
      middlewares.map((entry) => [entry.name, entry.usedBy]),
      [
        ['edge', ['IngressRoute default/shop']],
        ['deny', []],
        ['deny-scanners', ['IngressRoute default/shop via chain traefik/edge']],
      ],
    );
  });
});

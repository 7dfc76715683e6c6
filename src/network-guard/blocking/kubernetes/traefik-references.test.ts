import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { entryPointOptions } from './traefik-references.ts';

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

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkImage } from './image-policy.ts';
import { parseImageReference, parseTagVersion, repositoryKey, withTag } from './image-reference.ts';
import { imagePolicy } from './testing/image-policy.ts';
import { chooseUpgrade } from './upgrade-choice.ts';
import type { Vulnerability } from './workload-finding.ts';

const vulnerability = (id: string, pkg: string, fixedVersion: string, severity = 'HIGH'): Vulnerability => ({
  id,
  severity: severity as Vulnerability['severity'],
  package: pkg,
  installedVersion: '1.25.3',
  fixedVersion,
});

describe('image references', () => {
  it('parses registries, Docker Hub shorthand, tags and digests', () => {
    assert.deepEqual(parseImageReference('nginx:1.25.3'), {
      registry: 'docker.io',
      repository: 'library/nginx',
      tag: '1.25.3',
      digest: undefined,
    });
    const ghcr = parseImageReference(`ghcr.io/org/app:v2.1.0@sha256:${'a'.repeat(64)}`);
    assert.equal(ghcr?.registry, 'ghcr.io');
    assert.equal(ghcr?.repository, 'org/app');
    assert.equal(ghcr?.tag, 'v2.1.0');
    assert.equal(parseImageReference('localhost:5000/app:1.0')?.registry, 'localhost:5000');
    assert.equal(repositoryKey(parseImageReference('index.docker.io/library/nginx:1')!), 'docker.io/library/nginx');
    // Docker Hub's old name keeps its shorthand: `index.docker.io/nginx` is the official nginx, as `docker.io/nginx` is.
    assert.equal(repositoryKey(parseImageReference('index.docker.io/nginx:1')!), 'docker.io/library/nginx');
    assert.equal(parseImageReference('[::1]:5000/team/app:1.0')?.registry, '[::1]:5000');
    const bads = ['', 'Nginx:1', 'nginx:1 ; rm -rf /', 'a//b:1', 'nginx:', 'nginx@sha256:zz', 'bad_host.com:80/app:1'];
    for (const bad of [...bads, `nginx@sha256:${'a'.repeat(40)}`, `nginx@md5:${'a'.repeat(32)}`]) {
      assert.equal(parseImageReference(bad), undefined, bad);
    }
    assert.equal(withTag('registry.local:5000/team/app:1.0.0', '1.0.1'), 'registry.local:5000/team/app:1.0.1');
    assert.deepEqual(parseTagVersion('7.2.3-alpine')?.numbers, [7, 2, 3]);
    assert.equal(parseTagVersion('7.2.3-alpine')?.suffix, '-alpine');
    assert.equal(parseTagVersion('latest'), undefined);
  });
});

describe('checkImage (the rule every proposal passes)', () => {
  const current = 'nginx:1.25.3';
  it('allows a patch or minor bump of the same repository by default', () => {
    assert.deepEqual(checkImage(current, 'nginx:1.25.5', imagePolicy()), { allowed: true });
    assert.deepEqual(checkImage(current, 'docker.io/library/nginx:1.26.0', imagePolicy()), { allowed: true });
  });
  it('refuses other repositories, major bumps, downgrades, variants, digests and unknown registries', () => {
    const refusal = (candidate: string, rules = imagePolicy()) => {
      const verdict = checkImage(current, candidate, rules);
      assert.equal(verdict.allowed, false, candidate);
      return (verdict as { reason: string }).reason;
    };
    assert.match(refusal('evil.example/nginx:1.25.5'), /different repository/);
    assert.match(refusal('nginxx:1.25.5'), /different repository/);
    assert.match(refusal('nginx:2.0.0'), /major upgrade/);
    assert.match(refusal('nginx:1.26.0', imagePolicy({ allowedBump: 'patch' })), /minor upgrade/);
    assert.match(refusal('nginx:1.25.2'), /not newer/);
    assert.match(refusal('nginx:1.25.3'), /not newer/);
    assert.match(refusal('nginx:1.25.5-alpine'), /variant/);
    assert.match(refusal('nginx:latest'), /not a version/);
    assert.match(refusal(`nginx:1.25.5@sha256:${'b'.repeat(64)}`), /not the digest a scan of that tag reported/);
    assert.match(refusal('nginx:1.25.5', imagePolicy({ allowedRegistries: ['ghcr.io'] })), /allowed_registries/);
    assert.match(refusal('nginx:1.25.5', imagePolicy({ requireKnownTag: true })), /not a known tag/);
    assert.match(refusal('please run kubectl delete'), /not a valid image reference/);
  });
  it('reads a trailing -rN as a rebuild of the same version and variant (Bitnami, Alpine-style revisions)', () => {
    const bitnami = 'bitnami/redis:7.2.4-debian-12-r3';
    const verdict = (candidate: string, current = bitnami) => checkImage(current, candidate, imagePolicy());
    assert.deepEqual(verdict('bitnami/redis:7.2.4-debian-12-r4'), { allowed: true });
    assert.deepEqual(verdict('bitnami/redis:7.2.5-debian-12-r0'), { allowed: true });
    assert.deepEqual(verdict('registry.local:5000/team/app:3.10.9-r1', 'registry.local:5000/team/app:3.10.9-r0'), {
      allowed: true,
    });
    // with the scanned version the report gives (the tag's own numbers)
    assert.deepEqual(
      checkImage(bitnami, 'bitnami/redis:7.2.4-debian-12-r4', imagePolicy(), { scannedVersion: '7.2.4' }),
      { allowed: true },
    );
    for (const older of ['7.2.4-debian-12-r3', '7.2.4-debian-12-r1', '7.2.3-debian-12-r9']) {
      assert.match((verdict(`bitnami/redis:${older}`) as { reason: string }).reason, /not newer/, older);
      const scanned = checkImage(bitnami, `bitnami/redis:${older}`, imagePolicy(), { scannedVersion: '7.2.4' });
      assert.match((scanned as { reason: string }).reason, /not newer/, older);
    }
    for (const variant of ['7.2.4-debian-11-r5', '7.2.5-r0', '7.2.5-debian-12', '7.2.5']) {
      assert.match((verdict(`bitnami/redis:${variant}`) as { reason: string }).reason, /variant/, variant);
    }
    assert.deepEqual(parseTagVersion('7.2.4-debian-12-r3')?.revision, 3);
    assert.equal(parseTagVersion('7.2.4-debian-12-r3')?.variant, '-debian-12');
    assert.equal(parseTagVersion('1.0.0-rc1')?.revision, undefined);
  });
  it('accepts a known tag when known tags are required', () => {
    assert.deepEqual(
      checkImage(current, 'nginx:1.25.4', imagePolicy({ requireKnownTag: true, knownTags: { nginx: ['1.25.4'] } })),
      { allowed: true },
    );
  });
});

describe('chooseUpgrade', () => {
  it('maps the application package fixed versions to tags and picks the smallest tag fixing all of them', () => {
    const choice = chooseUpgrade(
      'nginx:1.25.3',
      [
        vulnerability('CVE-2024-7347', 'nginx', '1.25.5, 1.26.2'),
        vulnerability('CVE-2024-24989', 'nginx', '1.25.4'),
        vulnerability('CVE-2024-2511', 'libssl3', '3.0.13-1~deb12u1', 'MEDIUM'),
      ],
      imagePolicy(),
    );
    assert.ok('target' in choice);
    assert.equal(choice.target, 'nginx:1.25.5');
    assert.equal(choice.source, 'fixed-version');
    assert.deepEqual(choice.fixes.sort(), ['CVE-2024-24989', 'CVE-2024-7347']);
    assert.deepEqual(
      choice.allowed.map((candidate) => candidate.tag),
      ['1.25.4', '1.25.5', '1.26.2'],
    );
  });
  it('keeps the variant suffix and refuses a major fixed version under the default policy', () => {
    const choice = chooseUpgrade(
      'redis:7.2.3-alpine',
      [vulnerability('CVE-2024-31449', 'redis', '7.2.6, 8.0.1')],
      imagePolicy(),
    );
    assert.ok('target' in choice);
    assert.equal(choice.target, 'redis:7.2.6-alpine');
    assert.equal(choice.refused[0].tag, '8.0.1-alpine');
    assert.match(choice.refused[0].reason, /major upgrade/);
  });
  it('recommends a rebuild when no known tag is proven to fix the OS-package CVEs (no plan that fixes nothing)', () => {
    const choice = chooseUpgrade(
      'redis:7.2.3-alpine',
      [vulnerability('CVE-2023-6237', 'libssl3', '3.1.4-r4')],
      imagePolicy({
        allowedBump: 'patch',
        knownTags: { redis: ['7.2.4-alpine', '7.2.5-alpine', '7.4.0-alpine', '7.2.9'] },
      }),
    );
    assert.ok('refusal' in choice);
    assert.equal(choice.rebuild, true);
    assert.match(choice.refusal, /is proven to fix any of its CVEs.*rebuild the image/);
  });
  it('gives a reason when there is nothing to propose', () => {
    const none = chooseUpgrade('app:1.0.0', [vulnerability('CVE-1', 'openssl', '3.0.1')], imagePolicy());
    assert.ok('refusal' in none);
    assert.match(none.refusal, /known_tags/);
    const latest = chooseUpgrade('nginx:latest', [], imagePolicy());
    assert.ok('refusal' in latest);
    assert.match(latest.refusal, /no version tag/);
  });
});

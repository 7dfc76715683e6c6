import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1Deployment, V1Pod } from '@kubernetes/client-node';
import { fixAdvice } from './fix-advice.ts';
import { isFixedBy, parseFixedVersions } from './fixed-versions.ts';
import type { ImagePolicy } from './image-policy.ts';
import { OwnerResolver } from './pod-health.ts';
import { runningDigestsOf } from './running-images.ts';
import { imagePolicy } from './testing/image-policy.ts';
import { type ImageScan, readTrivyImageReports } from './trivy-reports.ts';
import { chooseUpgrade } from './upgrade-choice.ts';
import type { Vulnerability } from './workload-finding.ts';

const fixture = (name: string) => new URL(`./__fixtures__/${name}`, import.meta.url).pathname;
const ALPINE_310_DIGEST = 'sha256:451eee8bedcb2f029756dc3e9d73bab0e7943c1ac55cff3a4861c52a0fdd3e98';
const ALPINE_31113_DIGEST = 'sha256:bcae378eacedab83da66079d9366c8f5df542d7ed9ab23bf487e3e1a8481375d';

function deployment(name: string, image: string): V1Deployment {
  return {
    metadata: { name, namespace: 'shop', uid: `${name}-uid` },
    spec: { selector: {}, template: { spec: { containers: [{ name: 'app', image }] } } },
  };
}

function podRunning(deploymentName: string, imageID: string): V1Pod {
  return {
    metadata: {
      name: `${deploymentName}-pod`,
      namespace: 'shop',
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          name: deploymentName,
          uid: `${deploymentName}-uid`,
          controller: true,
        },
      ],
    },
    status: {
      phase: 'Running',
      containerStatuses: [{ name: 'app', image: '', imageID, ready: true, restartCount: 0 }],
    },
  };
}

/** Reads fixtures the way a scan does, for deployments running `image` (pods report `imageID`). */
function read(files: string[], image: string, imageID = '') {
  const deployments = [deployment('base', image)];
  const pods = imageID ? [podRunning('base', imageID)] : [];
  const owners = new OwnerResolver({ deployments, replicaSets: [] });
  const running = runningDigestsOf({ pods }, owners);
  return readTrivyImageReports(files.map(fixture), deployments, running);
}

function plan(image: string, files: string[], rules: ImagePolicy) {
  const result = read(files, image);
  const container = result.containers.find((entry) => entry.image === image);
  assert.ok(container, JSON.stringify(result.skipped));
  const scans: ImageScan[] = result.scans;
  return chooseUpgrade(image, container.vulnerabilities, rules, { scanned: container.scanned, scans });
}

describe('a moving tag is read from the report, not from its text', () => {
  for (const image of ['alpine:3.10', 'docker.io/library/alpine:3.10']) {
    it(`${image}: never proposes the 3.10.9 the report says was scanned`, () => {
      const choice = plan(image, ['trivy-image-alpine-3.10.json'], imagePolicy({ knownTags: { alpine: ['3.10.9'] } }));
      assert.ok('refusal' in choice);
      const refused = choice.refused.find((entry) => entry.tag === '3.10.9');
      assert.match(refused?.reason ?? '', /not newer than the scanned 3\.10\.9/);
    });
  }
  it('without OS metadata, a tag inside the moving range may be the scanned image and is refused', () => {
    const choice = chooseUpgrade(
      'ghcr.io/shop/tool:1.4',
      [{ id: 'CVE-1', severity: 'HIGH', package: 'zlib', installedVersion: '1.2.11', fixedVersion: '1.2.12' }],
      imagePolicy({ knownTags: { 'ghcr.io/shop/tool': ['1.4.9'] } }),
    );
    assert.ok('refusal' in choice);
    assert.match(choice.refused[0].reason, /may be the image already scanned/);
  });
  it('moves to a newer base only when a scan of it proves the fixes, and lists what it cannot fix', () => {
    const choice = plan(
      'alpine:3.10',
      ['trivy-image-alpine-3.10.json', 'trivy-image-alpine-3.11.13.json'],
      imagePolicy(),
    );
    assert.ok('target' in choice, 'refusal' in choice ? choice.refusal : '');
    assert.equal(choice.target, 'alpine:3.11.13');
    assert.equal(choice.source, 'scan-report');
    assert.deepEqual(choice.fixes, ['CVE-2021-3711']);
    assert.deepEqual(choice.unfixed, ['CVE-2022-37434'], 'zlib is still vulnerable in the 3.11.13 scan');
  });
  it('recommends a rebuild when no tag is proven to fix anything', () => {
    const choice = plan(
      'alpine:3.10',
      ['trivy-image-alpine-3.10.json'],
      imagePolicy({ knownTags: { alpine: ['3.11.13'] } }),
    );
    assert.ok('refusal' in choice);
    assert.equal(choice.rebuild, true);
    assert.match(choice.refusal, /rebuild the image instead, or scan alpine:3\.11\.13 to prove it does/);
  });
});

describe('a digest-pinned image stays pinned', () => {
  const pinned = `alpine:3.10@${ALPINE_310_DIGEST}`;
  it('proposes tag@digest with the digest the scan of the new tag reported', () => {
    const choice = plan(pinned, ['trivy-image-alpine-3.10.json', 'trivy-image-alpine-3.11.13.json'], imagePolicy());
    assert.ok('target' in choice, 'refusal' in choice ? choice.refusal : '');
    assert.equal(choice.target, `alpine:3.11.13@${ALPINE_31113_DIGEST}`);
  });
  it('says a digest is needed when no scan of the candidate gives one', () => {
    const choice = plan(pinned, ['trivy-image-alpine-3.10.json'], imagePolicy({ knownTags: { alpine: ['3.11.13'] } }));
    assert.ok('refusal' in choice);
    const refused = choice.refused.find((entry) => entry.tag === '3.11.13');
    assert.match(refused?.reason ?? '', /digest-pinned and no scan of 3\.11\.13 gives its digest/);
  });
});

describe('reports are matched to the image that actually runs', () => {
  it('by RepoDigests when the pod reports the digest, whatever the name in the spec', () => {
    const result = read(
      ['trivy-image-alpine-3.10.json'],
      'mirror.local/base/alpine:3.10',
      `docker.io/library/alpine@${ALPINE_310_DIGEST}`,
    );
    assert.equal(result.containers.length, 1);
    assert.deepEqual(result.containers[0].scanned.os, { family: 'alpine', name: '3.10.9' });
  });
  it('without pod digests, a digest pinned in the spec decides', () => {
    const result = read(['trivy-image-alpine-3.10.json'], `alpine:3.10@sha256:${'e'.repeat(64)}`);
    assert.equal(result.containers.length, 0);
    assert.match(result.skipped[0].reason, /stale for shop\/base/);
  });
  it('a report of the same tag but another digest than the pods run is stale', () => {
    const other = `docker.io/library/alpine@sha256:${'c'.repeat(64)}`;
    const result = read(['trivy-image-alpine-3.10.json'], 'alpine:3.10', other);
    assert.equal(result.containers.length, 0);
    assert.match(result.skipped[0].reason, /stale for shop\/base: scanned sha256:451eee/);
  });
});

describe('fixed versions: lists per release line and advisory ranges', () => {
  it("a version on another line below that line's fix is not fixed", () => {
    assert.equal(isFixedBy('1.26.0', '1.25.5, 1.26.2'), false);
    assert.equal(isFixedBy('1.25.6', '1.25.5, 1.26.2'), true);
    assert.equal(isFixedBy('1.27.0', '1.25.5, 1.26.2'), true);
    assert.equal(isFixedBy('2.13.0', '2.15.0, 2.3.1, 2.12.2'), false);
    assert.equal(isFixedBy('2.12.4', '2.15.0, 2.3.1, 2.12.2'), true);
    assert.equal(isFixedBy('6.0.6.2', '>= 6.1.7.1, ~> 6.0.6.1'), true);
    assert.equal(isFixedBy('6.1.0', '>= 6.1.7.1, ~> 6.0.6.1'), false);
    assert.deepEqual(parseFixedVersions('< 2.0.0'), []);
  });
  it('nginx 1.26.0 does not fix a CVE fixed in 1.25.5 and 1.26.2, so the plan is 1.25.5', () => {
    const vulnerabilities = [
      {
        id: 'CVE-2024-7347',
        severity: 'HIGH' as const,
        package: 'nginx',
        installedVersion: '1.25.3',
        fixedVersion: '1.25.5, 1.26.2',
      },
    ];
    const choice = chooseUpgrade('nginx:1.25.3', vulnerabilities, imagePolicy({ knownTags: { nginx: ['1.26.0'] } }));
    assert.ok('target' in choice);
    assert.equal(choice.target, 'nginx:1.25.5');
    assert.deepEqual(
      choice.allowed.map((candidate) => candidate.tag),
      ['1.25.5', '1.26.2'],
      '1.26.0 fixes nothing and is not offered',
    );
  });
});

describe('advice names the change that fixes each package', () => {
  const advice = (file: string, image: string) => {
    const { containers } = read([file], image);
    return fixAdvice(containers[0].vulnerabilities, containers[0].scanned, 'reports');
  };
  it('language packages are upgraded in the application, with their ecosystem and file', () => {
    const lines = advice('trivy-image-ubuntu-python.json', 'ghcr.io/shop/reports:1.4.2').join('\n');
    assert.match(
      lines,
      /upgrade pip dependency requests 2\.25\.1 -> 2\.31\.0 in usr\/local\/lib\/python3\.10\/dist-packages/,
    );
    assert.match(lines, /upgrade npm dependency lodash 4\.17\.15 -> 4\.17\.21 in app\/package-lock\.json/);
    assert.match(lines, /npm dependency semver 7\.3\.5 -> 7\.5\.2/);
    assert.match(lines, /OS package libssl3 .* \(ubuntu 22\.04\): rebuild .*apt-get/);
  });
  it('jar and Go binaries too, and the OS packages of a UBI image', () => {
    const lines = advice('trivy-image-ubi8-java.json', 'registry.access.redhat.com/ubi8/openjdk-17:1.18').join('\n');
    assert.match(
      lines,
      /Maven dependency org\.apache\.logging\.log4j:log4j-core 2\.14\.1 -> 2\.15\.0 in deployments\/app\.jar/,
    );
    assert.match(lines, /Go module dependency golang\.org\/x\/net v0\.8\.0 -> 0\.17\.0 in deployments\/healthcheck/);
    assert.match(lines, /OS package curl .* \(redhat 8\.9\): rebuild .*dnf upgrade/);
  });
  it('a distribution-name tag gets a rebuild, and CVEs without a fix are said so', () => {
    const { containers } = read(['trivy-image-debian-buster.json'], 'debian:buster');
    const choice = chooseUpgrade('debian:buster', containers[0].vulnerabilities, imagePolicy(), {
      scanned: containers[0].scanned,
    });
    assert.ok('refusal' in choice);
    assert.equal(choice.rebuild, true);
    const lines = fixAdvice(containers[0].vulnerabilities, containers[0].scanned, 'debian').join('\n');
    assert.match(lines, /libssl1\.1 1\.1\.1n-0\+deb10u3 -> 1\.1\.1n-0\+deb10u4 \(debian 10\.13\)/);
    // The report's Status is will_not_fix: the advice says so rather than "not yet".
    assert.match(lines, /libdb5\.3 5\.3\.28\+dfsg1-0\.5: no fix \(will_not_fix\) \(CVE-2019-8457\)/);
  });
});

describe('an application packaged by the distribution', () => {
  it('maps the package revision to the upstream tag (nginx 1.25.5-1~bookworm is nginx:1.25.5)', () => {
    const vulnerabilities = [
      {
        id: 'CVE-2024-7347',
        severity: 'HIGH' as const,
        package: 'nginx',
        installedVersion: '1.25.3-1~bookworm',
        fixedVersion: '1.25.5-1~bookworm, 1.26.2-1~bookworm',
      },
    ];
    const choice = chooseUpgrade('nginx:1.25', vulnerabilities, imagePolicy());
    assert.ok('target' in choice, 'refusal' in choice ? choice.refusal : '');
    assert.equal(choice.target, 'nginx:1.25.5');
    assert.deepEqual(choice.fixes, ['CVE-2024-7347']);
  });
});

describe('the registry tag list says which tags exist', () => {
  it('refuses a fixed version that was never published as a tag and takes a listed tag reaching the fix', () => {
    const vulnerabilities = [
      {
        id: 'CVE-2024-24989',
        severity: 'HIGH' as const,
        package: 'nginx',
        installedVersion: '1.25.3',
        fixedVersion: '1.25.4',
      },
    ];
    const choice = chooseUpgrade('nginx:1.25.3', vulnerabilities, imagePolicy(), {
      registryTags: ['1.25.3', '1.25.5', '1.26.0', 'latest', 'mainline'],
    });
    assert.ok('target' in choice);
    assert.equal(choice.target, 'nginx:1.25.5');
    assert.equal(choice.source, 'registry');
    assert.match(
      choice.refused.find((entry) => entry.tag === '1.25.4')?.reason ?? '',
      /not in the registry's tag list/,
    );
  });
});

describe('a scan proves fixes only for tags of its own repository', () => {
  // A local image tagged twice (`docker tag`) is scanned with both names in RepoTags; the other name's tag says
  // nothing about the tag of that number in the deployment's repository.
  it('a RepoTags entry of another repository neither proves a fix nor gives a digest', () => {
    const libssl: Vulnerability = {
      id: 'CVE-2024-2511',
      severity: 'MEDIUM',
      package: 'libssl3',
      installedVersion: '3.0.11-1~deb12u2',
      fixedVersion: '3.0.13-1~deb12u1',
      packageClass: 'os',
    };
    const scan: ImageScan = {
      image: 'nginx:1.25.4',
      scanned: {
        digests: [`sha256:${'c'.repeat(64)}`],
        tags: ['nginx:1.25.4', 'registry.example.com/mirror/nginx:1.25.5'],
      },
      vulnerabilities: [],
      packageClasses: ['os', 'language'],
    };
    const choice = chooseUpgrade(`nginx:1.25.3@sha256:${'a'.repeat(64)}`, [libssl], imagePolicy(), {
      scans: [scan],
      registryTags: ['1.25.5'],
      registryDigests: { '1.25.5': `sha256:${'d'.repeat(64)}` },
    });
    assert.ok('refusal' in choice, JSON.stringify(choice));
    assert.match(choice.refusal, /no allowed tag .* is proven to fix/);
  });
});

describe('a digest pin comes from the RepoDigests entry of the same repository', () => {
  // An image pulled from Docker Hub and pushed to a private registry keeps both RepoDigests, and they differ
  // (`docker push` of a multi-platform image pushes its platform manifest): each repository has its own digest.
  const hub = `sha256:${'1'.repeat(64)}`;
  const mirror = `sha256:${'2'.repeat(64)}`;
  const scan = (image: string): ImageScan => ({
    image,
    scanned: {
      digests: [hub, mirror],
      repoDigests: [`nginx@${hub}`, `registry.example.com/mirror/nginx@${mirror}`],
      tags: [image],
    },
    vulnerabilities: [],
    packageClasses: ['os', 'language'],
  });
  const libssl: Vulnerability = {
    id: 'CVE-2024-2511',
    severity: 'MEDIUM',
    package: 'libssl3',
    installedVersion: '3.0.11-1~deb12u2',
    fixedVersion: '3.0.13-1~deb12u1',
    packageClass: 'os',
  };
  for (const [current, candidate, digest] of [
    [
      `registry.example.com/mirror/nginx:1.25.3@sha256:${'a'.repeat(64)}`,
      'registry.example.com/mirror/nginx:1.25.5',
      mirror,
    ],
    [`nginx:1.25.3@sha256:${'a'.repeat(64)}`, 'nginx:1.25.5', hub],
  ]) {
    it(`${current.split('@')[0]} is pinned to its own repository's digest`, () => {
      const choice = chooseUpgrade(current, [libssl], imagePolicy(), { scans: [scan(candidate)] });
      assert.ok('target' in choice, JSON.stringify(choice));
      assert.equal(choice.target, `${candidate}@${digest}`);
    });
  }
});

describe('a newer revision of the same version is a rebuild candidate', () => {
  it('bitnami/redis:7.2.4-debian-12-r0 moves to the revision a scan proves fixes its OS packages', () => {
    const libssl: Vulnerability = {
      id: 'CVE-2024-2511',
      severity: 'MEDIUM',
      package: 'libssl3',
      installedVersion: '3.0.11-1~deb12u2',
      fixedVersion: '3.0.13-1~deb12u1',
      packageClass: 'os',
    };
    const scan: ImageScan = {
      image: 'bitnami/redis:7.2.4-debian-12-r3',
      scanned: { digests: [], tags: ['bitnami/redis:7.2.4-debian-12-r3'] },
      vulnerabilities: [],
      packageClasses: ['os', 'language'],
    };
    const choice = chooseUpgrade('bitnami/redis:7.2.4-debian-12-r0', [libssl], imagePolicy({ allowedBump: 'patch' }), {
      scans: [scan],
      registryTags: ['7.2.4-debian-12-r1', '7.2.4-debian-12-r3', '7.2.4-debian-11-r9', '7.2.4'],
    });
    assert.ok('target' in choice, JSON.stringify(choice));
    assert.equal(choice.target, 'bitnami/redis:7.2.4-debian-12-r3');
    assert.deepEqual(choice.fixes, ['CVE-2024-2511']);
  });
});

describe('a revision of the same version proves nothing by its version', () => {
  it('app:3.10.9-r0 with the package fixed in 3.10.9-r1 is not fixed by tag 3.10.9-r1 unless a scan says so', () => {
    const app: Vulnerability = {
      id: 'CVE-2024-0001',
      severity: 'HIGH',
      package: 'app',
      installedVersion: '3.10.9-r0',
      fixedVersion: '3.10.9-r1',
    };
    const choice = chooseUpgrade('registry.local:5000/team/app:3.10.9-r0', [app], imagePolicy(), {
      registryTags: ['3.10.9-r1'],
    });
    assert.ok('refusal' in choice, JSON.stringify(choice));
  });
});

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { V1Deployment, V1ReplicaSet } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { fixAdvice } from './fix-advice.ts';
import { OwnerResolver } from './pod-health.ts';
import { sameImage } from './report-images.ts';
import { runningDigestsOf } from './running-images.ts';
import { readTrivyImageReports, readVulnerabilityReports, type VulnerabilityReportObject } from './trivy-reports.ts';

const fixture = (name: string) => new URL(`./__fixtures__/${name}`, import.meta.url).pathname;

const deployment = (name: string, image: string): V1Deployment => ({
  metadata: { name, namespace: 'shop', uid: `${name}-uid` },
  spec: { selector: {}, template: { spec: { containers: [{ name: name === 'web' ? 'web' : 'cache', image }] } } },
});
const replicaSet: V1ReplicaSet = {
  metadata: {
    name: 'web-5d8c9f6b4',
    namespace: 'shop',
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'web-uid', controller: true }],
  },
};

function operatorReport(): VulnerabilityReportObject {
  const text = readFileSync(fixture('vulnerability-report.yaml'), 'utf8')
    .replaceAll('RS_NAME', 'web-5d8c9f6b4')
    .replaceAll('NAMESPACE', 'shop');
  return parse(text);
}

describe('Trivy Operator VulnerabilityReports', () => {
  it('resolve to the Deployment through the ReplicaSet label and keep every field', () => {
    const owners = new OwnerResolver({ deployments: [deployment('web', 'nginx:1.25.3')], replicaSets: [replicaSet] });
    const { containers, skipped } = readVulnerabilityReports([operatorReport()], owners);
    assert.deepEqual(skipped, []);
    assert.equal(containers.length, 1);
    assert.deepEqual(containers[0].workload, { namespace: 'shop', kind: 'Deployment', name: 'web' });
    assert.equal(containers[0].container, 'web');
    assert.equal(containers[0].image, 'nginx:1.25.3');
    assert.equal(containers[0].vulnerabilities.length, 5);
    assert.deepEqual(containers[0].vulnerabilities[0], {
      id: 'CVE-2024-7347',
      severity: 'HIGH',
      package: 'nginx',
      installedVersion: '1.25.3',
      fixedVersion: '1.25.5, 1.26.2',
      title: 'nginx: specially crafted MP4 file may cause over-read',
      score: 5.7,
      links: ['https://avd.aquasec.com/nvd/cve-2024-7347'],
    });
  });
  it('skip, with a reason, reports that are stale or unlabelled', () => {
    const owners = new OwnerResolver({ deployments: [deployment('web', 'nginx:1.25.5')], replicaSets: [replicaSet] });
    const unlabelled = { ...operatorReport(), metadata: { name: 'x', namespace: 'shop', labels: {} } };
    const { containers, skipped } = readVulnerabilityReports([operatorReport(), unlabelled], owners);
    assert.equal(containers.length, 0);
    assert.match(
      skipped[0].reason,
      /stale: scanned index.docker.io\/library\/nginx:1.25.3, the deployment now runs nginx:1.25.5/,
    );
    assert.match(skipped[1].reason, /missing trivy-operator/);
  });
});

describe('trivy image --format json files', () => {
  it('attach to every deployment running the scanned image', () => {
    const deployments = [
      deployment('cache', 'docker.io/library/redis:7.2.3-alpine'),
      deployment('web', 'nginx:1.25.3'),
    ];
    const { containers, skipped } = readTrivyImageReports([fixture('trivy-image-redis.json')], deployments);
    assert.deepEqual(skipped, []);
    assert.equal(containers.length, 1);
    assert.equal(containers[0].workload.name, 'cache');
    assert.deepEqual(
      containers[0].vulnerabilities.map(
        (entry) => `${entry.id}/${entry.package}/${entry.severity}/${entry.fixedVersion}`,
      ),
      [
        'CVE-2023-6129/libcrypto3/MEDIUM/3.1.4-r3',
        'CVE-2023-6237/libssl3/HIGH/3.1.4-r4',
        'CVE-2023-45288/stdlib/HIGH/1.21.9, 1.22.2',
        'CVE-2024-31449/redis/HIGH/7.2.6, 7.4.1',
      ],
    );
  });
  it('count and skip unreadable, foreign and unmatched files', () => {
    const directory = mkdtempSync(join(tmpdir(), 'trivy-'));
    writeFileSync(join(directory, 'broken.json'), '{"Results": [');
    writeFileSync(join(directory, 'other.json'), '{"hello": 1}');
    const { containers, skipped } = readTrivyImageReports(
      [
        join(directory, 'broken.json'),
        join(directory, 'other.json'),
        join(directory, 'missing.json'),
        fixture('trivy-image-redis.json'),
      ],
      [deployment('web', 'nginx:1.25.3')],
    );
    assert.equal(containers.length, 0);
    assert.deepEqual(
      skipped.map((entry) => entry.reason.split(':')[0]),
      ['cannot read', 'not a trivy image JSON report (ArtifactName, Results)', 'cannot read', 'no workload runs redis'],
    );
  });
  it('compares images across registry spellings', () => {
    assert.equal(sameImage('nginx:1.25.3', 'index.docker.io/library/nginx:1.25.3'), true);
    assert.equal(sameImage('nginx:1.25.3', 'nginx:1.25.4'), false);
    assert.equal(sameImage('ghcr.io/a/nginx:1', 'nginx:1'), false);
  });
});

describe('an Operator report of a moving tag', () => {
  const report = () =>
    parse(
      readFileSync(fixture('vulnerability-report-alpine.yaml'), 'utf8')
        .replaceAll('RS_NAME', 'web-5d8c9f6b4')
        .replaceAll('NAMESPACE', 'shop'),
    ) as VulnerabilityReportObject;
  const web: V1Deployment = {
    metadata: { name: 'web', namespace: 'shop', uid: 'web-uid' },
    spec: { selector: {}, template: { spec: { containers: [{ name: 'app', image: 'alpine:3.10' }] } } },
  };
  const owners = new OwnerResolver({ deployments: [web], replicaSets: [replicaSet] });
  const pod = (imageID: string) => ({
    metadata: {
      name: 'web-5d8c9f6b4-x1',
      namespace: 'shop',
      ownerReferences: [
        { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-5d8c9f6b4', uid: 'rs', controller: true },
      ],
    },
    status: { containerStatuses: [{ name: 'app', image: 'alpine:3.10', imageID, ready: true, restartCount: 0 }] },
  });

  it('keeps the OS release, digest, score, links and package class', () => {
    const { containers } = readVulnerabilityReports([report()], owners);
    const [container] = containers;
    assert.deepEqual(container.scanned, {
      os: { family: 'alpine', name: '3.10.9' },
      digests: ['sha256:451eee8bedcb2f029756dc3e9d73bab0e7943c1ac55cff3a4861c52a0fdd3e98'],
      tags: ['index.docker.io/library/alpine:3.10'],
    });
    const [openssl, qs] = container.vulnerabilities;
    assert.equal(openssl.score, 9.8);
    assert.deepEqual(openssl.links, [
      'https://avd.aquasec.com/nvd/cve-2021-3711',
      'https://www.openssl.org/news/secadv/20210824.txt',
      'https://security.alpinelinux.org/vuln/CVE-2021-3711',
    ]);
    assert.equal(openssl.packageClass, 'os');
    assert.equal(openssl.target, undefined, 'an OS package has no file of its own');
    assert.equal(qs.packageClass, 'language');
    assert.equal(qs.target, 'usr/src/app/node_modules/qs/package.json');
    const advice = fixAdvice(container.vulnerabilities, container.scanned, 'alpine').join('\n');
    assert.match(advice, /upgrade npm dependency qs 6\.5\.2 -> 6\.5\.3 in usr\/src\/app\/node_modules\/qs/);
    assert.match(advice, /OS package libssl1\.1 1\.1\.1k-r0 -> 1\.1\.1l-r0 \(alpine 3\.10\.9\).*apk upgrade/);
  });
  it('is stale when the pods run another digest of the tag, and used when they run the scanned one', () => {
    const moved = runningDigestsOf({ pods: [pod(`docker.io/library/alpine@sha256:${'d'.repeat(64)}`)] }, owners);
    const stale = readVulnerabilityReports([report()], owners, moved);
    assert.equal(stale.containers.length, 0);
    assert.match(stale.skipped[0].reason, /^stale: scanned sha256:451eee/);
    const same = runningDigestsOf(
      {
        pods: [pod('docker.io/library/alpine@sha256:451eee8bedcb2f029756dc3e9d73bab0e7943c1ac55cff3a4861c52a0fdd3e98')],
      },
      owners,
    );
    assert.equal(readVulnerabilityReports([report()], owners, same).containers.length, 1);
  });
});

describe('Operator reports of digest-pinned images', () => {
  const digest = 'sha256:451eee8bedcb2f029756dc3e9d73bab0e7943c1ac55cff3a4861c52a0fdd3e98';
  const owners = (image: string) =>
    new OwnerResolver({
      deployments: [
        {
          metadata: { name: 'web', namespace: 'shop', uid: 'web-uid' },
          spec: { selector: {}, template: { spec: { containers: [{ name: 'app', image }] } } },
        },
      ],
      replicaSets: [replicaSet],
    });
  const report = (artifact: { repository: string; tag: string; digest: string }) => {
    const object = parse(
      readFileSync(fixture('vulnerability-report-alpine.yaml'), 'utf8')
        .replaceAll('RS_NAME', 'web-5d8c9f6b4')
        .replaceAll('NAMESPACE', 'shop'),
    ) as VulnerabilityReportObject;
    object.report!.artifact = artifact;
    return object;
  };
  const read = (image: string, tag: string, scanned = digest) =>
    readVulnerabilityReports([report({ repository: 'library/alpine', tag, digest: scanned })], owners(image));

  // The Operator before aquasecurity/trivy-operator#3056 leaves the pod spec's spelling in artifact.tag of a
  // Docker Hub `name:tag@digest` reference (issue #3049: `tag: dockurr/chrony:4.8`,
  // `tag: docker.io/grafana/grafana:13.2.0`), and older ones left it empty (issue #2411, images pinned by a webhook).
  it('are used when the Operator wrote the spec spelling, or nothing, as the tag', () => {
    for (const [image, tag] of [
      [`alpine:3.10@${digest}`, 'alpine:3.10'],
      [`docker.io/library/alpine:3.10@${digest}`, 'docker.io/library/alpine:3.10'],
      [`alpine:3.10@${digest}`, ''],
      [`alpine@${digest}`, 'alpine'],
      [`library/alpine@${digest}`, 'library/alpine'],
    ]) {
      const { containers, skipped } = read(image, tag);
      assert.deepEqual(skipped, [], `${image} / ${tag}`);
      assert.equal(containers[0]?.image, image);
      assert.deepEqual(containers[0].scanned.digests, [digest]);
    }
    assert.deepEqual(read(`alpine:3.10@${digest}`, 'alpine:3.10').containers[0].scanned.tags, [
      'index.docker.io/library/alpine:3.10',
    ]);
  });
  it('are never taken for another image: another digest, or a tag naming another repository', () => {
    const other = read(`alpine:3.10@${digest}`, 'alpine:3.10', `sha256:${'e'.repeat(64)}`);
    assert.equal(other.containers.length, 0);
    assert.match(other.skipped[0].reason, /^stale/);
    const foreign = read(`alpine:3.10@${digest}`, 'busybox:3.10');
    assert.equal(foreign.containers.length, 0);
    assert.match(foreign.skipped[0].reason, /artifact\.tag "busybox:3\.10" is neither a tag nor/);
  });
  it('name the same image by digest, and a digest-only reference has no implicit latest', () => {
    assert.equal(sameImage(`nginx@${digest}`, `index.docker.io/library/nginx:1.25@${digest}`), true);
    assert.equal(sameImage(`nginx:1.25@${digest}`, `nginx:1.25@sha256:${'e'.repeat(64)}`), false);
    assert.equal(sameImage(`nginx@${digest}`, 'nginx:latest'), false);
    assert.equal(sameImage(`nginx@${digest}`, 'nginx'), false);
    assert.equal(sameImage('nginx', 'nginx:latest'), true);
    assert.equal(sameImage(`nginx:1.25@${digest}`, 'nginx:1.25'), true);
  });
  it('a Trivy file of nginx:latest without digests is not the scan of a digest-pinned nginx', () => {
    const directory = mkdtempSync(join(tmpdir(), 'trivy-pinned-'));
    const path = join(directory, 'nginx.json');
    writeFileSync(
      path,
      JSON.stringify({
        SchemaVersion: 2,
        ArtifactName: 'nginx:latest',
        Metadata: { RepoTags: ['nginx:latest'] },
        Results: [{ Target: 'nginx (debian 12.5)', Class: 'os-pkgs', Type: 'debian', Vulnerabilities: [] }],
      }),
    );
    const pinned = readTrivyImageReports([path], [deployment('web', `nginx@${digest}`)]);
    assert.equal(pinned.containers.length, 0);
    assert.equal(readTrivyImageReports([path], [deployment('web', 'nginx')]).containers.length, 1);
  });
});

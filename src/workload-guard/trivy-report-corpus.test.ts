import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { V1Deployment, V1ReplicaSet } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { fixAdvice } from './fix-advice.ts';
import { smallestFix } from './fixed-versions.ts';
import { OwnerResolver } from './pod-health.ts';
import { imagePolicy } from './testing/image-policy.ts';
import {
  type ReportReadResult,
  readTrivyImageReports,
  readVulnerabilityReports,
  type VulnerabilityReportObject,
} from './trivy-reports.ts';
import { chooseUpgrade } from './upgrade-choice.ts';
import type { Vulnerability } from './workload-finding.ts';

// Real VulnerabilityReports and `trivy image --format json` outputs from other projects (sources and commits in
// __fixtures__/defectdojo/README.md, __fixtures__/trivy-operator/README.md and __fixtures__/trivy-docs/README.md).
// Each case says what we must read from it: the workload and container, the image, every CVE with severity and
// installed -> fixed version, the fixed version advice proposes per package, and what is refused with its reason.

const fixture = (path: string) => new URL(`./__fixtures__/${path}`, import.meta.url).pathname;
const text = (path: string) => readFileSync(fixture(path), 'utf8');

const deployment = (namespace: string, name: string, container: string, image: string): V1Deployment => ({
  metadata: { name, namespace, uid: `${name}-uid` },
  spec: { selector: {}, template: { spec: { containers: [{ name: container, image }] } } },
});
const replicaSet = (namespace: string, name: string, owner: string): V1ReplicaSet => ({
  metadata: {
    name,
    namespace,
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: owner, uid: `${owner}-uid` }],
  },
});

/** `ID package installed -> fixed (or -) SEVERITY class[ status]`, in report order. */
const line = (entry: Vulnerability) =>
  `${entry.id} ${entry.package} ${entry.installedVersion} -> ${entry.fixedVersion || '-'} ${entry.severity} ${entry.packageClass ?? '?'}${entry.status ? ` ${entry.status}` : ''}`;

interface Expected {
  /** `namespace/Kind/name container image`, one per container the report is attached to. */
  containers: string[];
  /** Entries of the (first) scan read, as `line` writes them; the full list, or the first ones when `count` is set. */
  entries: string[];
  count?: number;
  /** Skip reasons, each matched in order. */
  skipped?: RegExp[];
  /** Advice lines that must be there. */
  advice?: RegExp[];
  /** What chooseUpgrade answers for the first container: a refusal matched, or the target. */
  upgrade?: RegExp | string;
  /** The report is refused: no container and no scan (it proves nothing about any image). */
  refused?: boolean;
}

interface CorpusCase {
  name: string;
  read: () => ReportReadResult;
  /** The document's own entries, as `line` writes them, that a reading must hold (every one of them). */
  raw?: () => string[];
  expected: Expected;
}

const SEVERITIES = new Set(['CRITICAL', 'HIGH', 'MEDIUM', 'LOW']);
/** `ID package installed -> fixed SEVERITY` of one entry as the document writes it (a Status other than fixed: no fix). */
const rawLine = (id: unknown, name: unknown, installed: unknown, fixed: unknown, severity: unknown, status: unknown) =>
  `${id} ${name} ${installed} -> ${(!status || status === 'fixed' ? fixed : '') || '-'} ${SEVERITIES.has(String(severity)) ? severity : 'UNKNOWN'}`;
const document = (path: string) => (path.endsWith('.json') ? JSON.parse(text(path)) : parse(text(path)));
const operatorEntries = (path: string) => () =>
  ((document(path).report?.vulnerabilities ?? []) as Array<Record<string, unknown>>).map((entry) =>
    rawLine(entry.vulnerabilityID, entry.resource, entry.installedVersion, entry.fixedVersion, entry.severity, ''),
  );
const trivyEntries = (path: string) => () =>
  (document(path).Results as Array<{ Vulnerabilities?: Array<Record<string, unknown>> }>).flatMap((result) =>
    (result.Vulnerabilities ?? []).map((entry) =>
      rawLine(
        entry.VulnerabilityID,
        entry.PkgName,
        entry.InstalledVersion,
        entry.FixedVersion,
        entry.Severity,
        entry.Status,
      ),
    ),
  );

function operatorCase(path: string, deployments: V1Deployment[], replicaSets: V1ReplicaSet[]) {
  return () =>
    readVulnerabilityReports(
      [document(path) as VulnerabilityReportObject],
      new OwnerResolver({ deployments, replicaSets }),
    );
}
const trivyCase =
  (path: string, deployments: V1Deployment[], running: string[] = []) =>
  () =>
    readTrivyImageReports([path.startsWith('/') ? path : fixture(path)], deployments, () => running);

/** A real file with one top-level field changed, written to a temporary file (the change is named in the case). */
function variant(path: string, change: Record<string, unknown>): string {
  const target = join(mkdtempSync(join(tmpdir(), 'trivy-corpus-')), path.replaceAll('/', '-'));
  writeFileSync(target, JSON.stringify({ ...JSON.parse(text(path)), ...change }));
  return target;
}

const CASES: CorpusCase[] = [
  // --- Trivy Operator VulnerabilityReports ---
  {
    // Operator with Trivy 0.38.2 (2023): Docker Hub's `index.docker.io` + `library/nginx`, a non-version tag, no
    // report.os, no class or PURL. DefectDojo expects 1 finding: CVE-2023-23914 curl 7.87.0-r1, Critical, 7.87.0-r2.
    name: 'defectdojo vulnerabilityreport_single_vuln (ReplicaSet, index.docker.io/library/nginx:alpine)',
    raw: operatorEntries('defectdojo/trivy_operator/vulnerabilityreport_single_vuln.json'),
    read: operatorCase(
      'defectdojo/trivy_operator/vulnerabilityreport_single_vuln.json',
      [deployment('default', 'nginx-deployment', 'nginx', 'nginx:alpine')],
      [replicaSet('default', 'nginx-deployment-965685897', 'nginx-deployment')],
    ),
    expected: {
      containers: ['default/Deployment/nginx-deployment nginx nginx:alpine'],
      entries: ['CVE-2023-23914 curl 7.87.0-r1 -> 7.87.0-r2 CRITICAL ?'],
      advice: [/^package curl 7\.87\.0-r1 -> 7\.87\.0-r2: rebuild the image/],
      upgrade: /^image "nginx:alpine" has no version tag to upgrade from/,
    },
  },
  {
    name: 'defectdojo vulnerabilityreport_no_vuln (a clean scan: vulnerabilities [])',
    raw: operatorEntries('defectdojo/trivy_operator/vulnerabilityreport_no_vuln.json'),
    read: operatorCase(
      'defectdojo/trivy_operator/vulnerabilityreport_no_vuln.json',
      [deployment('default', 'nginx-deployment', 'nginx', 'docker.io/library/nginx:alpine')],
      [replicaSet('default', 'nginx-deployment-965685897', 'nginx-deployment')],
    ),
    expected: { containers: ['default/Deployment/nginx-deployment nginx docker.io/library/nginx:alpine'], entries: [] },
  },
  {
    // DefectDojo expects 41 findings, the first two curl's, Critical and High, fixed in 7.87.0-r2.
    name: 'defectdojo vulnerabilityreport_many (41 entries, curl fixed in two releases, aws-sdk-go unfixed)',
    raw: operatorEntries('defectdojo/trivy_operator/vulnerabilityreport_many.json'),
    read: operatorCase(
      'defectdojo/trivy_operator/vulnerabilityreport_many.json',
      [deployment('default', 'nginx-deployment', 'nginx', 'nginx:alpine')],
      [replicaSet('default', 'nginx-deployment-965685897', 'nginx-deployment')],
    ),
    expected: {
      containers: ['default/Deployment/nginx-deployment nginx nginx:alpine'],
      count: 41,
      entries: [
        'CVE-2023-23914 curl 7.87.0-r1 -> 7.87.0-r2 CRITICAL ?',
        'CVE-2023-23916 curl 7.87.0-r1 -> 7.87.0-r2 HIGH ?',
      ],
      advice: [
        // The smallest version fixing every curl CVE: 7.88.1-r1 (7.87.0-r2 fixes only three).
        /^package curl 7\.87\.0-r1 -> 7\.88\.1-r1: .*\(fixes CVE-2023-23914, CVE-2023-23916, CVE-2023-23915, CVE-2023-27535/,
        /^package tiff 4\.4\.0-r1 -> 4\.4\.0-r3: /,
        /^github\.com\/aws\/aws-sdk-go v1\.44\.212: no fix/,
      ],
      upgrade: /has no version tag to upgrade from/,
    },
  },
  {
    // Operator with Trivy 0.48.3 (2024), additional fields on: class, packageType, target; a bare Pod; a digest.
    // DefectDojo expects 5 findings, the first CVE-2024-0553 libgnutls30 3.6.13-2ubuntu1.9 -> 3.6.13-2ubuntu1.10.
    name: 'defectdojo vulnerabilityreport_extended (Pod, library/ubuntu:20.04@sha256, class os-pkgs)',
    raw: operatorEntries('defectdojo/trivy_operator/vulnerabilityreport_extended.json'),
    read: operatorCase('defectdojo/trivy_operator/vulnerabilityreport_extended.json', [], []),
    expected: {
      containers: ['lbc/Pod/ubuntu ubuntu index.docker.io/library/ubuntu:20.04'],
      entries: [
        'CVE-2024-0553 libgnutls30 3.6.13-2ubuntu1.9 -> 3.6.13-2ubuntu1.10 MEDIUM os',
        'CVE-2024-22365 libpam-modules 1.3.1-5ubuntu4.6 -> 1.3.1-5ubuntu4.7 MEDIUM os',
        'CVE-2024-22365 libpam-modules-bin 1.3.1-5ubuntu4.6 -> 1.3.1-5ubuntu4.7 MEDIUM os',
        'CVE-2024-22365 libpam-runtime 1.3.1-5ubuntu4.6 -> 1.3.1-5ubuntu4.7 MEDIUM os',
        'CVE-2024-22365 libpam0g 1.3.1-5ubuntu4.6 -> 1.3.1-5ubuntu4.7 MEDIUM os',
      ],
      advice: [/^OS package libgnutls30 3\.6\.13-2ubuntu1\.9 -> 3\.6\.13-2ubuntu1\.10 \(ubuntu 20\.04\).*apt-get/],
    },
  },
  {
    // The Operator's documentation sample (docs/docs/crds/vulnerability-report.md): debian 10.3, one fix, one not.
    name: 'trivy-operator docs VulnerabilityReport sample (library/nginx:1.16, debian)',
    raw: operatorEntries('trivy-operator/docs-vulnerability-report.yaml'),
    read: operatorCase(
      'trivy-operator/docs-vulnerability-report.yaml',
      [deployment('default', 'nginx', 'nginx', 'nginx:1.16')],
      [replicaSet('default', 'nginx-6d4cf56db6', 'nginx')],
    ),
    expected: {
      containers: ['default/Deployment/nginx nginx nginx:1.16'],
      entries: [
        'CVE-2019-20367 libbsd0 0.9.1-2 -> 0.9.1-2+deb10u1 CRITICAL ?',
        'CVE-2018-25009 libwebp6 0.6.1-2 -> - CRITICAL ?',
      ],
      // No class in the entries, but report.os names the distribution: OS packages.
      advice: [
        /^OS package libbsd0 0\.9\.1-2 -> 0\.9\.1-2\+deb10u1 \(debian 10\.3\).*apt-get/,
        /^libwebp6 0\.6\.1-2: no fixed version yet/,
      ],
      // The only tag known is the scanned one, which is not newer: a rebuild.
      upgrade: /^every candidate tag for nginx:1\.16 is refused by the policy: rebuild the image/,
    },
  },
  {
    // docs/docs/design/ttl_scans.md: a report without metadata.namespace (the label names it), ghcr.io, a v tag.
    name: 'trivy-operator docs TTL sample (ghcr.io/fluxcd/source-controller:v1.4.1, no metadata.namespace)',
    raw: operatorEntries('trivy-operator/docs-ttl-scans.yaml'),
    read: operatorCase(
      'trivy-operator/docs-ttl-scans.yaml',
      [deployment('flux-system', 'source-controller', 'manager', 'ghcr.io/fluxcd/source-controller:v1.4.1')],
      [replicaSet('flux-system', 'source-controller-b5d5cfdf4', 'source-controller')],
    ),
    expected: {
      containers: ['flux-system/Deployment/source-controller manager ghcr.io/fluxcd/source-controller:v1.4.1'],
      entries: [],
    },
  },
  // --- `trivy image --format json` and other Trivy JSON ---
  {
    // Trivy's documentation (docs/guide/configuration/reporting.md): Metadata.ImageConfig, RepoDigests, ImageID.
    name: 'trivy docs alpine:latest (ImageConfig, matched by a bare `alpine`)',
    raw: trivyEntries('trivy-docs/alpine-latest.json'),
    read: trivyCase('trivy-docs/alpine-latest.json', [deployment('tools', 'shell', 'sh', 'alpine')]),
    expected: {
      containers: ['tools/Deployment/shell sh alpine'],
      entries: [
        'CVE-2024-9143 libcrypto3 3.3.2-r0 -> 3.3.2-r1 LOW os fixed',
        'CVE-2024-9143 libssl3 3.3.2-r0 -> 3.3.2-r1 LOW os fixed',
      ],
      advice: [/^OS package libcrypto3 3\.3\.2-r0 -> 3\.3\.2-r1 \(alpine 3\.20\.3\).*apk upgrade/],
      upgrade: /^image "alpine" has no version tag/,
    },
  },
  {
    // The same scan, a pod spec pinned by digest only (multi-arch index digest from RepoDigests).
    name: 'trivy docs alpine:latest matched by a digest-only reference',
    raw: trivyEntries('trivy-docs/alpine-latest.json'),
    read: trivyCase('trivy-docs/alpine-latest.json', [
      deployment(
        'tools',
        'pinned',
        'sh',
        'docker.io/library/alpine@sha256:1e42bbe2508154c9126d48c2b8a75420c3544343bf86fd041fb7527e017a4b4a',
      ),
      // Another image's digest: not this scan, though the repository is the same.
      deployment(
        'tools',
        'other',
        'sh',
        'alpine@sha256:0000000000000000000000000000000000000000000000000000000000000000',
      ),
    ]),
    expected: {
      containers: [
        'tools/Deployment/pinned sh docker.io/library/alpine@sha256:1e42bbe2508154c9126d48c2b8a75420c3544343bf86fd041fb7527e017a4b4a',
      ],
      entries: [
        'CVE-2024-9143 libcrypto3 3.3.2-r0 -> 3.3.2-r1 LOW os fixed',
        'CVE-2024-9143 libssl3 3.3.2-r0 -> 3.3.2-r1 LOW os fixed',
      ],
    },
  },
  {
    // A user's scan (DefectDojo issue 9333): ArtifactName, RepoTags and RepoDigests blanked to "", every debian
    // entry `affected`, one npm package fixed in 4.1.3 (in the OS Result, as the file has it).
    // DefectDojo expects 13 findings, the first Low. The Target text names `noppaknopsta/example-app:main-159`, but a
    // Target is a label, never read as an image reference; no pod runs its ImageID here.
    name: 'defectdojo issue_9333 (blank ArtifactName, affected entries, no pod runs its ImageID)',
    raw: trivyEntries('defectdojo/trivy/issue_9333.json'),
    read: trivyCase('defectdojo/trivy/issue_9333.json', [deployment('shop', 'example-app', 'app', 'example-app:1.0')]),
    expected: {
      containers: [],
      count: 13,
      entries: ['CVE-2011-3374 apt 1.8.2.3 -> - LOW os affected'],
      skipped: [/^the report names no image \(ArtifactName ""\)/],
      advice: [/^apt 1\.8\.2\.3: no fix \(affected\)/, /tough-cookie 2\.5\.0 -> 4\.1\.3/],
    },
  },
  {
    // The same file, the pods reporting its ImageID (containerd's `imageID: sha256:...`): the one name it has left.
    name: 'defectdojo issue_9333 matched by Metadata.ImageID (blank ArtifactName, RepoTags, RepoDigests)',
    raw: trivyEntries('defectdojo/trivy/issue_9333.json'),
    read: trivyCase(
      'defectdojo/trivy/issue_9333.json',
      [deployment('shop', 'example-app', 'app', 'noppaknopsta/example-app:main-159')],
      ['id:sha256:22ae3921bdaac434bb4cb92dbbc209e46b1f3f70e9fa0b5fbbb43ce7d452c72d'],
    ),
    expected: {
      containers: ['shop/Deployment/example-app app noppaknopsta/example-app:main-159'],
      count: 13,
      entries: ['CVE-2011-3374 apt 1.8.2.3 -> - LOW os affected'],
      // The tough-cookie entry sits in the debian Result in this file, so it is read as an OS package (the file's word).
      advice: [/tough-cookie 2\.5\.0 -> 4\.1\.3/],
    },
  },
  {
    // DefectDojo's all_statuses (issue_9333 with one Status per entry): unknown, not_affected, affected, fixed
    // (without FixedVersion), under_investigation, will_not_fix, fix_deferred, end_of_life.
    name: 'defectdojo all_statuses (every Status Trivy writes)',
    raw: trivyEntries('defectdojo/trivy/all_statuses.json'),
    read: trivyCase('defectdojo/trivy/all_statuses.json', []),
    expected: {
      containers: [],
      entries: [
        'CVE-2011-3374 apt 1.8.2.3 -> - LOW os unknown',
        'CVE-2019-18276 bash 5.0-4 -> - LOW os not_affected',
        'TEMP-0841856-B18BAF bash 5.0-4 -> - LOW os affected',
        'CVE-2018-1000876 binutils 2.31.1-16 -> - LOW os fixed',
        'CVE-2018-12697 binutils 2.31.1-16 -> - LOW os under_investigation',
        'CVE-2018-12698 binutils 2.31.1-16 -> - LOW os will_not_fix',
        'CVE-2018-12699 binutils 2.31.1-16 -> - LOW os fix_deferred',
        'CVE-2018-12934 binutils 2.31.1-16 -> - LOW os end_of_life',
      ],
      skipped: [/^the report names no image/],
      // `fixed` without a FixedVersion names no version to go to; the other statuses are named. `not_affected` is
      // still listed (ours is the cautious reading: the entry is in the report; Trivy's VEX filtering drops it).
      advice: [
        /^binutils 2\.31\.1-16: no fix \(under_investigation, will_not_fix, fix_deferred, end_of_life\)/,
        /^bash 5\.0-4: no fix \(not_affected, affected\)/,
      ],
    },
  },
  {
    // Schema 2 with OS packages and jars, RepoTags but no RepoDigests or ImageID (an older Trivy).
    name: 'defectdojo scheme_2_many_vulns (teamdojo:latest, alpine + jar, no digests)',
    raw: trivyEntries('defectdojo/trivy/scheme_2_many_vulns.json'),
    read: trivyCase('defectdojo/trivy/scheme_2_many_vulns.json', [
      deployment('dojo', 'teamdojo', 'app', 'teamdojo:latest'),
    ]),
    expected: {
      containers: ['dojo/Deployment/teamdojo app teamdojo:latest'],
      entries: [
        'CVE-2020-15999 freetype 2.9.1-r2 -> 2.9.1-r3 MEDIUM os',
        'CVE-2020-28196 krb5-libs 1.15.5-r0 -> 1.15.5-r1 HIGH os',
        'CVE-2019-12900 libbz2 1.0.6-r6 -> 1.0.6-r7 CRITICAL os',
        'CVE-2018-11771 org.apache.commons:commons-compress 1.14 -> 1.18 MEDIUM language',
        'CVE-2018-1324 org.apache.commons:commons-compress 1.14 -> 1.16 MEDIUM language',
      ],
      advice: [
        /^OS package libbz2 1\.0\.6-r6 -> 1\.0\.6-r7 \(alpine 3\.9\.4\)/,
        /^upgrade Maven dependency org\.apache\.commons:commons-compress 1\.14 -> 1\.18 in app\/libs\/commons-compress-1\.14/,
      ],
      upgrade: /^image "teamdojo:latest" has no version tag/,
    },
  },
  {
    name: 'defectdojo scheme_2_no_vuln (a clean OS scan)',
    raw: trivyEntries('defectdojo/trivy/scheme_2_no_vuln.json'),
    read: trivyCase('defectdojo/trivy/scheme_2_no_vuln.json', [
      deployment('ci', 'unittest', 'app', 'trivy-unittest:latest'),
    ]),
    expected: { containers: ['ci/Deployment/unittest app trivy-unittest:latest'], entries: [] },
  },
  {
    name: 'defectdojo license_scheme (only license Results: no package scan)',
    read: trivyCase('defectdojo/trivy/license_scheme.json', [deployment('ci', 'alpine', 'sh', 'alpine:3.11')]),
    expected: {
      refused: true,
      containers: [],
      entries: [],
      skipped: [/^no OS or language package results: Trivy scanned no packages$/],
    },
  },
  {
    // `trivy fs .`: a directory, not an image. Its name must never be read as an image reference.
    name: 'defectdojo misconfigurations_and_secrets (trivy fs ., ArtifactType filesystem)',
    read: trivyCase('defectdojo/trivy/misconfigurations_and_secrets.json', []),
    expected: {
      refused: true,
      containers: [],
      entries: [],
      skipped: [/^ArtifactType "filesystem" is not a container image scan/],
    },
  },
  {
    // `trivy sbom sbom.json`: ArtifactName `sbom.json` reads as Docker Hub's `library/sbom.json` if taken as an image.
    name: 'defectdojo cvss_severity_source (trivy sbom, ArtifactType cyclonedx, named sbom.json)',
    read: trivyCase('defectdojo/trivy/cvss_severity_source.json', [deployment('x', 'sbom', 'app', 'sbom.json')]),
    expected: {
      refused: true,
      containers: [],
      entries: [],
      skipped: [/^ArtifactType "cyclonedx" is not a container image scan/],
    },
  },
  {
    name: 'defectdojo cvssv4_severity_source (trivy fs of a jar, Trivy 0.69.1)',
    read: trivyCase('defectdojo/trivy/cvssv4_severity_source.json', []),
    expected: {
      refused: true,
      containers: [],
      entries: [],
      skipped: [/^ArtifactType "filesystem" is not a container image scan/],
    },
  },
  {
    // Trivy before v0.20 wrote a bare list of Results: no ArtifactName, no Metadata, nothing names the image.
    name: 'defectdojo legacy_trivy_mix (schema 1: a list of Results)',
    read: trivyCase('defectdojo/trivy/legacy_trivy_mix.json', []),
    expected: {
      refused: true,
      containers: [],
      entries: [],
      skipped: [/^a Trivy report before v0\.20 \(a list of Results\): it names no image; rescan with a current Trivy$/],
    },
  },
  {
    // Trivy before v0.20 marshalled its Results list whole: nil when it found nothing, so the file is `null`
    // (aquasecurity/trivy 415e1d8, pkg/report/writer.go JSONWriter.Write). Nothing found, but no image named either:
    // read as empty with the reason, never as an error and never as a clean scan of some image.
    name: 'defectdojo legacy_no_vuln (`null`)',
    read: trivyCase('defectdojo/trivy/legacy_no_vuln.json', []),
    expected: {
      refused: true,
      containers: [],
      entries: [],
      skipped: [
        /^an empty Trivy report \(`null`, as Trivy before v0\.20 wrote when it found nothing\): it names no image/,
      ],
    },
  },
  {
    // Not a real file: the Trivy documentation sample with SchemaVersion set to 3 (no such schema exists yet). A
    // schema we do not know may move or rename what we read, so it is refused, naming the version.
    name: 'trivy docs alpine:latest with an unknown SchemaVersion 3 (derived)',
    read: trivyCase(variant('trivy-docs/alpine-latest.json', { SchemaVersion: 3 }), [
      deployment('tools', 'shell', 'sh', 'alpine'),
    ]),
    expected: {
      refused: true,
      containers: [],
      entries: [],
      skipped: [/^SchemaVersion 3 is not supported \(we read Trivy's schema 2\)/],
    },
  },
  {
    // `trivy k8s --format json`: per-resource Results under ClusterName, not one image's scan.
    name: 'defectdojo kubernetes (trivy k8s report)',
    read: trivyCase('defectdojo/trivy/kubernetes.json', []),
    expected: {
      refused: true,
      containers: [],
      entries: [],
      skipped: [/^a `trivy k8s` report \(ClusterName\): scan each image with `trivy image --format json`/],
    },
  },
  {
    // The Operator's own plugin test input: Trivy's JSON without ArtifactName (its test trims it).
    name: 'trivy-operator plugin fixture vulnerability_report.json (no ArtifactName)',
    read: trivyCase('trivy-operator/plugin-vulnerability-report.json', []),
    expected: {
      refused: true,
      containers: [],
      entries: [],
      skipped: [/^not a trivy image JSON report \(ArtifactName, Results\)$/],
    },
  },
];

/** Every way the observed reading differs from the expected one (empty when the case passes). */
function differences(corpusCase: CorpusCase): string[] {
  const { expected } = corpusCase;
  const result = corpusCase.read();
  const problems: string[] = [];
  if (expected.refused && (result.containers.length > 0 || result.scans.length > 0)) {
    problems.push(`refused report kept: ${result.containers.length} containers, ${result.scans.length} scans`);
  }
  const containers = result.containers.map(
    (entry) =>
      `${entry.workload.namespace}/${entry.workload.kind}/${entry.workload.name} ${entry.container} ${entry.image}`,
  );
  if (JSON.stringify(containers) !== JSON.stringify(expected.containers)) {
    problems.push(`containers ${JSON.stringify(containers)}, expected ${JSON.stringify(expected.containers)}`);
  }
  const read = result.containers[0]?.vulnerabilities ?? result.scans[0]?.vulnerabilities ?? [];
  const lines = read.map(line);
  const compared = expected.count === undefined ? lines : lines.slice(0, expected.entries.length);
  if (JSON.stringify(compared) !== JSON.stringify(expected.entries)) {
    problems.push(`entries ${JSON.stringify(compared)}, expected ${JSON.stringify(expected.entries)}`);
  }
  if (expected.count !== undefined && read.length !== expected.count) {
    problems.push(`${read.length} entries, expected ${expected.count}`);
  }
  if (corpusCase.raw) {
    // Every entry the document holds, with its id, package, versions and severity, and nothing else.
    const core = read.map(
      (entry) =>
        `${entry.id} ${entry.package} ${entry.installedVersion} -> ${entry.fixedVersion || '-'} ${entry.severity}`,
    );
    const missing = corpusCase.raw().filter((entry) => !core.includes(entry));
    if (missing.length > 0) problems.push(`not read: ${JSON.stringify(missing)}`);
    if (core.length !== corpusCase.raw().length) {
      problems.push(`${core.length} entries read of the document's ${corpusCase.raw().length}`);
    }
  }
  const reasons = result.skipped.map((entry) => entry.reason);
  for (const [index, pattern] of (expected.skipped ?? []).entries()) {
    if (!pattern.test(reasons[index] ?? ''))
      problems.push(`skip reason ${JSON.stringify(reasons[index])} !~ ${pattern}`);
  }
  if (!expected.skipped && reasons.length > 0 && expected.containers.length > 0) {
    problems.push(`unexpected skips ${JSON.stringify(reasons)}`);
  }
  const scanned = result.containers[0]?.scanned ?? result.scans[0]?.scanned;
  const advice = fixAdvice(read, scanned, undefined);
  for (const pattern of expected.advice ?? []) {
    if (!advice.some((text) => pattern.test(text))) problems.push(`no advice ${pattern} in ${JSON.stringify(advice)}`);
  }
  if (expected.upgrade !== undefined) {
    const container = result.containers[0];
    const choice = container
      ? chooseUpgrade(container.image, container.vulnerabilities, imagePolicy(), {
          scanned: container.scanned,
          scans: result.scans,
        })
      : undefined;
    const answer = !choice ? 'no container' : 'target' in choice ? choice.target : choice.refusal;
    const ok = typeof expected.upgrade === 'string' ? answer === expected.upgrade : expected.upgrade.test(answer);
    if (!ok) problems.push(`upgrade ${JSON.stringify(answer)}, expected ${expected.upgrade}`);
  }
  return problems;
}

describe('real Trivy Operator reports and Trivy JSON outputs (corpus)', () => {
  const failures: string[] = [];
  for (const corpusCase of CASES) {
    it(corpusCase.name, (t) => {
      const problems = differences(corpusCase);
      if (problems.length > 0) failures.push(corpusCase.name);
      t.diagnostic(problems.length === 0 ? 'read as expected' : problems.join('\n'));
      assert.deepEqual(problems, []);
    });
  }
  it('measurement', (t) => {
    t.diagnostic(`corpus read as expected ${CASES.length - failures.length}/${CASES.length}`);
    assert.ok(CASES.length >= 20);
  });
  it("Tomcat's fixed-version list across three release lines: the installed line's fix is proposed", () => {
    // cvssv4_severity_source.json is a filesystem scan (refused as an image scan), but its version lists are real.
    const document = JSON.parse(text('defectdojo/trivy/cvssv4_severity_source.json'));
    const proposals = document.Results.flatMap((result: { Vulnerabilities?: Array<Record<string, string>> }) =>
      (result.Vulnerabilities ?? []).map(
        (entry) => `${entry.FixedVersion} => ${smallestFix(entry.InstalledVersion, entry.FixedVersion)}`,
      ),
    );
    assert.deepEqual(proposals, [
      '11.0.14, 10.1.49, 9.0.112 => 9.0.112',
      '11.0.12, 10.1.47, 9.0.110 => 9.0.110',
      '11.0.14, 10.1.49, 9.0.112 => 9.0.112',
    ]);
  });
});

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { V1Deployment, V1ReplicaSet } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { fixAdvice } from './fix-advice.ts';
import { OwnerResolver } from './pod-health.ts';
import { imagePolicy } from './testing/image-policy.ts';
import { readTrivyImageReports, readVulnerabilityReports, type VulnerabilityReportObject } from './trivy-reports.ts';
import { chooseUpgrade } from './upgrade-choice.ts';
import { REPORT_LIMITS } from './vulnerability-entries.ts';
import type { Vulnerability } from './workload-finding.ts';

// Trivy's own integration goldens (see __fixtures__/trivy-goldens/README.md for the upstream paths and commit).
const golden = (name: string) => new URL(`./__fixtures__/trivy-goldens/${name}`, import.meta.url).pathname;
const goldenJson = (name: string) => JSON.parse(readFileSync(golden(name), 'utf8'));

interface GoldenCase {
  file: string;
  /** `ID package installed -> fixed (or -) SEVERITY class [@ where]`, in report order. */
  entries: string[];
  os?: string;
  advice?: RegExp[];
}

const CASES: GoldenCase[] = [
  {
    file: 'alpine-310.json',
    os: 'alpine 3.10.2',
    entries: [
      'CVE-2019-1549 libcrypto1.1 1.1.1c-r0 -> 1.1.1d-r0 MEDIUM os',
      'CVE-2019-1551 libcrypto1.1 1.1.1c-r0 -> 1.1.1d-r2 MEDIUM os',
      'CVE-2019-1549 libssl1.1 1.1.1c-r0 -> 1.1.1d-r0 MEDIUM os',
      'CVE-2019-1551 libssl1.1 1.1.1c-r0 -> 1.1.1d-r2 MEDIUM os',
    ],
    advice: [
      /^OS package libcrypto1\.1 1\.1\.1c-r0 -> 1\.1\.1d-r2 \(alpine 3\.10\.2\).*`apk upgrade --no-cache`.*\(fixes CVE-2019-1549, CVE-2019-1551\)$/,
    ],
  },
  {
    file: 'amazonlinux2-gp2-x86-vm.json',
    os: 'amazon 2 (Karoo)',
    entries: ['CVE-2022-38177 bind-export-libs 32:9.11.4-26.P2.amzn2.5.2 -> 99:9.11.4-26.P2.amzn2.13 MEDIUM os'],
    advice: [/-> 99:9\.11\.4-26\.P2\.amzn2\.13 \(amazon 2 \(Karoo\)\).*`yum update -y/],
  },
  {
    file: 'busybox-with-lockfile.json',
    entries: [
      'CVE-2019-15542 ammonia 1.9.0 -> >= 2.1.0 HIGH language @ Cargo.lock',
      'CVE-2021-38193 ammonia 1.9.0 -> >= 3.1.0, >= 2.1.3, < 3.0.0 MEDIUM language @ Cargo.lock',
    ],
    // 2.1.3 is in the range `>= 2.1.3, < 3.0.0` and above `>= 2.1.0`: the smallest version fixing both.
    advice: [/^upgrade Rust crate dependency ammonia 1\.9\.0 -> 2\.1\.3 in Cargo\.lock and rebuild/],
  },
  {
    file: 'centos-7.json',
    os: 'centos 7.6.1810',
    entries: [
      'CVE-2019-18276 bash 4.2.46-31.el7 -> - LOW os',
      'CVE-2019-1559 openssl-libs 1:1.0.2k-16.el7 -> 1:1.0.2k-19.el7 MEDIUM os',
      'CVE-2018-0734 openssl-libs 1:1.0.2k-16.el7 -> 1:1.0.2k-19.el7 LOW os',
    ],
    advice: [
      /^bash 4\.2\.46-31\.el7: no fix \(will_not_fix\) \(CVE-2019-18276\)$/,
      /^OS package openssl-libs 1:1\.0\.2k-16\.el7 -> 1:1\.0\.2k-19\.el7 \(centos 7\.6\.1810\).*`yum update -y`/,
    ],
  },
  {
    file: 'cocoapods.json',
    entries: ['CVE-2022-3215 _NIODataStructures 2.41.0 -> 2.29.1, 2.39.1, 2.42.0 MEDIUM language @ Podfile.lock'],
    advice: [/^upgrade CocoaPods dependency _NIODataStructures 2\.41\.0 -> 2\.42\.0 in Podfile\.lock/],
  },
  {
    file: 'debian-buster.json',
    os: 'debian 10.1',
    entries: [
      'CVE-2019-18276 bash 5.0-4 -> - LOW os',
      'CVE-2019-18224 libidn2-0 2.0.5-1 -> 2.0.5-1+deb10u1 CRITICAL os',
    ],
    advice: [
      /^bash 5\.0-4: no fix \(affected\)/,
      /^OS package libidn2-0 2\.0\.5-1 -> 2\.0\.5-1\+deb10u1 \(debian 10\.1\).*apt-get/,
    ],
  },
  {
    file: 'fluentd-gems.json',
    os: 'debian 10.2',
    entries: [
      'CVE-2019-18224 libidn2-0 2.0.5-1 -> 2.0.5-1+deb10u1 CRITICAL os',
      'CVE-2020-8165 activesupport 6.0.2.1 -> 6.0.3.1, 5.2.4.3 HIGH language @ var/lib/gems/2.5.0/specifications/activesupport-6.0.2.1.gemspec',
    ],
    advice: [/^upgrade Ruby gem dependency activesupport 6\.0\.2\.1 -> 6\.0\.3\.1 in var\/lib\/gems\//],
  },
  {
    file: 'gomod.json',
    entries: [
      'GMS-2022-20 github.com/docker/distribution v2.7.1+incompatible -> v2.8.0 UNKNOWN language @ go.mod',
      'CVE-2022-23628 github.com/open-policy-agent/opa v0.35.0 -> 0.37.0 MEDIUM language @ go.mod',
      'CVE-2021-38561 golang.org/x/text v0.3.6 -> 0.3.7 UNKNOWN language @ go.mod',
      'GMS-2022-20 github.com/docker/distribution v2.7.1+incompatible -> v2.8.0 UNKNOWN language @ submod/go.mod',
      'GMS-2022-20 github.com/docker/distribution v2.7.1+incompatible -> v2.8.0 UNKNOWN language @ submod2/go.mod',
    ],
    advice: [
      /^upgrade Go module dependency github\.com\/open-policy-agent\/opa v0\.35\.0 -> 0\.37\.0 in go\.mod/,
      /^upgrade Go module dependency github\.com\/docker\/distribution v2\.7\.1\+incompatible -> 2\.8\.0 in submod2\/go\.mod/,
    ],
  },
  {
    file: 'mariner-1.0.json',
    os: 'cbl-mariner 1.0',
    entries: [
      'CVE-2022-0261 vim 8.2.4081-1.cm1 -> - HIGH os',
      'CVE-2022-0158 vim 8.2.4081-1.cm1 -> 8.2.4082-1.cm1 LOW os',
    ],
    advice: [
      /^OS package vim 8\.2\.4081-1\.cm1 -> 8\.2\.4082-1\.cm1 .*`tdnf update -y`.*\(fixes CVE-2022-0158; still open: CVE-2022-0261 \(affected\)\)$/,
    ],
  },
  {
    file: 'opensuse-leap-151.json',
    os: 'opensuse-leap 15.1',
    entries: [
      'openSUSE-SU-2020:0062-1 libopenssl1_1 1.1.0i-lp151.8.3.1 -> 1.1.0i-lp151.8.6.1 MEDIUM os',
      'openSUSE-SU-2020:0062-1 openssl-1_1 1.1.0i-lp151.8.3.1 -> 1.1.0i-lp151.8.6.1 MEDIUM os',
    ],
    advice: [/^OS package libopenssl1_1 .*`zypper --non-interactive update`/],
  },
  {
    file: 'oraclelinux-8.json',
    os: 'oracle 8.0',
    entries: [
      'CVE-2019-3823 curl 7.61.1-8.el8 -> 7.61.1-11.el8 MEDIUM os',
      'CVE-2019-5436 curl 7.61.1-8.el8 -> 7.61.1-12.el8 MEDIUM os',
    ],
    advice: [/^OS package curl 7\.61\.1-8\.el8 -> 7\.61\.1-12\.el8 \(oracle 8\.0\).*`dnf upgrade -y/],
  },
  {
    file: 'photon-30.json',
    os: 'photon 3.0',
    entries: [
      'CVE-2019-18276 bash 4.4.18-1.ph3 -> 4.4.18-2.ph3 HIGH os',
      'CVE-2019-5481 curl 7.61.1-4.ph3 -> 7.61.1-5.ph3 CRITICAL os',
      'CVE-2019-5481 curl-libs 7.61.1-4.ph3 -> 7.61.1-5.ph3 CRITICAL os',
    ],
    advice: [/^OS package curl-libs .*`tdnf update -y`/],
  },
  {
    file: 'rockylinux-8.json',
    os: 'rocky 8.5',
    entries: ['CVE-2021-3712 openssl-libs 1:1.1.1k-4.el8 -> 1:1.1.1k-5.el8_5 MEDIUM os'],
    advice: [/^OS package openssl-libs 1:1\.1\.1k-4\.el8 -> 1:1\.1\.1k-5\.el8_5 \(rocky 8\.5\).*`dnf upgrade -y`/],
  },
  { file: 'sl-micro-rancher5.4.json', os: 'slem 5.4', entries: [] },
  {
    file: 'spring4shell-jre8.json',
    os: 'debian 11.3',
    entries: [
      'CVE-2022-22965 org.springframework:spring-beans 5.3.15 -> 5.3.18 LOW language @ usr/local/tomcat/webapps/helloworld.war/WEB-INF/lib/spring-beans-5.3.15.jar',
    ],
    advice: [
      /^upgrade Maven dependency org\.springframework:spring-beans 5\.3\.15 -> 5\.3\.18 in usr\/local\/tomcat\/webapps\/helloworld\.war\//,
    ],
  },
  {
    file: 'ubi-7-comprehensive.json',
    os: 'redhat 7.7',
    entries: [
      'CVE-2019-18276 bash 4.2.46-33.el7 -> - LOW os',
      'CVE-2022-40897 setuptools 0.9.8 -> 65.5.1 HIGH language @ usr/lib/python2.7/site-packages/setuptools-0.9.8-py2.7.egg-info/PKG-INFO',
    ],
    advice: [
      /^bash 4\.2\.46-33\.el7: no fix \(will_not_fix\)/,
      /^upgrade pip dependency setuptools 0\.9\.8 -> 65\.5\.1 in usr\/lib\//,
    ],
  },
];

const line = (entry: Vulnerability) =>
  `${entry.id} ${entry.package} ${entry.installedVersion} -> ${entry.fixedVersion || '-'} ${entry.severity} ${entry.packageClass}${entry.target ? ` @ ${entry.target}` : ''}`;

describe('Trivy golden reports read as `trivy --format json` files', () => {
  for (const golden_case of CASES) {
    it(golden_case.file, () => {
      const document = goldenJson(golden_case.file);
      let path = golden(golden_case.file);
      if (document.ArtifactType !== 'container_image') {
        // `trivy repo` and `trivy vm` name a path, not an image: refused. The same packages inside an image are read
        // from the same Results, so the entries are checked on a copy that says `container_image`.
        const refused = readTrivyImageReports([path], []);
        assert.deepEqual(refused.scans, []);
        assert.match(refused.skipped[0].reason, /^ArtifactType "(repository|vm)" is not a container image scan/);
        path = join(mkdtempSync(join(tmpdir(), 'trivy-golden-')), golden_case.file);
        writeFileSync(path, JSON.stringify({ ...document, ArtifactType: 'container_image' }));
      }
      const { scans, skipped } = readTrivyImageReports([path], []);
      assert.equal(scans.length, 1, JSON.stringify(skipped));
      const [scan] = scans;
      assert.equal(scan.image, document.ArtifactName);
      assert.equal(scan.scanned.os ? `${scan.scanned.os.family} ${scan.scanned.os.name}` : undefined, golden_case.os);
      assert.deepEqual(scan.vulnerabilities.map(line), golden_case.entries);
      const advice = fixAdvice(scan.vulnerabilities, scan.scanned, undefined);
      for (const pattern of golden_case.advice ?? []) {
        assert.ok(
          advice.some((text) => pattern.test(text)),
          `${pattern} in:\n${advice.join('\n')}`,
        );
      }
      // Never advice to go down: every `a -> b` names a version above the installed one.
      for (const text of advice) assert.doesNotMatch(text, /-> \?/);
    });
  }
  it('a report without Results (Trivy found nothing to scan), or with null or empty Results, is skipped with its reason', () => {
    const directory = mkdtempSync(join(tmpdir(), 'trivy-golden-'));
    const document = goldenJson('alpine-39-skip.json');
    const paths = [null, []].map((results, index) => {
      const path = join(directory, `skip-${index}.json`);
      writeFileSync(path, JSON.stringify({ ...document, Results: results }));
      return path;
    });
    const { scans, skipped } = readTrivyImageReports([golden('alpine-39-skip.json'), ...paths], []);
    assert.equal(scans.length, 0);
    assert.deepEqual(
      skipped.map((entry) => entry.reason),
      Array(3).fill('no OS or language package results: Trivy scanned no packages'),
    );
  });
  it('a report of Trivy before v0.20 (Results without Class) is read, as a scan of both package kinds', () => {
    const directory = mkdtempSync(join(tmpdir(), 'trivy-golden-'));
    const path = join(directory, 'schema-1.json');
    const entry = {
      VulnerabilityID: 'CVE-2024-24989',
      PkgName: 'nginx',
      InstalledVersion: '1.25.3',
      FixedVersion: '1.25.4',
    };
    writeFileSync(
      path,
      JSON.stringify({ ArtifactName: 'nginx:1.25.3', Results: [{ Target: 'nginx', Vulnerabilities: [entry] }] }),
    );
    const { scans, skipped } = readTrivyImageReports([path], []);
    assert.deepEqual(
      skipped.map((entry) => entry.reason),
      ['no workload runs nginx:1.25.3 (kept as evidence for upgrades)'],
    );
    assert.deepEqual(
      scans.map((scan) => [scan.image, scan.vulnerabilities.length, scan.packageClasses]),
      [['nginx:1.25.3', 1, ['os', 'language']]],
    );
  });
  it('a report over the size or entry limit is refused before it is used', () => {
    const path = golden('alpine-310.json');
    const bytes = readFileSync(path).length;
    const tooBig = readTrivyImageReports([path], [], undefined, { ...REPORT_LIMITS, bytes: 1000 });
    assert.equal(tooBig.scans.length, 0);
    assert.equal(
      tooBig.skipped[0].reason,
      `too large: ${bytes} bytes, over the 1000-byte limit (scan one image per file)`,
    );
    const tooMany = readTrivyImageReports([path], [], undefined, { ...REPORT_LIMITS, entries: 3 });
    assert.equal(tooMany.skipped[0].reason, 'Results[].Vulnerabilities has 4 entries, over the 3-entry limit');
    assert.equal(readTrivyImageReports([path], []).scans.length, 1, 'the default limits read it');
  });
  it('a Status other than fixed keeps no fixed version, so no plan is made on it', () => {
    // centos-7's openssl-libs entry as Trivy writes it for each Status its data source can give.
    const document = goldenJson('centos-7.json');
    const directory = mkdtempSync(join(tmpdir(), 'trivy-status-'));
    for (const status of ['affected', 'will_not_fix', 'fix_deferred', 'end_of_life', 'under_investigation', 'fixed']) {
      const variant = structuredClone(document);
      variant.Results[0].Vulnerabilities = variant.Results[0].Vulnerabilities.filter(
        (entry: { PkgName: string }) => entry.PkgName === 'openssl-libs',
      ).map((entry: Record<string, unknown>) => ({ ...entry, Status: status }));
      const path = join(directory, `${status}.json`);
      writeFileSync(path, JSON.stringify(variant));
      const [scan] = readTrivyImageReports([path], []).scans;
      const fixed = scan.vulnerabilities.map((entry) => entry.fixedVersion);
      // A scan of the next tag without openssl-libs' CVEs would prove the upgrade, if there were a fix to prove.
      const candidate = { image: 'centos:7.9.2009', scanned: { digests: [], tags: [] }, vulnerabilities: [] };
      const choice = chooseUpgrade('centos:7.6.1810', scan.vulnerabilities, imagePolicy(), {
        scanned: scan.scanned,
        scans: [candidate],
      });
      if (status === 'fixed') {
        assert.deepEqual(fixed, ['1:1.0.2k-19.el7', '1:1.0.2k-19.el7']);
        assert.ok('target' in choice && choice.target === 'centos:7.9.2009', 'fixed: the scanned tag is proposed');
        continue;
      }
      assert.deepEqual(fixed, ['', ''], status);
      assert.ok('refusal' in choice, `${status}: no patch is proposed`);
      assert.match(fixAdvice(scan.vulnerabilities, scan.scanned, undefined)[0], new RegExp(`no fix \\(${status}\\)`));
    }
  });
  it('a scan of a candidate tag proves only the kinds of packages it looked at', () => {
    // spring4shell-jre8 runs as ghcr.io/acme/spring4shell:1.0.0; 1.0.1 is scanned twice: with `--pkg-types os` (Trivy
    // then writes only the OS Result) and with the default (a Result for the jar too, its CVE gone).
    const document = goldenJson('spring4shell-jre8.json');
    const directory = mkdtempSync(join(tmpdir(), 'trivy-kinds-'));
    const write = (name: string, results: GoldenResult[]) => {
      const path = join(directory, name);
      writeFileSync(
        path,
        JSON.stringify({ ...document, ArtifactName: 'ghcr.io/acme/spring4shell:1.0.1', Results: results }),
      );
      return path;
    };
    const osOnly = write(
      'os-only.json',
      document.Results.filter((result: GoldenResult) => result.Class === 'os-pkgs'),
    );
    const both = write(
      'both.json',
      document.Results.map((result: GoldenResult) =>
        result.Class === 'lang-pkgs' ? { ...result, Vulnerabilities: [] } : result,
      ),
    );
    const [current] = readTrivyImageReports([golden('spring4shell-jre8.json')], []).scans;
    const choose = (path: string) =>
      chooseUpgrade('ghcr.io/acme/spring4shell:1.0.0', current.vulnerabilities, imagePolicy(), {
        scanned: current.scanned,
        scans: readTrivyImageReports([path], []).scans,
      });
    assert.ok('refusal' in choose(osOnly), 'an OS-only scan says nothing about the jar');
    const proven = choose(both);
    assert.ok('target' in proven);
    assert.equal(proven.target, 'ghcr.io/acme/spring4shell:1.0.1');
    assert.deepEqual(proven.fixes, ['CVE-2022-22965']);
  });
});

// --- The same goldens as the Trivy Operator writes them (pkg/vulnerabilityreport/io.go, default fields). ---

const replicaSet = (name: string, namespace: string, deployment: string): V1ReplicaSet => ({
  metadata: {
    name,
    namespace,
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: deployment, uid: `${deployment}-uid` }],
  },
});
const deploymentOf = (name: string, namespace: string, container: string, image: string): V1Deployment => ({
  metadata: { name, namespace, uid: `${name}-uid` },
  spec: { selector: {}, template: { spec: { containers: [{ name: container, image }] } } },
});

interface GoldenResult {
  Class?: string;
  Vulnerabilities?: Array<Record<string, unknown> & { PkgIdentifier?: { PURL?: string } }>;
}

/** What the Operator stores from a Trivy scan by default: every Result's entries in one list, a PURL, no class. */
function asOperatorReport(document: {
  Metadata?: { OS?: { Family: string; Name: string } };
  Results?: GoldenResult[];
}) {
  const vulnerabilities = (document.Results ?? []).flatMap((result) =>
    (result.Vulnerabilities ?? []).map((entry) => ({
      vulnerabilityID: entry.VulnerabilityID,
      resource: entry.PkgName,
      installedVersion: entry.InstalledVersion,
      fixedVersion: entry.FixedVersion ?? '',
      severity: entry.Severity,
      title: entry.Title ?? '',
      primaryLink: entry.PrimaryURL ?? '',
      links: [],
      ...(entry.PkgIdentifier?.PURL ? { packagePURL: entry.PkgIdentifier.PURL } : {}),
    })),
  );
  const os = document.Metadata?.OS;
  return {
    metadata: {
      name: 'replicaset-web-6d4cf56db6-app',
      namespace: 'shop',
      labels: {
        'trivy-operator.resource.kind': 'ReplicaSet',
        'trivy-operator.resource.name': 'web-6d4cf56db6',
        'trivy-operator.resource.namespace': 'shop',
        'trivy-operator.container.name': 'app',
      },
    },
    report: {
      registry: { server: 'ghcr.io' },
      artifact: { repository: 'acme/web', tag: '1.0.0' },
      ...(os ? { os: { family: os.Family, name: os.Name } } : {}),
      vulnerabilities: vulnerabilities.length > 0 ? vulnerabilities : null,
    },
  } satisfies VulnerabilityReportObject;
}

describe('Trivy golden reports as Operator VulnerabilityReports (no class, type or path: the PURL says)', () => {
  const owners = new OwnerResolver({
    deployments: [deploymentOf('web', 'shop', 'app', 'ghcr.io/acme/web:1.0.0')],
    replicaSets: [replicaSet('web-6d4cf56db6', 'shop', 'web')],
  });
  for (const golden_case of CASES) {
    it(golden_case.file, () => {
      const document = goldenJson(golden_case.file);
      const { containers, skipped } = readVulnerabilityReports([asOperatorReport(document)], owners);
      assert.deepEqual(skipped, []);
      const [container] = containers;
      // The Operator drops each entry's location, so one CVE in three go.mod files is one entry.
      const expected = new Map<string, string>();
      for (const result of document.Results as GoldenResult[]) {
        for (const entry of result.Vulnerabilities ?? []) {
          expected.set(`${entry.VulnerabilityID} ${entry.PkgName} ${entry.InstalledVersion}`, result.Class!);
        }
      }
      assert.deepEqual(
        container.vulnerabilities.map(
          (entry) => `${entry.id} ${entry.package} ${entry.installedVersion} ${entry.packageClass}`,
        ),
        [...expected].map(([key, kind]) => `${key} ${kind === 'os-pkgs' ? 'os' : 'language'}`),
      );
      const advice = fixAdvice(container.vulnerabilities, container.scanned, undefined);
      for (const entry of container.vulnerabilities) {
        const text = advice.find((candidate) => candidate.includes(`${entry.package} ${entry.installedVersion}`));
        assert.ok(text, `advice for ${entry.package}`);
        if (entry.fixedVersion) {
          assert.match(text, entry.packageClass === 'language' ? /^upgrade .* dependency / : /^OS package /);
        }
      }
    });
  }
});

describe("the Trivy Operator's own fixture", () => {
  // tests/envtest/testdata/fixture/vulnerability-ttl.yaml of aquasecurity/trivy-operator, unchanged.
  const text = readFileSync(
    new URL('./__fixtures__/trivy-operator/vulnerability-ttl.yaml', import.meta.url).pathname,
    'utf8',
  );
  const owners = new OwnerResolver({
    deployments: [deploymentOf('coredns', 'kube-system', 'coredns', 'k8s.gcr.io/coredns/coredns:v1.8.0')],
    replicaSets: [replicaSet('coredns-558bd4d5db', 'kube-system', 'coredns')],
  });
  it('resolves to the Deployment, keeps the Go module version with its v, and advises without guessing its kind', () => {
    const { containers, skipped } = readVulnerabilityReports([parse(text)], owners);
    assert.deepEqual(skipped, []);
    assert.deepEqual(containers[0].workload, { namespace: 'kube-system', kind: 'Deployment', name: 'coredns' });
    assert.deepEqual(containers[0].vulnerabilities.map(line), [
      'CVE-2021-3121 github.com/gogo/protobuf v1.3.1 -> 1.3.2 HIGH undefined',
    ]);
    assert.deepEqual(fixAdvice(containers[0].vulnerabilities, containers[0].scanned, undefined), [
      'package github.com/gogo/protobuf v1.3.1 -> 1.3.2: rebuild the image with it (the report does not say whether it is an OS or a language package) (fixes CVE-2021-3121)',
    ]);
  });
  it('reads a name too long for a label from the annotation the Operator writes beside the name-hash label', () => {
    // pkg/kube/object.go ObjectToObjectMeta: a name that is not a valid label value (over 63 characters) goes to
    // the trivy-operator.resource.name annotation, its hash to the trivy-operator.resource.name-hash label.
    const longName = `coredns-${'x'.repeat(60)}-558bd4d5db`;
    const report = parse(text) as VulnerabilityReportObject & {
      metadata: Required<VulnerabilityReportObject>['metadata'];
    };
    delete report.metadata.labels!['trivy-operator.resource.name'];
    report.metadata.labels!['trivy-operator.resource.name-hash'] = '5b8c6f7d9';
    const annotated = structuredClone(report);
    annotated.metadata.annotations = { ...annotated.metadata.annotations, 'trivy-operator.resource.name': longName };
    const resolver = new OwnerResolver({
      deployments: [deploymentOf('coredns', 'kube-system', 'coredns', 'k8s.gcr.io/coredns/coredns:v1.8.0')],
      replicaSets: [replicaSet(longName, 'kube-system', 'coredns')],
    });
    const { containers, skipped } = readVulnerabilityReports([annotated, report], resolver);
    assert.equal(containers.length, 1);
    assert.deepEqual(containers[0].workload, { namespace: 'kube-system', kind: 'Deployment', name: 'coredns' });
    assert.equal(skipped.length, 1, 'without the annotation nothing names the workload');
    assert.match(skipped[0].reason, /missing trivy-operator.resource\/container labels/);
  });
  it('a clean scan (vulnerabilities null), null entries and an over-limit report are read without a crash', () => {
    const clean = parse(text) as VulnerabilityReportObject;
    clean.report!.vulnerabilities = null;
    const holes = parse(text) as VulnerabilityReportObject;
    holes.report!.vulnerabilities = [null as never, ...(holes.report!.vulnerabilities ?? [])];
    const read = readVulnerabilityReports([clean, holes, null as never], owners);
    assert.deepEqual(
      read.containers.map((container) => container.vulnerabilities.length),
      [0, 1],
    );
    assert.deepEqual(read.skipped, [{ source: 'vulnerabilityreport ?', reason: 'not an object' }]);
    const over = readVulnerabilityReports([holes], owners, undefined, { ...REPORT_LIMITS, entries: 1 });
    assert.match(over.skipped[0].reason, /report\.vulnerabilities has 2 entries, over the 1-entry limit/);
  });
});

import { smallestFix } from './fixed-versions.ts';
import type { ScannedImage, Vulnerability } from './workload-finding.ts';

/** How each OS family upgrades its packages in an image build. */
const UPGRADE_COMMANDS: Record<string, string> = {
  alpine: 'apk upgrade --no-cache',
  debian: 'apt-get update && apt-get upgrade -y',
  ubuntu: 'apt-get update && apt-get upgrade -y',
  redhat: 'microdnf upgrade -y (or dnf upgrade -y)',
  centos: 'yum update -y',
  rocky: 'dnf upgrade -y',
  alma: 'dnf upgrade -y',
  amazon: 'yum update -y',
  oracle: 'dnf upgrade -y',
  photon: 'tdnf update -y',
};

/** Trivy package types of application dependencies, named the way their ecosystems say it. */
const ECOSYSTEMS: Record<string, string> = {
  npm: 'npm',
  yarn: 'npm (yarn)',
  pnpm: 'npm (pnpm)',
  'node-pkg': 'npm',
  pip: 'pip',
  pipenv: 'pip (pipenv)',
  poetry: 'pip (poetry)',
  'python-pkg': 'pip',
  gomod: 'Go module',
  gobinary: 'Go module',
  jar: 'Maven',
  pom: 'Maven',
  gradle: 'Maven (gradle)',
  bundler: 'Ruby gem',
  gemspec: 'Ruby gem',
  cargo: 'Rust crate',
  'rust-binary': 'Rust crate',
  composer: 'Composer',
  nuget: 'NuGet',
  'dotnet-core': 'NuGet',
};

/**
 * What to change to fix the image's CVEs, one line per package, from the report's fixed versions: language packages
 * are upgraded in the application (named with their ecosystem and where they were found), OS packages by rebuilding
 * on an updated base or upgrading packages in the build. CVEs without a fixed version are listed as such.
 */
export function fixAdvice(
  vulnerabilities: readonly Vulnerability[],
  scanned: ScannedImage | undefined,
  applicationPackage: string | undefined,
): string[] {
  const byPackage = new Map<string, Vulnerability[]>();
  for (const vulnerability of vulnerabilities) {
    const key = `${vulnerability.packageClass ?? ''}|${vulnerability.package}|${vulnerability.installedVersion}|${vulnerability.target ?? ''}`;
    byPackage.set(key, [...(byPackage.get(key) ?? []), vulnerability]);
  }
  const lines: string[] = [];
  for (const entries of byPackage.values()) {
    const first = entries[0];
    const ids = [...new Set(entries.map((entry) => entry.id))].join(', ');
    const fixable = entries.filter((entry) => entry.fixedVersion);
    if (fixable.length === 0) {
      lines.push(`${first.package} ${first.installedVersion}: no fixed version yet (${ids})`);
      continue;
    }
    const to = highest(fixable.map((entry) => smallestFix(first.installedVersion, entry.fixedVersion) ?? ''));
    const fixes = `(fixes ${[...new Set(fixable.map((entry) => entry.id))].join(', ')})`;
    if (first.package === applicationPackage) {
      lines.push(
        `${first.package} ${first.installedVersion} -> ${to}: the image's own version, a newer tag carries it ${fixes}`,
      );
    } else if (isLanguagePackage(first)) {
      const ecosystem = ECOSYSTEMS[first.packageType ?? ''] ?? first.packageType ?? 'application';
      const where = first.target ? ` in ${first.target}` : '';
      lines.push(
        `upgrade ${ecosystem} dependency ${first.package} ${first.installedVersion} -> ${to}${where} and rebuild the application image ${fixes}`,
      );
    } else {
      const family = scanned?.os?.family.toLowerCase() ?? first.packageType ?? '';
      const os = scanned?.os ? ` (${scanned.os.family} ${scanned.os.name})` : '';
      const command = UPGRADE_COMMANDS[family];
      lines.push(
        `OS package ${first.package} ${first.installedVersion} -> ${to}${os}: rebuild on a base image that carries it${command ? ` or run \`${command}\` in the build` : ''} ${fixes}`,
      );
    }
  }
  return lines;
}

function isLanguagePackage(vulnerability: Vulnerability): boolean {
  if (vulnerability.packageClass) return vulnerability.packageClass === 'language';
  return Boolean(vulnerability.packageType && vulnerability.packageType in ECOSYSTEMS);
}

function highest(versions: string[]): string {
  return (
    versions
      .filter(Boolean)
      .sort((left, right) => left.localeCompare(right, 'en', { numeric: true }))
      .pop() ?? '?'
  );
}

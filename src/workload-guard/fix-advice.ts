import { parseFixedVersions, smallestFix } from './fixed-versions.ts';
import { comparePackageVersions } from './image-reference.ts';
import type { ScannedImage, Vulnerability } from './workload-finding.ts';

/**
 * How each OS family (Trivy's names, pkg/fanal/types/const.go) upgrades its packages in an image build. Families
 * without a package manager in the image (bottlerocket, coreos) are absent: the advice is a rebuild.
 */
const UPGRADE_COMMANDS: Record<string, string> = {
  alpine: 'apk upgrade --no-cache',
  wolfi: 'apk upgrade --no-cache',
  chainguard: 'apk upgrade --no-cache',
  minimos: 'apk upgrade --no-cache',
  debian: 'apt-get update && apt-get upgrade -y',
  ubuntu: 'apt-get update && apt-get upgrade -y',
  echo: 'apt-get update && apt-get upgrade -y',
  redhat: 'microdnf upgrade -y (or dnf upgrade -y)',
  centos: 'yum update -y',
  'centos-stream': 'dnf upgrade -y',
  fedora: 'dnf upgrade -y',
  rocky: 'dnf upgrade -y',
  alma: 'dnf upgrade -y',
  amazon: 'yum update -y (dnf upgrade -y on Amazon Linux 2023)',
  oracle: 'dnf upgrade -y (yum update -y on Oracle Linux 7)',
  photon: 'tdnf update -y',
  'cbl-mariner': 'tdnf update -y',
  azurelinux: 'tdnf update -y',
  opensuse: 'zypper --non-interactive update',
  'opensuse-leap': 'zypper --non-interactive update',
  'opensuse.leap': 'zypper --non-interactive update',
  'opensuse-tumbleweed': 'zypper --non-interactive update',
  'opensuse.tumbleweed': 'zypper --non-interactive update',
  sles: 'zypper --non-interactive update',
  suse: 'zypper --non-interactive update',
  slem: 'zypper --non-interactive update',
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
  'packages-props': 'NuGet',
  'composer-vendor': 'Composer',
  hex: 'Hex',
  pub: 'Dart pub',
  swift: 'Swift package',
  cocoapods: 'CocoaPods',
  conan: 'Conan',
  bun: 'npm (bun)',
  uv: 'pip (uv)',
  pylock: 'pip',
  sbt: 'Maven (sbt)',
  // PURL types, when the Operator report carries only packagePURL.
  golang: 'Go module',
  maven: 'Maven',
  pypi: 'pip',
  gem: 'Ruby gem',
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
      const statuses = statusesOf(entries);
      const why = statuses ? `no fix (${statuses})` : 'no fixed version yet';
      lines.push(`${first.package} ${first.installedVersion}: ${why} (${ids})`);
      continue;
    }
    const upgrades = fixable.map((entry) => smallestFix(first.installedVersion, entry.fixedVersion));
    if (upgrades.some((version) => version === undefined)) {
      // A fixed version not above the installed one: the report disagrees with itself; say so, never advise going down.
      const listed = [...new Set(fixable.map((entry) => entry.fixedVersion))].join('; ');
      const understood = fixable.every((entry) => parseFixedVersions(entry.fixedVersion).length > 0);
      const why = understood ? 'none above the installed version' : 'not a version this reads';
      lines.push(`${first.package} ${first.installedVersion}: fixed in ${listed}, ${why}: check the package (${ids})`);
      continue;
    }
    const to = highest(upgrades as string[]);
    // CVEs of the same package the upgrade does not fix are named too, so the advice does not read as complete.
    const open = entries.filter((entry) => !entry.fixedVersion);
    const openIds = [...new Set(open.map((entry) => entry.id))].join(', ');
    const openText =
      open.length > 0 ? `; still open: ${openIds}${statusesOf(open) ? ` (${statusesOf(open)})` : ''}` : '';
    const fixes = `(fixes ${[...new Set(fixable.map((entry) => entry.id))].join(', ')}${openText})`;
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
    } else if (first.packageClass !== 'os' && !scanned?.os && !((first.packageType ?? '') in UPGRADE_COMMANDS)) {
      // An older Operator report of an image without an OS: nothing says which kind of package this is.
      lines.push(
        `package ${first.package} ${first.installedVersion} -> ${to}: rebuild the image with it (the report does not say whether it is an OS or a language package) ${fixes}`,
      );
    } else {
      const family = (scanned?.os?.family || first.packageType || '').toLowerCase();
      const os = scanned?.os ? ` (${scanned.os.family} ${scanned.os.name})` : '';
      const command = UPGRADE_COMMANDS[family];
      lines.push(
        `OS package ${first.package} ${first.installedVersion} -> ${to}${os}: rebuild on a base image that carries it${command ? ` or run \`${command}\` in the build` : ''} ${fixes}`,
      );
    }
  }
  return lines;
}

/** The report's Status values other than `fixed`, for the reader (`will_not_fix, affected`). */
function statusesOf(entries: readonly Vulnerability[]): string {
  return [...new Set(entries.map((entry) => entry.status).filter((status) => status && status !== 'fixed'))].join(', ');
}

function isLanguagePackage(vulnerability: Vulnerability): boolean {
  if (vulnerability.packageClass) return vulnerability.packageClass === 'language';
  return Boolean(vulnerability.packageType && vulnerability.packageType in ECOSYSTEMS);
}

function highest(versions: string[]): string {
  return versions.reduce((left, right) => (comparePackageVersions(left, right) >= 0 ? left : right));
}

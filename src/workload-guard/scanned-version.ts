import { parseImageReference, parseTagVersion } from './image-reference.ts';
import type { ScannedImage, Vulnerability } from './workload-finding.ts';

/** Base-image repositories (last path segment) whose version is the OS release Trivy reports, by OS family. */
const OS_REPOSITORIES: Record<string, RegExp> = {
  alpine: /^alpine$/,
  debian: /^debian$/,
  ubuntu: /^ubuntu$/,
  redhat: /^ubi\d*(-minimal|-micro|-init)?$/,
  centos: /^centos$/,
  rocky: /^rockylinux$/,
  alma: /^almalinux$/,
  amazon: /^amazonlinux$/,
  oracle: /^oraclelinux$/,
  photon: /^photon$/,
  'opensuse.leap': /^leap$/,
  'opensuse-leap': /^leap$/,
};

export interface ScannedVersion {
  /** `major.minor.patch` of what was scanned. */
  version: string;
  /** Where it comes from, for people: the tag, the application package, or the report's OS. */
  evidence: string;
}

/**
 * The real version of the scanned image. A full `x.y.z` tag names it; a moving tag (`alpine:3.10`, `nginx:1.25`)
 * does not, so the version comes from the report: the application package's installed version, or for an OS base
 * image the OS release. Undefined when the report does not say (then nothing within the moving tag counts as newer).
 */
export function scannedVersion(
  image: string,
  vulnerabilities: readonly Vulnerability[],
  scanned: ScannedImage | undefined,
  applicationPackage: string | undefined,
): ScannedVersion | undefined {
  const reference = parseImageReference(image);
  const tag = reference?.tag ? parseTagVersion(reference.tag) : undefined;
  if (tag && tag.precision === 3) return { version: tag.numbers.join('.'), evidence: `tag ${reference!.tag}` };
  const consistent = (version: string) => {
    if (!tag) return true;
    const numbers = version.split('.').map(Number);
    return tag.numbers.slice(0, tag.precision).every((number, index) => numbers[index] === number);
  };
  const installed = vulnerabilities.find(
    (vulnerability) => vulnerability.package === applicationPackage && vulnerability.installedVersion,
  );
  const application = installed ? numericVersion(installed.installedVersion) : undefined;
  if (application && consistent(application)) {
    return { version: application, evidence: `installed ${installed!.package} ${installed!.installedVersion}` };
  }
  const repository = reference?.repository.split('/').pop() ?? '';
  const os = scanned?.os;
  const family = os ? OS_REPOSITORIES[os.family.toLowerCase()] : undefined;
  const release = os ? numericVersion(os.name) : undefined;
  if (os && family?.test(repository) && release && consistent(release)) {
    return { version: release, evidence: `report OS ${os.family} ${os.name}` };
  }
  return undefined;
}

/** `1:1.25.3-1~bookworm` -> `1.25.3`; `22.04` -> `22.04.0`; undefined without a leading number. */
export function numericVersion(text: string): string | undefined {
  const match = /^(?:\d+:)?v?(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(text.trim());
  if (!match) return undefined;
  return [match[1], match[2] ?? '0', match[3] ?? '0'].map(Number).join('.');
}

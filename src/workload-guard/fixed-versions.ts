import { comparePackageVersions } from './image-reference.ts';

/**
 * One entry of a Trivy FixedVersion: the lowest fixed version, and what it covers. Trivy writes a list when several
 * release lines got a fix (`1.25.5, 1.26.2`), and for some ecosystems the advisory's patched ranges joined by `, `
 * (`>= 3.1.0, >= 2.1.3, < 3.0.0`, `>= 6.1.7.1, ~> 6.0.6.1`, `^1.1.1`): an upper bound closes the range it follows,
 * and alone says nothing about the fix.
 */
export interface FixedVersionEntry {
  version: string;
  /** `~>`/`^`/`~`, or one of several entries: only versions on this entry's release line (major.minor) qualify. */
  lineOnly: boolean;
  /** `< x` right after the entry: versions from x on are not covered by it (another entry may cover them). */
  below?: string;
}

export function parseFixedVersions(text: string): FixedVersionEntry[] {
  const parts = text
    .split(/,|\|\|/)
    .map((part) => part.trim())
    .filter(Boolean);
  const entries: FixedVersionEntry[] = [];
  for (const part of parts) {
    const upper = /^<\s*v?([0-9][A-Za-z0-9.+:~_-]*)$/.exec(part);
    if (upper) {
      const last = entries.at(-1);
      if (last && last.below === undefined) last.below = upper[1];
      continue;
    }
    const match = /^(>=|>|~>|\^|~|=)?\s*v?([0-9][A-Za-z0-9.+:~_-]*)$/.exec(part);
    if (!match) continue;
    entries.push({ version: match[2], lineOnly: match[1] === '~>' || match[1] === '^' || match[1] === '~' });
  }
  const open = entries.filter((entry) => entry.below === undefined);
  if (entries.length > 1 && open.length > 0) {
    // Several fixed versions: each covers its own line, except the newest open one, which covers everything after it.
    const newest = open.reduce((left, right) =>
      comparePackageVersions(left.version, right.version) >= 0 ? left : right,
    );
    for (const entry of open) if (entry !== newest) entry.lineOnly = true;
  }
  return entries;
}

/** Whether `version` (an installed package or application version) carries the fix the entries describe. */
export function isFixedBy(version: string, fixedVersion: string): boolean {
  return parseFixedVersions(fixedVersion).some((entry) => covers(entry, version));
}

/**
 * The lowest fixed version above `from` (the smallest upgrade), preferring `from`'s own release line, for advice.
 * Undefined when none parses or none is newer than `from`: advice never proposes going down.
 */
export function smallestFix(from: string, fixedVersion: string): string | undefined {
  const newer = parseFixedVersions(fixedVersion)
    .filter((entry) => comparePackageVersions(entry.version, from) > 0)
    .sort((left, right) => comparePackageVersions(left.version, right.version));
  return (newer.find((entry) => releaseLine(entry.version) === releaseLine(from)) ?? newer[0])?.version;
}

function covers(entry: FixedVersionEntry, version: string): boolean {
  if (comparePackageVersions(version, entry.version) < 0) return false;
  if (entry.below !== undefined) return comparePackageVersions(version, entry.below) < 0;
  return !entry.lineOnly || releaseLine(version) === releaseLine(entry.version);
}

function releaseLine(version: string): string {
  const numbers = version.replace(/^\d+:/, '').match(/\d+/g) ?? [];
  return numbers.slice(0, 2).join('.');
}

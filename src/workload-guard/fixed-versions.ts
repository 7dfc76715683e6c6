import { comparePackageVersions } from './image-reference.ts';

/**
 * One entry of a Trivy FixedVersion: the lowest fixed version, and whether only its own release line is covered.
 * Trivy writes a list when several release lines got a fix (`1.25.5, 1.26.2`), and advisory ranges for some
 * ecosystems (`>= 6.1.7.1, ~> 6.0.6.1`, `^1.1.1`); upper bounds (`< 2.0.0`) say nothing about the fix.
 */
export interface FixedVersionEntry {
  version: string;
  /** `~>`/`^`/`~`, or one of several entries: only versions on this entry's release line (major.minor) qualify. */
  lineOnly: boolean;
}

export function parseFixedVersions(text: string): FixedVersionEntry[] {
  const parts = text
    .split(/,|\|\|/)
    .map((part) => part.trim())
    .filter(Boolean);
  const entries: FixedVersionEntry[] = [];
  for (const part of parts) {
    const match = /^(>=|>|~>|\^|~|=)?\s*v?([0-9][A-Za-z0-9.+:~_-]*)$/.exec(part);
    if (!match) continue;
    entries.push({ version: match[2], lineOnly: match[1] === '~>' || match[1] === '^' || match[1] === '~' });
  }
  if (entries.length > 1) {
    // Several fixed versions: each covers its own line, except the newest, which covers everything after it.
    const newest = entries.reduce((left, right) =>
      comparePackageVersions(left.version, right.version) >= 0 ? left : right,
    );
    for (const entry of entries) if (entry !== newest) entry.lineOnly = true;
  }
  return entries;
}

/** Whether `version` (an installed package or application version) carries the fix the entries describe. */
export function isFixedBy(version: string, fixedVersion: string): boolean {
  const entries = parseFixedVersions(fixedVersion);
  return entries.some(
    (entry) =>
      comparePackageVersions(version, entry.version) >= 0 &&
      (!entry.lineOnly || releaseLine(version) === releaseLine(entry.version)),
  );
}

/** The lowest fixed version at or above `from` (the smallest upgrade), for advice; undefined when none parses. */
export function smallestFix(from: string, fixedVersion: string): string | undefined {
  const entries = parseFixedVersions(fixedVersion).sort((left, right) =>
    comparePackageVersions(left.version, right.version),
  );
  const sameLine = entries.find(
    (entry) => releaseLine(entry.version) === releaseLine(from) && comparePackageVersions(entry.version, from) > 0,
  );
  return (sameLine ?? entries.find((entry) => comparePackageVersions(entry.version, from) > 0) ?? entries[0])?.version;
}

function releaseLine(version: string): string {
  const numbers = version.replace(/^\d+:/, '').match(/\d+/g) ?? [];
  return numbers.slice(0, 2).join('.');
}

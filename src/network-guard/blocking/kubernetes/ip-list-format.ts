import { parse, stringify } from 'yaml';
import { formatCidr, parseCidr } from '../../../core/ip-address.ts';

/** How an IP list is written inside a ConfigMap key; kept when the agent adds or removes an entry. */
export type IpListFormat = 'lines' | 'json' | 'yaml';

export interface ParsedIpList {
  format: IpListFormat;
  entries: string[];
}

/**
 * Reads a ConfigMap value as an IP list: a JSON array, a YAML sequence, or one address/CIDR per line (`#` comments
 * and blank lines allowed). Anything else (including an entry that is not an address) is not a list: undefined.
 * An empty value is an empty `lines` list only when `allowEmpty` (the key was named in config or by annotation).
 */
export function parseIpList(text: string, allowEmpty = false): ParsedIpList | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return allowEmpty ? { format: 'lines', entries: [] } : undefined;
  if (trimmed.startsWith('[')) {
    try {
      const value = JSON.parse(trimmed);
      return isAddressArray(value) ? { format: 'json', entries: value } : undefined;
    } catch {
      return undefined;
    }
  }
  if (trimmed.startsWith('- ') || trimmed.startsWith('-\n')) {
    try {
      const value = parse(trimmed);
      return isAddressArray(value) ? { format: 'yaml', entries: value.map(String) } : undefined;
    } catch {
      return undefined;
    }
  }
  const entries = listLines(text);
  if (entries.length === 0 && !allowEmpty) return undefined;
  return entries.every((entry) => parseCidr(entry)) ? { format: 'lines', entries } : undefined;
}

/**
 * Writes the list back in its own format. For `lines`, comments and the order of existing lines are kept: removed
 * entries lose their line, added entries go at the end.
 */
export function renderIpList(previousText: string, format: IpListFormat, entries: readonly string[]): string {
  if (format === 'json') {
    const pretty = previousText.trim().includes('\n');
    return `${pretty ? JSON.stringify(entries, null, 2) : JSON.stringify(entries)}\n`;
  }
  if (format === 'yaml') return entries.length === 0 ? '[]\n' : stringify([...entries]);
  const wanted = new Set(entries);
  const kept: string[] = [];
  const seen = new Set<string>();
  for (const line of previousText.replace(/\n$/, '').split('\n')) {
    const value = line.trim();
    if (previousText === '') break;
    if (value === '' || value.startsWith('#')) {
      kept.push(line);
      continue;
    }
    if (wanted.has(value) && !seen.has(value)) {
      kept.push(line);
      seen.add(value);
    }
  }
  for (const entry of entries) if (!seen.has(entry)) kept.push(entry);
  return kept.length === 0 ? '' : `${kept.join('\n')}\n`;
}

/** Canonical text of an address or network for comparisons (`1.2.3.4/32` equals `1.2.3.4`). */
export function canonicalEntry(entry: string): string | undefined {
  const cidr = parseCidr(entry);
  return cidr ? formatCidr(cidr) : undefined;
}

function listLines(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

function isAddressArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((entry) => typeof entry === 'string' && parseCidr(entry) !== undefined);
}

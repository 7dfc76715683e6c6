import { readBlockMarks } from './block-marks.ts';
import type { MiddlewareInfo, TraefikObject } from './traefik-inventory.ts';

type Raw = { metadata?: { annotations?: Record<string, string> }; spec?: Record<string, unknown> };

/**
 * What a Middleware is, and whether it is a deny list the agent can extend:
 * - denyip plugin: `spec.plugin.<name>.ipDenyList: [...]` (github.com/kevtainer/denyip and forks);
 * - fail2ban plugin: `spec.plugin.<name>.denylist.ip: [...]` (github.com/tomMoulard/fail2ban).
 * The first plugin (in name order) holding such a list wins, so the choice never depends on key order.
 */
export function describeMiddleware(object: TraefikObject, raw: Raw): MiddlewareInfo {
  const spec = raw.spec ?? {};
  const info: MiddlewareInfo = {
    ...object,
    types: Object.keys(spec).sort(),
    chains: chainReferences(spec, object.namespace),
    usedBy: [],
    agentEntries: Object.keys(readBlockMarks(raw.metadata?.annotations)),
  };
  const plugins = spec.plugin && typeof spec.plugin === 'object' ? (spec.plugin as Record<string, unknown>) : {};
  for (const plugin of Object.keys(plugins).sort()) {
    const config = plugins[plugin] as Record<string, unknown> | null;
    if (!config || typeof config !== 'object') continue;
    if (isStringArray(config.ipDenyList)) {
      info.denyList = {
        pattern: 'denyip-middleware',
        plugin,
        path: ['spec', 'plugin', plugin, 'ipDenyList'],
        entries: config.ipDenyList,
      };
      break;
    }
    const denylist = config.denylist as Record<string, unknown> | undefined;
    if (denylist && typeof denylist === 'object' && (isStringArray(denylist.ip) || typeof denylist.ip === 'string')) {
      // The plugin's own readme writes `ip: 127.0.0.1`; Traefik decodes a string into a list, split at commas.
      const oneString = typeof denylist.ip === 'string';
      info.denyList = {
        pattern: 'fail2ban-middleware',
        plugin,
        path: ['spec', 'plugin', plugin, 'denylist', 'ip'],
        entries: oneString ? splitList(denylist.ip as string) : (denylist.ip as string[]),
        ...(oneString ? { oneString } : {}),
      };
      break;
    }
  }
  return info;
}

/** A name with `@provider` is taken whole by Traefik (its namespace ignored): kept as written, resolved later. */
function chainReferences(spec: Record<string, unknown>, namespace: string): string[] {
  const chain = spec.chain as { middlewares?: { name?: unknown; namespace?: unknown }[] } | undefined;
  if (!chain || !Array.isArray(chain.middlewares)) return [];
  return chain.middlewares
    .filter((reference) => typeof reference?.name === 'string')
    .map((reference) =>
      String(reference.name).includes('@')
        ? String(reference.name)
        : `${typeof reference.namespace === 'string' && reference.namespace ? reference.namespace : namespace}/${reference.name}`,
    );
}

function splitList(text: string): string[] {
  return text
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((entry) => typeof entry === 'string');
}

/** `a=b,c=d` (or `a==b`) as a map; undefined for set-based selectors this simple matcher does not handle. */
export function parseEqualitySelector(text: string): Record<string, string> | undefined {
  const selector: Record<string, string> = {};
  for (const part of text.split(',').map((piece) => piece.trim())) {
    if (part === '') continue;
    const match = /^([A-Za-z0-9._/-]+)\s*==?\s*([A-Za-z0-9._-]*)$/.exec(part);
    if (!match) return undefined;
    selector[match[1]] = match[2];
  }
  return selector;
}

/** True when every label of the selector is on the object (an empty selector matches everything). */
export function labelsMatch(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(selector).every(([key, value]) => labels[key] === value);
}

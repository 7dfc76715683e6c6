import { existsSync, readFileSync, statSync } from 'node:fs';
import { writeFileAtomic } from '../../../core/atomic-write.ts';
import { errorMessage } from '../../../core/errors.ts';
import { formatCidr, parseCidr } from '../../../core/ip-address.ts';
import { lazyModule } from '../../../core/lazy-module.ts';
import { lineDiff } from '../../../core/unified-diff.ts';
import type { ActionResult, Blocker, BlockPlan, BlockRequest } from '../blocker.ts';

/** Loaded at the first read or write of the file (a scan that blocks nothing never needs it). */
const yaml = lazyModule<typeof import('yaml')>('yaml');

export interface TraefikFileBlockerSettings {
  path: string;
  middleware_name: string;
  plugin_name: string;
  max_entries: number;
}

/**
 * Blocks through Traefik's file provider: a dynamic-configuration file with one middleware using the denyip plugin
 * (`plugin.denyip.ipDenyList`, github.com/kevtainer/denyip), which routers reference as `<name>@file`. Entries a
 * human put in the same list are kept; only the agent's own entries (tracked in SQLite) are ever removed.
 */
type DenyFile = { text: string; entries: string[]; document: Record<string, unknown>; hasMiddleware: boolean };

export class TraefikFileBlocker implements Blocker {
  readonly kind = 'traefik-file';
  readonly #settings: TraefikFileBlockerSettings;
  /**
   * The file as plan() last read it, with its stamp (inode, size, modification time in ns). An incident storm in
   * review mode plans thousands of blocks against a file nothing writes meanwhile: parsing its YAML again for each
   * took a quarter of a 10,000-incident scan. Writes (apply, revert, prepare) always read the file afresh.
   */
  #planned: { stamp: string; file: DenyFile } | undefined;

  constructor(settings: TraefikFileBlockerSettings) {
    this.#settings = settings;
  }

  async plan(request: BlockRequest): Promise<BlockPlan> {
    const target = canonical(request.target);
    const before = this.#readForPlan();
    const alreadyBlocked = before.entries.includes(target);
    const after = alreadyBlocked ? before.text : this.#render([...before.entries, target], before.document);
    return {
      blocker: this.kind,
      object: `${this.#settings.path} (middleware ${this.#settings.middleware_name}@file)`,
      diff: lineDiff(before.text, after, this.#settings.path),
      alreadyBlocked,
    };
  }

  async apply(request: BlockRequest): Promise<ActionResult> {
    try {
      const target = canonical(request.target);
      const current = this.#read();
      if (current.entries.includes(target))
        return { status: 'unchanged', detail: `${target} already in ${this.#settings.path}` };
      if (current.entries.length >= this.#settings.max_entries) {
        return {
          status: 'failed',
          error: `deny list holds ${current.entries.length} entries (blocking.max_entries)`,
          isRetryable: false,
        };
      }
      writeFileAtomic(this.#settings.path, this.#render([...current.entries, target], current.document));
      return {
        status: 'applied',
        detail: `added ${target} to ${this.#settings.middleware_name}@file in ${this.#settings.path}`,
      };
    } catch (error) {
      return {
        status: 'failed',
        error: `cannot update ${this.#settings.path}: ${errorMessage(error)}`,
        isRetryable: true,
      };
    }
  }

  /**
   * Writes the middleware with an empty list when the file or the middleware is missing, so routers referencing
   * `<name>@file` work (and let everybody through) before the first block. A file that does not parse is left as it
   * is (it may hold a human's entries) and reported: Traefik keeps serving its last valid configuration meanwhile.
   */
  async prepare(): Promise<ActionResult> {
    try {
      const current = this.#read();
      if (current.hasMiddleware) return { status: 'unchanged', detail: `${this.#describe()} is in place` };
      writeFileAtomic(this.#settings.path, this.#render(current.entries, current.document));
      return { status: 'applied', detail: `wrote ${this.#describe()} with an empty deny list` };
    } catch (error) {
      return {
        status: 'failed',
        error: `cannot prepare ${this.#settings.path}: ${errorMessage(error)}`,
        isRetryable: true,
      };
    }
  }

  #describe(): string {
    return `middleware ${this.#settings.middleware_name}@file in ${this.#settings.path}`;
  }

  async revert(targetText: string): Promise<ActionResult> {
    try {
      const target = canonical(targetText);
      const current = this.#read();
      if (!current.entries.includes(target))
        return { status: 'unchanged', detail: `${target} is not in ${this.#settings.path}` };
      writeFileAtomic(
        this.#settings.path,
        this.#render(
          current.entries.filter((entry) => entry !== target),
          current.document,
        ),
      );
      return { status: 'applied', detail: `removed ${target} from ${this.#settings.path}` };
    } catch (error) {
      return {
        status: 'failed',
        error: `cannot update ${this.#settings.path}: ${errorMessage(error)}`,
        isRetryable: true,
      };
    }
  }

  /** #read(), or the file plan() read last when its stamp has not changed since (the document is never mutated). */
  #readForPlan(): DenyFile {
    const stat = statSync(this.#settings.path, { bigint: true, throwIfNoEntry: false });
    const stamp = stat ? `${stat.ino}:${stat.size}:${stat.mtimeNs}` : 'absent';
    if (this.#planned?.stamp === stamp) return this.#planned.file;
    const file = this.#read();
    this.#planned = { stamp, file };
    return file;
  }

  /** Current entries and the parsed document (other middlewares or settings in the file are preserved). */
  #read(): DenyFile {
    if (!existsSync(this.#settings.path)) return { text: '', entries: [], document: {}, hasMiddleware: false };
    const text = readFileSync(this.#settings.path, 'utf8');
    const parsed: unknown = yaml().parse(text);
    if (parsed !== null && parsed !== undefined && (typeof parsed !== 'object' || Array.isArray(parsed))) {
      throw new Error('the file is not a YAML mapping; fix or remove it');
    }
    const document = (parsed ?? {}) as Record<string, unknown>;
    const config = pluginConfig(document, this.#settings);
    const list = config?.ipDenyList;
    const entries = Array.isArray(list) ? list.map(String) : [];
    return { text, entries, document, hasMiddleware: Array.isArray(list) };
  }

  #render(entries: string[], document: Record<string, unknown>): string {
    const next = structuredClone(document);
    const http = ensure(next, 'http');
    const middlewares = ensure(http, 'middlewares');
    const middleware = ensure(middlewares, this.#settings.middleware_name);
    const plugin = ensure(middleware, 'plugin');
    const config = ensure(plugin, this.#settings.plugin_name);
    config.ipDenyList = [...new Set(entries)];
    return `# Traefik dynamic configuration maintained by devops-agent (file provider).\n# Reference the middleware as ${this.#settings.middleware_name}@file. Entries added by hand are kept.\n${yaml().stringify(next)}`;
  }
}

function pluginConfig(
  document: Record<string, unknown>,
  settings: TraefikFileBlockerSettings,
): Record<string, unknown> | undefined {
  const path = ['http', 'middlewares', settings.middleware_name, 'plugin', settings.plugin_name];
  let node: unknown = document;
  for (const key of path) node = node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
  return node && typeof node === 'object' ? (node as Record<string, unknown>) : undefined;
}

function ensure(parent: Record<string, unknown>, key: string): Record<string, unknown> {
  const existing = parent[key];
  if (existing && typeof existing === 'object' && !Array.isArray(existing)) return existing as Record<string, unknown>;
  const created: Record<string, unknown> = {};
  parent[key] = created;
  return created;
}

function canonical(target: string): string {
  const cidr = parseCidr(target);
  if (!cidr) throw new Error(`not an IP or CIDR: ${JSON.stringify(target)}`);
  return formatCidr(cidr);
}

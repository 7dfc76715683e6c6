import { climbsAboveRoot } from '../../core/normalize-path.ts';
import { knownApplicationOf, PathPatternList } from './sensitive-path-rules.ts';

export interface SiteProfileSettings {
  /** Distinct clients served 2xx/3xx on one host's path that make it public content. */
  public_min_clients: number;
  /** Distinct paths answered 2xx with one response size that make that size the host's fallback (SPA index). */
  fallback_min_paths: number;
  /** A 2xx this small or smaller carries no content worth calling a leak. */
  leak_min_bytes: number;
  /** Seconds of a host's traffic the profile observes before a 2xx on a rare path counts as a leak. */
  warmup: number;
  max_hosts: number;
  max_paths_per_host: number;
}

/** What the profile knows about one path of one host. */
export interface SitePath {
  host: string;
  path: string;
  /** Distinct clients served 2xx/3xx (counting stops at `public_min_clients`: then it is public for good). */
  clients: number;
  okRequests: number;
  firstSeen: number;
  lastSeen: number;
  public: boolean;
}

interface PathEntry extends SitePath {
  members: Set<string> | undefined;
  dirty: boolean;
}

interface HostEntry {
  firstSeen: number;
  paths: Map<string, PathEntry>;
  /** Response size -> distinct sensitive paths answered 2xx with it (capped at fallback_min_paths). */
  sizes: Map<number, Set<string>>;
  fallbackSizes: Set<number>;
  /** Echo base key (`echoKey`) -> sensitive path -> the request's length that put it there (oldest key first out). */
  echoes: Map<string, Map<string, number>>;
  echoFallbacks: Map<string, EchoFallback>;
}

/**
 * A fallback page that prints the request (a `whoami` echo, a soft 404 saying "/.env was not found"): its size is a
 * base plus the request's length, `repeats` times (title and body), so no one size repeats. Sizes whose base
 * (`bytes - repeats * length`) falls in [low, low + ECHO_WIDTH) are that page.
 */
export interface EchoFallback {
  repeats: number;
  low: number;
}

/** Width of an echo base's bucket. Two grids offset by half of it, so bases up to 3 bytes apart share one of them. */
export const ECHO_WIDTH = 8;
const ECHO_GRIDS = [0, ECHO_WIDTH / 2];
const ECHO_REPEATS = [1, 2];

/** Why a sensitive-looking path does not count, in words an operator can check ("served 2xx to 5,812 clients"). */
export type PathFact =
  | { kind: 'public_config'; detail: string }
  | { kind: 'public_learned'; detail: string }
  | { kind: 'always_sensitive'; detail: string };

const NO_HOST = '*';
/** Bounds of the page-asset loads (notePageAssetLoad): path and size pairs tracked, clients counted per pair. */
const PAGE_ASSET_PATHS = 1000;
const PAGE_ASSET_LOADERS = 10;

/**
 * The paths each site (RequestHost) answers 2xx/3xx to many distinct clients: public content whatever its name
 * (`/config.js`, `/env.js` of a single-page app), so neither a sensitive hit nor an exposure. Only sensitive-looking
 * paths are profiled (the only ones whose verdict it can change), and the profile is bounded: `max_hosts` hosts and
 * `max_paths_per_host` paths each, least recently seen non-public paths evicted first. It also learns each host's
 * fallback size: one response size answered 2xx for several different sensitive paths is the index page a SPA serves
 * for every unknown path, not content; and its echo fallbacks (EchoFallback), the same for a page that prints the path.
 */
/** The last host name hostOf() normalised, and its answer. */
const lastHost = { logged: '', name: NO_HOST };

export class SiteProfile {
  readonly settings: SiteProfileSettings;
  readonly #hosts = new Map<string, HostEntry>();
  readonly #configured: PathPatternList;
  readonly #alwaysSensitive: PathPatternList;
  /** `host bytes path` -> the clients that probed nothing else and were answered it so (notePageAssetLoad). */
  readonly #pageAssetLoads = new Map<string, Set<string>>();

  constructor(
    settings: SiteProfileSettings,
    publicPaths: readonly string[] = [],
    alwaysSensitive: readonly string[] = [],
  ) {
    this.settings = settings;
    this.#configured = new PathPatternList(publicPaths);
    this.#alwaysSensitive = new PathPatternList(alwaysSensitive);
  }

  static hostOf(host: string | undefined): string {
    if (!host) return NO_HOST;
    if (host === lastHost.logged) return lastHost.name; // most requests name the host the one before did
    const lower = host.toLowerCase();
    const port = lower.lastIndexOf(':');
    const name = port > 0 && !lower.endsWith(']') && lower.indexOf(':') === port ? lower.slice(0, port) : lower;
    lastHost.logged = host;
    lastHost.name = name;
    return name;
  }

  /**
   * Records a 2xx/3xx answer on a sensitive-looking path (other requests teach the profile nothing). `rawLength` and
   * `queryLength`: the request target as the server saw it (LogEvent.rawPath, LogEvent.queryLength), for echo pages.
   */
  observe(
    hostName: string | undefined,
    path: string,
    clientKey: string,
    status: number,
    time: number,
    bytes?: number,
    rawLength?: number,
    queryLength?: number,
  ) {
    if (status < 200 || status >= 400) return;
    const host = this.#host(SiteProfile.hostOf(hostName), time);
    const entry = this.#path(host, SiteProfile.hostOf(hostName), path, time);
    entry.okRequests++;
    entry.lastSeen = Math.max(entry.lastSeen, time);
    entry.dirty = true;
    if (!entry.public && entry.members && !entry.members.has(clientKey)) {
      entry.members.add(clientKey);
      entry.clients = entry.members.size;
      if (entry.clients >= this.settings.public_min_clients) {
        entry.public = true;
        entry.members = undefined; // public for good: the client set is no longer needed
      }
    }
    if (status < 300 && status !== 204 && bytes !== undefined)
      this.#learnAnswer(host, path, bytes, rawLength, queryLength);
  }

  /** Facts the Elasticsearch path computed with aggregations: the same counting, in bulk. */
  observeAggregate(hostName: string | undefined, path: string, clients: readonly string[] | number, time: number) {
    const host = SiteProfile.hostOf(hostName);
    const entry = this.#path(this.#host(host, time), host, path, time);
    entry.dirty = true;
    entry.lastSeen = Math.max(entry.lastSeen, time);
    if (entry.public) return;
    if (typeof clients === 'number') {
      if (clients >= this.settings.public_min_clients) this.#makePublic(entry, clients);
      return;
    }
    for (const client of clients) entry.members?.add(client);
    entry.clients = entry.members?.size ?? entry.clients;
    if (entry.clients >= this.settings.public_min_clients) this.#makePublic(entry, entry.clients);
  }

  /** Sizes the Elasticsearch path saw answered 2xx for one sensitive path of a host. */
  observeSize(
    hostName: string | undefined,
    path: string,
    bytes: number,
    time: number,
    rawLength?: number,
    queryLength?: number,
  ): void {
    this.#learnAnswer(this.#host(SiteProfile.hostOf(hostName), time), path, bytes, rawLength, queryLength);
  }

  /** The fact that makes this path not count as sensitive on this host, if any. */
  publicFact(hostName: string | undefined, path: string): PathFact | undefined {
    const host = SiteProfile.hostOf(hostName);
    // A traversal is a crafted request, never content: a fallback page answering it to many clients changes nothing.
    if (climbsAboveRoot(path) || this.#alwaysSensitive.matches(host, path)) return undefined;
    if (this.#configured.matches(host, path))
      return { kind: 'public_config', detail: `${labelOf(host, path)} is in detection.public_paths` };
    const application = knownApplicationOf(path);
    if (application) return { kind: 'public_config', detail: `${labelOf(host, path)} is ${application}` };
    const entry = this.#hosts.get(host)?.paths.get(path);
    if (entry?.public) {
      return {
        kind: 'public_learned',
        detail: `public path ${labelOf(host, path)}: served 2xx/3xx to ${entry.clients.toLocaleString('en')}${entry.clients >= this.settings.public_min_clients ? '+' : ''} clients`,
      };
    }
    return undefined;
  }

  /**
   * Records that a page's runtime configuration (exposure-judge.ts isRuntimeConfig: an SPA's `/config.json`,
   * `/env.js`) was answered 2xx with `bytes` to a client that probed nothing else: a browser loading the page.
   * Bounded: PAGE_ASSET_PATHS path and size pairs, each counting up to PAGE_ASSET_LOADERS clients. In memory only (a
   * restart learns it again from the next visitors).
   */
  notePageAssetLoad(hostName: string | undefined, path: string, bytes: number | undefined, clientKey: string): void {
    if (bytes === undefined) return;
    const key = `${SiteProfile.hostOf(hostName)} ${bytes} ${path}`;
    let loaders = this.#pageAssetLoads.get(key);
    if (!loaders) {
      if (this.#pageAssetLoads.size >= PAGE_ASSET_PATHS) return;
      loaders = new Set();
      this.#pageAssetLoads.set(key, loaders);
    }
    if (loaders.size < PAGE_ASSET_LOADERS) loaders.add(clientKey);
  }

  /** How many clients that probed nothing else were answered this path with these very bytes (up to PAGE_ASSET_LOADERS). */
  pageAssetLoaders(hostName: string | undefined, path: string, bytes: number | undefined): number {
    if (bytes === undefined) return 0;
    return this.#pageAssetLoads.get(`${SiteProfile.hostOf(hostName)} ${bytes} ${path}`)?.size ?? 0;
  }

  isPublic(hostName: string | undefined, path: string): boolean {
    return this.publicFact(hostName, path) !== undefined;
  }

  isAlwaysSensitive(hostName: string | undefined, path: string): boolean {
    return this.#alwaysSensitive.matches(SiteProfile.hostOf(hostName), path);
  }

  /** True when `bytes` is the host's fallback answer (the SPA index served for any unknown path). */
  isFallbackSize(hostName: string | undefined, bytes: number | undefined): boolean {
    if (bytes === undefined) return false;
    return this.#hosts.get(SiteProfile.hostOf(hostName))?.fallbackSizes.has(bytes) ?? false;
  }

  /**
   * The host's echo fallback that `bytes` fits for a request of `rawLength` characters (plus `queryLength` of query:
   * a page may print the path alone or the whole target), with the length it fits for.
   */
  echoFallbackOf(
    hostName: string | undefined,
    bytes: number | undefined,
    rawLength: number | undefined,
    queryLength?: number,
  ): (EchoFallback & { length: number }) | undefined {
    if (bytes === undefined || rawLength === undefined) return undefined;
    const fallbacks = this.#hosts.get(SiteProfile.hostOf(hostName))?.echoFallbacks;
    if (!fallbacks || fallbacks.size === 0) return undefined;
    return echoFit(fallbacks, bytes, lengthsOf(rawLength, queryLength));
  }

  /** True once the host has been watched for `warmup` seconds of its own traffic (event time). */
  isWarm(hostName: string | undefined, now: number): boolean {
    const host = this.#hosts.get(SiteProfile.hostOf(hostName));
    return host !== undefined && now - host.firstSeen >= this.settings.warmup * 1000;
  }

  /** Every profiled path, most clients first (for `site paths` and the review page). */
  paths(hostName?: string): SitePath[] {
    const rows: SitePath[] = [];
    for (const [name, host] of this.#hosts) {
      if (hostName && name !== SiteProfile.hostOf(hostName)) continue;
      for (const entry of host.paths.values()) rows.push(publicView(entry));
    }
    return rows.sort((a, b) => b.clients - a.clients || a.host.localeCompare(b.host) || a.path.localeCompare(b.path));
  }

  fallbackSizes(): Array<{ host: string; bytes: number }> {
    return [...this.#hosts].flatMap(([host, entry]) => [...entry.fallbackSizes].map((bytes) => ({ host, bytes })));
  }

  echoFallbacks(): Array<{ host: string } & EchoFallback> {
    return [...this.#hosts].flatMap(([host, entry]) =>
      [...entry.echoFallbacks.values()].map((echo) => ({ host, ...echo })),
    );
  }

  /** Entries changed since the last call, with their client sets (for persistence). */
  takeDirty(): Array<SitePath & { members: string[] }> {
    const rows: Array<SitePath & { members: string[] }> = [];
    for (const host of this.#hosts.values()) {
      for (const entry of host.paths.values()) {
        if (!entry.dirty) continue;
        entry.dirty = false;
        rows.push({ ...publicView(entry), members: [...(entry.members ?? [])] });
      }
    }
    return rows;
  }

  /** Restores a persisted entry (after a restart the profile continues instead of learning again). */
  restore(row: SitePath & { members: string[] }): void {
    const host = this.#host(row.host, row.firstSeen);
    host.firstSeen = Math.min(host.firstSeen, row.firstSeen);
    const entry = this.#path(host, row.host, row.path, row.firstSeen);
    Object.assign(entry, { ...row, members: row.public ? undefined : new Set(row.members), dirty: false });
  }

  restoreFallbackSize(hostName: string, bytes: number): void {
    this.#host(hostName, Date.now()).fallbackSizes.add(bytes);
  }

  restoreEchoFallback(hostName: string, repeats: number, low: number): void {
    this.#host(hostName, Date.now()).echoFallbacks.set(echoKey(repeats, low), { repeats, low });
  }

  #makePublic(entry: PathEntry, clients: number): void {
    entry.public = true;
    entry.clients = Math.max(entry.clients, clients);
    entry.members = undefined;
  }

  /** A 2xx answer with content: its size, and (when the request's length is known) the echo bases it could have. */
  #learnAnswer(host: HostEntry, path: string, bytes: number, rawLength?: number, queryLength?: number): void {
    this.#learnSize(host, path, bytes);
    if (rawLength !== undefined) this.#learnEcho(host, path, bytes, rawLength, queryLength);
  }

  #learnSize(host: HostEntry, path: string, bytes: number): void {
    if (host.fallbackSizes.has(bytes)) return;
    let paths = host.sizes.get(bytes);
    if (!paths) {
      if (host.sizes.size >= this.settings.max_paths_per_host) return;
      paths = new Set();
      host.sizes.set(bytes, paths);
    }
    paths.add(path);
    if (paths.size >= this.settings.fallback_min_paths) {
      host.fallbackSizes.add(bytes);
      host.sizes.delete(bytes);
    }
  }

  /**
   * Files the answer under each base it could have (the path printed once or twice, the path alone or with its query,
   * on both grids). `fallback_min_paths` distinct paths under one base, of lengths at least ECHO_WIDTH apart, make it
   * the host's echo fallback: a page of one size on paths of close lengths (`/.env`, `/.env1`, `/.git/c`) also shares
   * a base, and lengths that far apart are what tell a page that grows with the path from one that does not.
   */
  #learnEcho(host: HostEntry, path: string, bytes: number, rawLength: number, queryLength: number | undefined): void {
    const lengths = lengthsOf(rawLength, queryLength);
    // An answer the host's echo page explains teaches nothing more: its other readings (printed twice, the path
    // without its query) would line up with its fellows' by chance and make a second, wrong echo fallback.
    if (host.echoFallbacks.size > 0 && echoFit(host.echoFallbacks, bytes, lengths)) return;
    for (const length of lengths) {
      for (const repeats of ECHO_REPEATS) {
        const base = bytes - repeats * length;
        if (base < 0) continue;
        for (const grid of ECHO_GRIDS) {
          const low = Math.floor((base - grid) / ECHO_WIDTH) * ECHO_WIDTH + grid;
          const key = echoKey(repeats, low);
          if (host.echoFallbacks.has(key)) continue;
          let paths = host.echoes.get(key);
          if (!paths) {
            if (host.echoes.size >= this.settings.max_paths_per_host * 4) {
              const oldest = host.echoes.keys().next().value;
              if (oldest !== undefined) host.echoes.delete(oldest);
            }
            paths = new Map();
            host.echoes.set(key, paths);
          }
          if (paths.has(path)) continue;
          paths.set(path, length);
          if (paths.size < this.settings.fallback_min_paths) continue;
          let shortest = Number.POSITIVE_INFINITY;
          let longest = 0;
          for (const seen of paths.values()) {
            shortest = Math.min(shortest, seen);
            longest = Math.max(longest, seen);
          }
          if (longest - shortest < ECHO_WIDTH) continue;
          host.echoFallbacks.set(key, { repeats, low });
          host.echoes.delete(key);
        }
      }
    }
  }

  #host(name: string, time: number): HostEntry {
    let host = this.#hosts.get(name);
    if (!host) {
      if (this.#hosts.size >= this.settings.max_hosts) {
        const oldest = this.#hosts.keys().next().value;
        if (oldest !== undefined) this.#hosts.delete(oldest);
      }
      host = {
        firstSeen: time,
        paths: new Map(),
        sizes: new Map(),
        fallbackSizes: new Set(),
        echoes: new Map(),
        echoFallbacks: new Map(),
      };
      this.#hosts.set(name, host);
    }
    host.firstSeen = Math.min(host.firstSeen, time);
    return host;
  }

  #path(host: HostEntry, hostName: string, path: string, time: number): PathEntry {
    let entry = host.paths.get(path);
    if (entry) {
      host.paths.delete(path); // re-insert: Map order is the least-recently-seen list
      host.paths.set(path, entry);
      return entry;
    }
    if (host.paths.size >= this.settings.max_paths_per_host) this.#evict(host);
    entry = {
      host: hostName,
      path: path.slice(0, 300),
      clients: 0,
      okRequests: 0,
      firstSeen: time,
      lastSeen: time,
      public: false,
      members: new Set(),
      dirty: true,
    };
    host.paths.set(path, entry);
    return entry;
  }

  /** Drops the least recently seen path that is not public (public paths are what the profile is for). */
  #evict(host: HostEntry): void {
    for (const [path, entry] of host.paths) {
      if (!entry.public) {
        host.paths.delete(path);
        return;
      }
    }
    const oldest = host.paths.keys().next().value;
    if (oldest !== undefined) host.paths.delete(oldest);
  }
}

/** The fallback `bytes` fits for one of `lengths`: the plainer reading first (printed once, the path as given). */
function echoFit(
  fallbacks: ReadonlyMap<string, EchoFallback>,
  bytes: number,
  lengths: readonly number[],
): (EchoFallback & { length: number }) | undefined {
  for (const repeats of ECHO_REPEATS) {
    for (const length of lengths) {
      for (const fallback of fallbacks.values()) {
        if (fallback.repeats !== repeats) continue;
        const base = bytes - repeats * length;
        if (base >= fallback.low && base < fallback.low + ECHO_WIDTH) return { ...fallback, length };
      }
    }
  }
  return undefined;
}

function echoKey(repeats: number, low: number): string {
  return `${repeats}:${low}`;
}

/** The lengths a page may print: the path as sent, and with its query when it had one. */
function lengthsOf(rawLength: number, queryLength: number | undefined): number[] {
  return queryLength ? [rawLength, rawLength + queryLength] : [rawLength];
}

/** A path as an operator reads it: with its host, unless it has none (built only for an answer). */
function labelOf(host: string, path: string): string {
  return host === NO_HOST ? path : `${host}${path}`;
}

function publicView(entry: PathEntry): SitePath {
  const { host, path, clients, okRequests, firstSeen, lastSeen } = entry;
  return { host, path, clients, okRequests, firstSeen, lastSeen, public: entry.public };
}

import type { ClientAddressFields } from '../traefik-log/client-ip.ts';
import type { FieldProfile } from './field-profile.ts';
import type { SearchBackend, SearchBody } from './search-backend.ts';

/**
 * Which documents belong to one client: every document of a peer that is not a trusted proxy, or, behind a trusted
 * proxy, the documents of that peer carrying one forwarded value (`null`: none).
 */
export interface ClientSelector {
  peer: string;
  forwarded?: string | null;
}

/** `1.2.3.4:5678` -> `1.2.3.4`, `[2001:db8::1]:443` -> `2001:db8::1`: the same reading as the file path, in Painless. */
const PEER_HOST = `
  if (doc[params.field].size() == 0) { return null; }
  String a = doc[params.field].value;
  if (a.startsWith('[')) { int e = a.indexOf(']'); return e > 0 ? a.substring(1, e) : a; }
  int c = a.indexOf(':');
  return (c > 0 && a.indexOf(':', c + 1) < 0) ? a.substring(0, c) : a;`;

/**
 * The client of a request is decided the way the file path decides it (`ClientIpResolver`): the TCP peer, and the
 * forwarded value only when the peer is a trusted proxy. Elasticsearch groups by the peer (Traefik's `ClientAddr`
 * with its port cut off by a script source; the Elastic Agent integration's `source.address` likewise; Filebeat's
 * `source.ip`) and, only when trusted proxies are configured, by the forwarded field too (Traefik's `ClientHost`,
 * which holds a client's own X-Forwarded-For; ECS `network.forwarded_ip`, or the integration 2.0's `source.ip`,
 * which is ClientHost); the resolver then reads each bucket. Without a peer field (Traefik JSON lacking
 * ClientAddr) ClientHost is read as the file path reads CLF.
 */
export class ClientAddressing {
  readonly peerField: string;
  readonly forwardedField: string | undefined;
  /** The peer field holds `host:port` (Traefik's ClientAddr): grouped through a script, filtered by prefix. */
  readonly peerHasPort: boolean;
  /**
   * The cluster runs Painless: the port is cut off server-side. Without it (minimal distributions) buckets are per
   * `host:port` and the resolver cuts the port: the same clients, more buckets.
   */
  readonly peerScript: boolean;
  /**
   * Some peer values are a bare host (ECS `source.address` of a CLF line, in the same data stream as JSON lines'
   * `host:port`): filters match the host exactly too, and the field cannot be sliced in ranges (a host's documents
   * would sort in two places: `1.2.3.4` and `1.2.3.4:80`, `::1` and `[::1]:80`).
   */
  readonly peerMayLackPort: boolean;
  readonly #traefik: boolean;
  /** The forwarded field holds Traefik's ClientHost (the peer's host, or a raw X-Forwarded-For), not a bare list. */
  readonly #forwardedIsClientHost: boolean;

  constructor(profile: FieldProfile, options: AddressingOptions = {}) {
    const { fields } = profile;
    const trustedProxies = options.trustedProxies ?? false;
    this.peerScript = options.peerScript ?? true;
    this.#traefik = profile.name === 'traefik-json';
    this.peerMayLackPort = false;
    this.#forwardedIsClientHost = false;
    if (this.#traefik && fields.peer) {
      this.peerField = fields.peer;
      this.peerHasPort = true;
      this.forwardedField = trustedProxies ? fields.client_ip : undefined;
      this.#forwardedIsClientHost = true;
    } else if (fields.peer && !(profile.types.peer ?? '').split('/').includes('ip')) {
      // (An `ip` mapping holds no port and takes no prefix query: then it is read like source.ip below.)
      this.peerField = fields.peer;
      this.peerHasPort = true;
      this.peerMayLackPort = true;
      this.forwardedField = trustedProxies ? fields.forwarded : undefined;
      // Integration 2.0 leaves ClientHost in source.ip: the same as the peer's host unless a header was forwarded.
      this.#forwardedIsClientHost = fields.forwarded !== undefined && fields.forwarded === fields.client_ip;
    } else {
      this.peerField = fields.client_ip;
      this.peerHasPort = false;
      const forwarded = fields.forwarded === fields.client_ip ? undefined : fields.forwarded;
      this.forwardedField = trustedProxies && !this.#traefik ? forwarded : undefined;
    }
  }

  /** Composite sources: `client` (the peer) and, behind trusted proxies, `forwarded`. */
  sources(): SearchBody[] {
    const client =
      this.peerHasPort && this.peerScript
        ? { terms: { script: { source: PEER_HOST, lang: 'painless', params: { field: this.peerField } } } }
        : { terms: { field: this.peerField } };
    const sources: SearchBody[] = [{ client }];
    if (this.forwardedField)
      sources.push({ forwarded: { terms: { field: this.forwardedField, missing_bucket: true } } });
    return sources;
  }

  /**
   * What a path's distinct clients are counted by (served to many: public content, for good): the peer's host, as
   * the composite groups it, never a field a client writes. Two cases keep the client field (ClientHost, source.ip:
   * the peer's host unless a client sent X-Forwarded-For): behind trusted proxies, where the peer is the proxy, and
   * a `host:port` peer without Painless, whose every connection would count as one more client.
   */
  distinctClients(clientField: string): SearchBody {
    if (this.forwardedField === undefined && this.peerHasPort && this.peerScript)
      return { script: { source: PEER_HOST, lang: 'painless', params: { field: this.peerField } } };
    return { field: this.forwardedField === undefined && !this.peerHasPort ? this.peerField : clientField };
  }

  /** What a bucket key says about the request, in the resolver's terms. */
  addressOf(key: SearchBody): ClientAddressFields {
    const client = key.client == null ? undefined : String(key.client);
    const forwarded = key.forwarded == null ? undefined : String(key.forwarded);
    if (this.peerHasPort && this.#forwardedIsClientHost) return { clientAddr: client, clientHost: forwarded };
    if (this.peerHasPort) return { clientAddr: client, forwardedFor: forwarded };
    if (this.#traefik) return { clientHost: client };
    return { clientAddr: client, forwardedFor: forwarded };
  }

  /**
   * The selectors in groups whose filters stay under `maxClauses` (OpenSearch refuses a query of more than 1,024,
   * `indices.query.bool.max_clause_count`): one IPv6 /64 client can bring hundreds of addresses, so a chunk of
   * clients is not a bound. Each selector is in one group, one host with all its ports (they share one clause).
   */
  groups(selectors: readonly ClientSelector[], maxClauses = MAX_FILTER_CLAUSES): ClientSelector[][] {
    const groups: ClientSelector[][] = [];
    let group: ClientSelector[] = [];
    // A peer that may lack its port is also matched exactly: one `terms` of the whole peers per group, and one more
    // clause beside the prefix of each peer narrowed by a forwarded value.
    const shared = this.peerMayLackPort ? 1 : 0;
    let clauses = shared;
    for (const selector of this.#unique(selectors)) {
      const cost = selector.forwarded === undefined ? 1 : 2 + shared;
      if (group.length > 0 && clauses + cost > maxClauses) {
        groups.push(group);
        group = [];
        clauses = shared;
      }
      group.push(selector);
      clauses += cost;
    }
    if (group.length > 0) groups.push(group);
    return groups;
  }

  /** The host a peer value or bucket key names (the port cut off a `host:port` peer): what the filter selects by. */
  hostOf(peer: string): string {
    return this.peerHasPort ? withoutPort(peer) : peer;
  }

  /** The text every `host:port` value of a peer's host starts with (Traefik writes `[v6]:port`). */
  rawPrefix(peer: string): string {
    const host = withoutPort(peer);
    return host.includes(':') ? `[${host}]:` : `${host}:`;
  }

  /** The documents of the given clients, at most one clause per selector (see `groups`). */
  filter(selectors: readonly ClientSelector[]): SearchBody {
    const all = this.#unique(selectors);
    const whole = all.filter((selector) => selector.forwarded === undefined).map((selector) => selector.peer);
    const should: SearchBody[] = [];
    if (whole.length > 0) should.push(this.#peers(whole));
    for (const selector of all) {
      if (selector.forwarded === undefined || !this.forwardedField) continue;
      const forwarded =
        selector.forwarded === null
          ? { bool: { must_not: { exists: { field: this.forwardedField } } } }
          : { term: { [this.forwardedField]: selector.forwarded } };
      should.push({ bool: { filter: [this.#peers([selector.peer]), forwarded] } });
    }
    return { bool: { should, minimum_should_match: 1 } };
  }

  /** `host:port` keys (no Painless) name the same host many times: one selector per host (and forwarded value). */
  #unique(selectors: readonly ClientSelector[]): ClientSelector[] {
    const unique = new Map<string, ClientSelector>();
    for (const selector of selectors) {
      const peer = this.peerHasPort ? withoutPort(selector.peer) : selector.peer;
      const narrowed = selector.forwarded !== undefined && this.forwardedField !== undefined;
      unique.set(JSON.stringify([peer, narrowed ? selector.forwarded : undefined]), {
        peer,
        ...(narrowed ? { forwarded: selector.forwarded } : {}),
      });
    }
    return [...unique.values()];
  }

  #peers(peers: string[]): SearchBody {
    if (!this.peerHasPort) return { terms: { [this.peerField]: peers } };
    const field = this.peerField;
    const prefixes: SearchBody[] = peers.map((peer) => ({ prefix: { [field]: this.rawPrefix(peer) } }));
    if (this.peerMayLackPort) prefixes.push({ terms: { [field]: peers.map(withoutPort) } });
    return prefixes.length === 1 ? prefixes[0] : { bool: { should: prefixes, minimum_should_match: 1 } };
  }
}

/**
 * Client clauses per follow-up query: a chunk of 1,000 clients in one query, under OpenSearch's 1,024 with room for
 * the query's other clauses (time, paths). At 900, every chunk took two user-agent queries: a million-client window
 * spent 215 s in 2,000 of them.
 */
const MAX_FILTER_CLAUSES = 1000;

export interface AddressingOptions {
  /** `trusted_proxies` is set: group by the forwarded field too. */
  trustedProxies?: boolean;
  /** The cluster runs Painless scripts (see `peerScriptWorks`). */
  peerScript?: boolean;
}

function withoutPort(address: string): string {
  if (address.startsWith('[')) {
    const end = address.indexOf(']');
    return end > 0 ? address.slice(1, end) : address;
  }
  const colon = address.indexOf(':');
  return colon > 0 && address.indexOf(':', colon + 1) < 0 ? address.slice(0, colon) : address;
}

/**
 * Whether the cluster runs the Painless source that cuts the port off `ClientAddr` (minimal distributions ship without
 * the lang-painless module and answer `script_lang not supported`). One size-0 request at connect.
 */
export async function peerScriptWorks(backend: SearchBackend, index: string, profile: FieldProfile): Promise<boolean> {
  const addressing = new ClientAddressing(profile);
  if (!addressing.peerHasPort) return true;
  try {
    await backend.search(index, {
      size: 0,
      aggs: { probe: { composite: { size: 1, sources: addressing.sources() } } },
    });
    return true;
  } catch (error) {
    const cause = (error as { cause?: { meta?: { body?: unknown } } }).cause;
    const text = `${(error as Error).message} ${JSON.stringify(cause?.meta?.body ?? '')}`;
    if (/script_lang|painless|compile_error|script_exception/i.test(text)) return false;
    throw error;
  }
}

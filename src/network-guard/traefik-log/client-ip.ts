import { detachedCopy } from '../../core/detached-copy.ts';
import { IpSet, isCanonicalIpv4, normalizeIp } from '../../core/ip-address.ts';
import { RememberedAnswers } from '../../core/remembered-answers.ts';

/** What the access log says about who sent a request. Every value is as logged (ports, brackets, lists). */
export interface ClientAddressFields {
  /** TCP peer `host:port` (Traefik `ClientAddr`). */
  clientAddr?: string;
  /** Traefik `ClientHost`: the peer host, or the raw X-Forwarded-For value when that header was present. */
  clientHost?: string;
  /** The `request_X-Forwarded-For` header, when Traefik keeps headers. */
  forwardedFor?: string;
  /** The `request_X-Real-Ip` header, when Traefik keeps headers. */
  realIp?: string;
}

interface KnownAddress {
  ip: string | undefined;
  trusted: boolean;
}

const KNOWN_ADDRESSES = 8192;

/** `1.2.3.4:5678` -> `1.2.3.4`, `[2001:db8::1]:443` -> `2001:db8::1`; anything else unchanged (cheap, for caching). */
function withoutPort(address: string): string {
  if (address.charCodeAt(0) === 91 /* [ */) {
    const end = address.indexOf(']');
    return end > 0 ? address.slice(1, end) : address;
  }
  const colon = address.indexOf(':');
  return colon > 0 && address.indexOf(':', colon + 1) < 0 ? address.slice(0, colon) : address;
}

export type ClientIpResolution =
  | { ok: true; clientIp: string; peerIp?: string }
  /** No address that is both valid and not a trusted proxy: the request cannot be attributed to anyone. */
  | { ok: false; peerIp?: string };

/**
 * Resolves the real client of a request without ever believing a header an untrusted peer could have forged.
 * X-Forwarded-For is read right to left (the right end is appended by the proxies nearest to us); the walk skips
 * trusted proxies and stops at the first address that is not one. A trusted proxy is never returned as the client.
 */
export class ClientIpResolver {
  readonly #trusted: IpSet;
  readonly #hasTrusted: boolean;
  /** Addresses repeat from line to line: remember their canonical form and whether they are trusted (bounded). */
  readonly #known = new RememberedAnswers<KnownAddress>(KNOWN_ADDRESSES);

  constructor(trustedProxies: Iterable<string> | IpSet = []) {
    this.#trusted = trustedProxies instanceof IpSet ? trustedProxies : new IpSet(trustedProxies);
    this.#hasTrusted = this.#trusted.entries.length > 0;
  }

  get trustedProxies(): readonly string[] {
    return this.#trusted.entries;
  }

  /**
   * Whether the forwarding headers matter for this request (the peer is a trusted proxy, or only a ClientHost list is
   * known), so a parser can skip reading them for the vast majority of lines.
   */
  needsForwardingHeaders(clientAddr: string | undefined, clientHost: string | undefined): boolean {
    if (!this.#hasTrusted) return false;
    if (clientAddr) {
      const peer = this.#lookup(withoutPort(clientAddr));
      if (peer.ip !== undefined) return peer.trusted;
    }
    if (clientHost === undefined) return false;
    return clientHost.includes(',') || this.#lookup(clientHost).trusted;
  }

  resolve(fields: ClientAddressFields): ClientIpResolution {
    const fromAddr = fields.clientAddr ? this.#lookup(withoutPort(fields.clientAddr)).ip : undefined;
    const hostIsList = fields.clientHost?.includes(',') === true;
    // CLF (or JSON without ClientAddr) only has ClientHost: it stands for the peer. A list there can only be a raw
    // X-Forwarded-For, whose right end is the hop nearest to us.
    let peerIp = fromAddr;
    let forwardedFor = fields.forwardedFor;
    if (peerIp === undefined && fields.clientHost !== undefined) {
      if (hostIsList) return this.#walk(fields.clientHost, undefined);
      peerIp = this.#lookup(fields.clientHost).ip;
    }
    if (peerIp === undefined) return { ok: false };
    if (!this.#hasTrusted || !this.#lookup(peerIp).trusted) return { ok: true, clientIp: peerIp, peerIp };
    // The peer is a trusted proxy: its forwarding headers are believed.
    if (forwardedFor === undefined && fields.clientHost !== undefined && fromAddr !== undefined) {
      const host = this.#lookup(fields.clientHost).ip;
      // Traefik replaces ClientHost with the raw X-Forwarded-For when the header is present.
      if (hostIsList || host !== peerIp) forwardedFor = fields.clientHost;
    }
    if (forwardedFor !== undefined && forwardedFor.trim() !== '') return this.#walk(forwardedFor, peerIp);
    if (fields.realIp !== undefined) {
      const real = this.#lookup(fields.realIp);
      if (real.ip !== undefined && !real.trusted) return { ok: true, clientIp: real.ip, peerIp };
    }
    return { ok: false, peerIp };
  }

  #lookup(text: string): KnownAddress {
    // Without trusted proxies a canonical IPv4 address needs no cache: checking it costs less than a cache entry,
    // and a flood of new addresses would only churn the cache.
    if (!this.#hasTrusted && isCanonicalIpv4(text)) return { ip: detachedCopy(text), trusted: false };
    return this.#known.answer(text, this.#judge);
  }

  readonly #judge = (text: string): KnownAddress => {
    const ip = normalizeIp(text);
    return { ip, trusted: ip !== undefined && this.#hasTrusted && this.#trusted.has(ip) };
  };

  #walk(list: string, peerIp: string | undefined): ClientIpResolution {
    const hops = list.split(',');
    for (let index = hops.length - 1; index >= 0; index--) {
      const hop = this.#lookup(hops[index].trim());
      // A garbage entry ends the chain: nothing to its left can be trusted. The last valid hop was a trusted proxy
      // (or there was none), so nobody can be named.
      if (hop.ip === undefined) return { ok: false, peerIp };
      if (hop.trusted) continue;
      return { ok: true, clientIp: hop.ip, peerIp };
    }
    return { ok: false, peerIp };
  }
}

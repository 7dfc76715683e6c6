import { IpSet, normalizeIp } from '../../core/ip-address.ts';

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

  constructor(trustedProxies: Iterable<string> | IpSet = []) {
    this.#trusted = trustedProxies instanceof IpSet ? trustedProxies : new IpSet(trustedProxies);
    this.#hasTrusted = this.#trusted.entries.length > 0;
  }

  get trustedProxies(): readonly string[] {
    return this.#trusted.entries;
  }

  resolve(fields: ClientAddressFields): ClientIpResolution {
    const fromAddr = fields.clientAddr ? normalizeIp(fields.clientAddr) : undefined;
    const hostIsList = fields.clientHost?.includes(',') === true;
    // CLF (or JSON without ClientAddr) only has ClientHost: it stands for the peer. A list there can only be a raw
    // X-Forwarded-For, whose right end is the hop nearest to us.
    let peerIp = fromAddr;
    let forwardedFor = fields.forwardedFor;
    if (peerIp === undefined && fields.clientHost !== undefined) {
      if (hostIsList) return this.#walk(fields.clientHost, undefined);
      peerIp = normalizeIp(fields.clientHost);
    }
    if (peerIp === undefined) return { ok: false };
    if (!this.#hasTrusted || !this.#trusted.has(peerIp)) return { ok: true, clientIp: peerIp, peerIp };
    // The peer is a trusted proxy: its forwarding headers are believed.
    if (forwardedFor === undefined && fields.clientHost !== undefined && fromAddr !== undefined) {
      const host = normalizeIp(fields.clientHost);
      // Traefik replaces ClientHost with the raw X-Forwarded-For when the header is present.
      if (hostIsList || host !== peerIp) forwardedFor = fields.clientHost;
    }
    if (forwardedFor !== undefined && forwardedFor.trim() !== '') return this.#walk(forwardedFor, peerIp);
    if (fields.realIp !== undefined) {
      const real = normalizeIp(fields.realIp);
      if (real !== undefined && !this.#trusted.has(real)) return { ok: true, clientIp: real, peerIp };
    }
    return { ok: false, peerIp };
  }

  #walk(list: string, peerIp: string | undefined): ClientIpResolution {
    const hops = list.split(',');
    for (let index = hops.length - 1; index >= 0; index--) {
      const hop = normalizeIp(hops[index]);
      // A garbage entry ends the chain: nothing to its left can be trusted. The last valid hop was a trusted proxy
      // (or there was none), so nobody can be named.
      if (hop === undefined) return { ok: false, peerIp };
      if (this.#hasTrusted && this.#trusted.has(hop)) continue;
      return { ok: true, clientIp: hop, peerIp };
    }
    return { ok: false, peerIp };
  }
}

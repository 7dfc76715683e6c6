import { Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import { cidrBounds, normalizeIp } from '../../core/ip-address.ts';
import { crawlerByName } from './crawler-claims.ts';

export interface CrawlerVerifierSettings {
  /** `host` or `host:port`; empty: the system's resolvers. */
  dns_server: string;
  /** Seconds per DNS query. */
  timeout: number;
  /** Seconds a result is reused. */
  cache_ttl: number;
}

export type CrawlerCheck =
  | { status: 'verified'; crawler: string; name: string; detail: string }
  | { status: 'spoofed'; crawler: string; detail: string }
  | { status: 'unanswered'; crawler: string; detail: string };

const MAX_CACHE = 10000;
const UNANSWERED_TTL_MS = 60_000;
const NOT_FOUND = new Set(['ENOTFOUND', 'ENODATA', 'ENONAME', 'NXDOMAIN']);

/**
 * Forward-confirmed reverse DNS, the verification the search engines document: the PTR name of the address must end
 * with one of the vendor's domains, and that name must resolve back to the same address. A name that does not exist
 * or does not match is a spoofer; a resolver that does not answer (timeout, SERVFAIL, refused) is `unanswered`, which
 * sends the incident to a human, never to a block. Results are cached (bounded, `cache_ttl`).
 */
export class CrawlerVerifier {
  readonly #resolver: Resolver;
  readonly #ttlMs: number;
  readonly #cache = new Map<string, { check: CrawlerCheck; until: number }>();

  constructor(settings: CrawlerVerifierSettings) {
    this.#resolver = new Resolver({ timeout: Math.max(1, Math.round(settings.timeout * 1000)), tries: 1 });
    if (settings.dns_server) this.#resolver.setServers([settings.dns_server]);
    this.#ttlMs = settings.cache_ttl * 1000;
  }

  async verify(address: string, crawlerName: string): Promise<CrawlerCheck> {
    const key = `${crawlerName}|${address}`;
    const cached = this.#cache.get(key);
    if (cached && cached.until > Date.now()) return cached.check;
    const check = await this.#check(address, crawlerName);
    // An unanswered check is remembered only briefly: asked again soon, but a silent resolver does not stall every
    // batch that updates the same incident.
    const ttl = check.status === 'unanswered' ? Math.min(this.#ttlMs, UNANSWERED_TTL_MS) : this.#ttlMs;
    if (this.#cache.size >= MAX_CACHE) this.#cache.delete(this.#cache.keys().next().value!);
    this.#cache.set(key, { check, until: Date.now() + ttl });
    return check;
  }

  async #check(address: string, crawlerName: string): Promise<CrawlerCheck> {
    const crawler = crawlerByName(crawlerName);
    const ip = normalizeIp(address);
    if (!crawler)
      return { status: 'unanswered', crawler: crawlerName, detail: `no verification known for ${crawlerName}` };
    if (!ip)
      return {
        status: 'unanswered',
        crawler: crawlerName,
        detail: `${address} is a network, not one address to verify`,
      };
    let names: string[];
    try {
      // resolvePtr, not reverse(): reverse() reports a timeout as ENOTFOUND, which would call a silent resolver a spoofer.
      names = await this.#resolver.resolvePtr(reverseName(ip));
    } catch (error) {
      return this.#failure(error, crawlerName, `reverse lookup of ${ip}`);
    }
    const matching = names
      .map((name) => name.toLowerCase().replace(/\.$/, ''))
      .filter((name) => crawler.domains.some((domain) => name.endsWith(domain)));
    if (matching.length === 0) {
      const seen = names.length > 0 ? names.slice(0, 3).join(', ') : 'no PTR name';
      return {
        status: 'spoofed',
        crawler: crawlerName,
        detail: `claims to be ${crawlerName} but ${ip} reverse-resolves to ${seen}, not ${crawler.domains.join(' / ')} (spoofer)`,
      };
    }
    for (const name of matching) {
      let forward: string[];
      try {
        forward = isIP(ip) === 6 ? await this.#resolver.resolve6(name) : await this.#resolver.resolve4(name);
      } catch (error) {
        const failure = this.#failure(error, crawlerName, `forward lookup of ${name}`);
        if (failure.status === 'unanswered') return failure;
        continue;
      }
      if (forward.some((value) => normalizeIp(value) === ip)) {
        return {
          status: 'verified',
          crawler: crawlerName,
          name,
          detail: `verified ${crawlerName}: ${ip} -> ${name} -> ${ip} (forward-confirmed reverse DNS)`,
        };
      }
    }
    return {
      status: 'spoofed',
      crawler: crawlerName,
      detail: `claims to be ${crawlerName}: ${ip} -> ${matching[0]}, which does not resolve back to ${ip} (spoofer)`,
    };
  }

  #failure(error: unknown, crawler: string, what: string): CrawlerCheck {
    const code = (error as { code?: string }).code ?? 'error';
    if (NOT_FOUND.has(code)) {
      return {
        status: 'spoofed',
        crawler,
        detail: `claims to be ${crawler} but ${what} found nothing (${code}): spoofer`,
      };
    }
    return { status: 'unanswered', crawler, detail: `${what} got no answer (${code}): sent to review` };
  }
}

/** The in-addr.arpa / ip6.arpa name of an address (RFC 1035 section 3.5, RFC 3596 section 2.5). */
export function reverseName(ip: string): string {
  if (isIP(ip) === 4) return `${ip.split('.').reverse().join('.')}.in-addr.arpa`;
  const [full] = cidrBounds({ address: ip, prefix: 128, family: 'ipv6' });
  const hex = expandIpv6(full);
  return `${[...hex].reverse().join('.')}.ip6.arpa`;
}

function expandIpv6(ip: string): string {
  const [head, tail = ''] = ip.includes('::') ? ip.split('::') : [ip, ''];
  const headParts = head ? head.split(':') : [];
  const tailParts = tail ? tail.split(':') : [];
  const missing = 8 - headParts.length - tailParts.length;
  return [...headParts, ...Array(missing).fill('0'), ...tailParts].map((group) => group.padStart(4, '0')).join('');
}

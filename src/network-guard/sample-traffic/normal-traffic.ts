import type { Prng } from '../../core/prng.ts';
import type { GeneratedRequest } from './format-traefik-line.ts';
import {
  ACCEPT_ANY,
  ACCEPT_HTML,
  ACCEPT_JSON,
  ACCEPT_LANGUAGES,
  BROWSER_AGENTS,
  CORPORATE_NAT_IP,
  SITES,
  type Site,
  TRUSTED_PROXIES,
  TYPO_PAGES,
  USER_IPV4_FIRST_OCTETS,
  USER_IPV6_PREFIXES,
} from './traffic-catalog.ts';

interface Session {
  clientIp: string;
  peerIp: string;
  forwardedFor?: string;
  userAgent: string;
  language: string;
  site: Site;
  remaining: number;
  returning: boolean;
  loggedIn: boolean;
  protocol: GeneratedRequest['protocol'];
  pendingAssets: string[];
  page: string;
}

/**
 * Ordinary visitors: browsing sessions that load a page, then its assets, then move on; mostly 200/304, some 404s
 * (favicon, robots.txt, typos, old bookmarks), 401s from the API when logged out or a wrong password. Some arrive
 * directly, some through the trusted CDN edge and load balancer (X-Forwarded-For), many from one corporate NAT.
 * Requests come out in time order, evenly spread with jitter over the window.
 */
export class NormalTraffic {
  readonly #random: Prng;
  readonly #window: { start: number; span: number };
  readonly #count: number;
  readonly #sessions: Session[];
  #index = 0;

  constructor(random: Prng, window: { start: number; span: number }, count: number) {
    this.#random = random;
    this.#window = window;
    this.#count = count;
    this.#sessions = Array.from({ length: Math.max(1, Math.min(60, Math.ceil(count / 40))) }, () => this.#newSession());
  }

  next(): GeneratedRequest | undefined {
    if (this.#index >= this.#count) return undefined;
    const random = this.#random;
    const time = this.#window.start + ((this.#index + random.next()) * this.#window.span) / this.#count;
    this.#index++;
    const slot = random.int(0, this.#sessions.length - 1);
    let session = this.#sessions[slot];
    if (session.remaining <= 0) {
      session = this.#newSession();
      this.#sessions[slot] = session;
    }
    session.remaining--;
    const request = this.#request(session, time);
    return request;
  }

  #request(session: Session, time: number): GeneratedRequest {
    const random = this.#random;
    const base = {
      time: Math.floor(time),
      nanos: random.int(0, 999_999),
      peerIp: session.peerIp,
      peerPort: random.int(1024, 65535),
      forwardedFor: session.forwardedFor,
      protocol: session.protocol,
      host: session.site.host,
      userAgent: session.userAgent,
      acceptLanguage: session.language,
      service: session.site.service,
    };
    const asset = session.pendingAssets.pop();
    if (asset !== undefined) {
      const cached = session.returning && random.chance(0.7);
      return {
        ...base,
        method: 'GET',
        path: asset,
        status: cached ? 304 : 200,
        size: cached ? 0 : random.int(1200, 280_000),
        durationMs: random.int(1, 40),
        accept: asset.endsWith('.css') ? 'text/css,*/*;q=0.1' : ACCEPT_ANY,
        referer: `https://${session.site.host}${session.page}`,
      };
    }
    const roll = random.next();
    if (roll < 0.015)
      return { ...base, ...this.#miss(random.pick(['/favicon.ico', '/robots.txt', '/apple-touch-icon.png'])) };
    if (roll < 0.03) return { ...base, ...this.#miss(random.pick(TYPO_PAGES)) };
    if (session.site.host.startsWith('api.')) return { ...base, ...this.#apiCall(session) };
    if (roll < 0.045) {
      // A login form: a wrong password now and then.
      const wrong = random.chance(0.25);
      if (!wrong) session.loggedIn = true;
      return {
        ...base,
        method: 'POST',
        path: '/login',
        status: wrong ? 401 : 200,
        size: random.int(300, 2000),
        durationMs: random.int(40, 250),
        accept: ACCEPT_HTML,
        referer: `https://${session.site.host}/login`,
      };
    }
    const previous = session.page;
    session.page = random.pick(session.site.pages);
    const assetCount = random.int(0, Math.min(4, session.site.assets.length));
    session.pendingAssets = random.shuffle(session.site.assets).slice(0, assetCount);
    const failed = random.chance(0.002);
    return {
      ...base,
      method: 'GET',
      path: session.page,
      status: failed ? 502 : 200,
      size: failed ? 11 : random.int(4000, 64_000),
      durationMs: random.int(8, 220),
      accept: ACCEPT_HTML,
      referer: previous ? `https://${session.site.host}${previous}` : undefined,
    };
  }

  #apiCall(
    session: Session,
  ): Omit<GeneratedRequest, 'time' | 'nanos' | 'peerIp' | 'peerPort' | 'protocol' | 'host' | 'userAgent' | 'service'> {
    const random = this.#random;
    const path = random.pick(session.site.pages);
    const needsLogin = path.startsWith('/v1/orders') || path === '/v1/session';
    const status = needsLogin && !session.loggedIn ? 401 : 200;
    if (!session.loggedIn && random.chance(0.1)) session.loggedIn = true;
    return {
      method: 'GET',
      path,
      status,
      size: status === 200 ? random.int(200, 9000) : 58,
      durationMs: random.int(3, 120),
      accept: ACCEPT_JSON,
      referer: 'https://www.example.com/',
    };
  }

  #miss(path: string) {
    const random = this.#random;
    return {
      method: 'GET',
      path,
      status: 404,
      size: random.int(19, 1500),
      durationMs: random.int(1, 30),
      accept: ACCEPT_ANY,
    };
  }

  #newSession(): Session {
    const random = this.#random;
    const route = random.weighted([
      ['direct', 70],
      ['ipv6', 8],
      ['nat', 10],
      ['edge', 8],
      ['chain', 3],
      ['corporate-proxy', 1],
    ] as const);
    const clientIp = route === 'nat' ? CORPORATE_NAT_IP : route === 'ipv6' ? this.#ipv6() : this.#ipv4();
    let peerIp = clientIp;
    let forwardedFor: string | undefined;
    if (route === 'edge') {
      peerIp = TRUSTED_PROXIES[0];
      forwardedFor = clientIp;
    } else if (route === 'chain') {
      peerIp = TRUSTED_PROXIES[1];
      forwardedFor = `${clientIp}, ${TRUSTED_PROXIES[0]}`;
    } else if (route === 'corporate-proxy') {
      // The visitor's own proxy names a private address; the CDN edge appends the public one.
      peerIp = TRUSTED_PROXIES[0];
      forwardedFor = `10.${random.int(0, 255)}.${random.int(0, 255)}.${random.int(1, 254)}, ${clientIp}`;
    }
    const site = random.chance(0.8) ? SITES[0] : SITES[1];
    return {
      clientIp,
      peerIp,
      forwardedFor,
      userAgent: random.pick(BROWSER_AGENTS),
      language: random.pick(ACCEPT_LANGUAGES),
      site,
      remaining: random.int(3, 40),
      returning: random.chance(0.4),
      loggedIn: random.chance(0.3),
      protocol: random.chance(0.75) ? 'HTTP/2.0' : 'HTTP/1.1',
      pendingAssets: [],
      page: '',
    };
  }

  #ipv4(): string {
    const random = this.#random;
    return `${random.pick(USER_IPV4_FIRST_OCTETS)}.${random.int(0, 255)}.${random.int(0, 255)}.${random.int(1, 254)}`;
  }

  #ipv6(): string {
    const random = this.#random;
    return `${random.pick(USER_IPV6_PREFIXES)}:${random.int(1, 0xffff).toString(16)}:${random.int(1, 0xffff).toString(16)}:${random.int(1, 0xffff).toString(16)}::${random.int(1, 0xffff).toString(16)}`;
  }
}

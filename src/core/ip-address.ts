import { BlockList, isIP, SocketAddress } from 'node:net';
import { detachedCopy } from './detached-copy.ts';

export type IpFamily = 'ipv4' | 'ipv6';

/**
 * Canonical form of an IP address, or undefined when it is not one: IPv4-mapped IPv6 becomes IPv4,
 * IPv6 is compressed and lower-cased, brackets, ports and zones are dropped.
 */
export function normalizeIp(input: string): string | undefined {
  // Most addresses in a log are already canonical IPv4: answered without isIP's regular expression or a split.
  if (isCanonicalIpv4(input)) return detachedCopy(input);
  let value = input.trim();
  if (value.startsWith('[')) {
    const end = value.indexOf(']');
    if (end < 0) return undefined;
    value = value.slice(1, end);
  } else if (value.includes('.') && value.indexOf(':') === value.lastIndexOf(':') && value.includes(':')) {
    value = value.slice(0, value.indexOf(':')); // 1.2.3.4:5678
  }
  const zone = value.indexOf('%');
  if (zone >= 0) value = value.slice(0, zone);
  const family = isIP(value);
  // A copy, not the input: that is often a slice of a log line, which would stay in memory for as long as the
  // address is remembered (client tables, caches, campaign members).
  if (family === 4)
    return value.split('.').some((octet) => octet.length > 1 && octet.startsWith('0'))
      ? undefined
      : detachedCopy(value);
  if (family !== 6) return undefined;
  const compressed = SocketAddress.parse(`[${value}]:0`)?.address ?? value.toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(compressed);
  return mapped ? mapped[1] : compressed;
}

/** Four decimal octets of 0-255 without leading zeros, nothing else (what isIP accepts as IPv4, and canonical). */
export function isCanonicalIpv4(text: string): boolean {
  const length = text.length;
  if (length < 7 || length > 15) return false;
  let octets = 0;
  let index = 0;
  while (index < length) {
    const start = index;
    let value = 0;
    for (; index < length; index++) {
      const code = text.charCodeAt(index);
      if (code < 48 || code > 57) break;
      value = value * 10 + code - 48;
    }
    const digits = index - start;
    if (digits === 0 || digits > 3 || value > 255 || (digits > 1 && text.charCodeAt(start) === 48)) return false;
    octets++;
    if (index === length) break;
    if (text.charCodeAt(index) !== 46 /* . */ || octets === 4) return false;
    index++;
    if (index === length) return false;
  }
  return octets === 4;
}

export function ipFamily(ip: string): IpFamily {
  return isIP(ip) === 6 ? 'ipv6' : 'ipv4';
}

export interface Cidr {
  address: string;
  prefix: number;
  family: IpFamily;
}

/** Parses `1.2.3.4`, `1.2.3.0/24`, `2001:db8::/32`; a bare address becomes a /32 or /128. */
export function parseCidr(input: string): Cidr | undefined {
  const [addressPart, prefixPart, ...rest] = input.trim().split('/');
  if (rest.length > 0) return undefined;
  const address = normalizeIp(addressPart);
  if (!address) return undefined;
  const family = ipFamily(address);
  const max = family === 'ipv4' ? 32 : 128;
  if (prefixPart === undefined) return { address, prefix: max, family };
  if (!/^\d{1,3}$/.test(prefixPart)) return undefined;
  const prefix = Number(prefixPart);
  return prefix <= max ? { address, prefix, family } : undefined;
}

export function formatCidr(cidr: Cidr): string {
  const max = cidr.family === 'ipv4' ? 32 : 128;
  return cidr.prefix === max ? cidr.address : `${cidr.address}/${cidr.prefix}`;
}

/** A set of addresses and networks with fast membership checks (node's BlockList underneath). */
export class IpSet {
  readonly #list = new BlockList();
  readonly #entries: string[] = [];
  /** Each entry's family and first/last address, computed once: policy checks run per incident. */
  readonly #ranges: Array<{ family: IpFamily; first: bigint; last: bigint; entry: string }> = [];

  constructor(entries: Iterable<string> = []) {
    for (const entry of entries) this.add(entry);
  }

  /** Adds an address or CIDR; returns false for text that is neither. */
  add(entry: string): boolean {
    const cidr = parseCidr(entry);
    if (!cidr) return false;
    this.#list.addSubnet(cidr.address, cidr.prefix, cidr.family);
    const formatted = formatCidr(cidr);
    this.#entries.push(formatted);
    const [first, last] = cidrRange(cidr);
    this.#ranges.push({ family: cidr.family, first, last, entry: formatted });
    return true;
  }

  has(ip: string): boolean {
    const address = normalizeIp(ip);
    if (!address) return false;
    return this.#list.check(address, ipFamily(address));
  }

  /** True when every address of `cidr` is inside the set (checked on both ends of the range). */
  coversCidr(entry: string): boolean {
    const cidr = parseCidr(entry);
    if (!cidr) return false;
    const [first, last] = cidrBounds(cidr);
    return this.has(first) && this.has(last);
  }

  /**
   * The first entry sharing at least one address with `entry` (covering it, or lying inside it): a network target must
   * not be blocked when any protected, allowlisted or proxy address falls inside it.
   */
  overlapping(entry: string): string | undefined {
    if (this.#ranges.length === 0) return undefined; // no trusted proxies, an empty allowlist: the common case
    const cidr = parseCidr(entry);
    if (!cidr) return undefined;
    const [first, last] = cidrRange(cidr);
    return this.#ranges.find((range) => range.family === cidr.family && range.first <= last && first <= range.last)
      ?.entry;
  }

  get entries(): readonly string[] {
    return this.#entries;
  }
}

/** First and last address of a network, for range checks. */
export function cidrBounds(cidr: Cidr): [string, string] {
  const [first, last] = cidrRange(cidr);
  return [fromBigInt(first, cidr.family), fromBigInt(last, cidr.family)];
}

/** First and last address of a network as integers (no round trip through their text). */
function cidrRange(cidr: Cidr): [bigint, bigint] {
  const bits = cidr.family === 'ipv4' ? 32 : 128;
  const value = toBigInt(cidr.address);
  const hostBits = BigInt(bits - cidr.prefix);
  const mask = ((1n << BigInt(bits)) - 1n) ^ ((1n << hostBits) - 1n);
  const first = value & mask;
  return [first, first | ((1n << hostBits) - 1n)];
}

/** The /64 network of an IPv6 address (attackers rotate inside one), or the address itself for IPv4. */
export function ipv6Slash64(ip: string): string {
  // Without a colon it is not IPv6: skips isIP for the IPv4 client key of every event.
  if (!ip.includes(':') || ipFamily(ip) === 'ipv4') return ip;
  const [first] = cidrBounds({ address: ip, prefix: 64, family: 'ipv6' });
  return `${first}/64`;
}

/** An address as an integer, for range comparisons. */
export function toBigInt(ip: string): bigint {
  if (ipFamily(ip) === 'ipv4') return ip.split('.').reduce((acc, octet) => (acc << 8n) | BigInt(Number(octet)), 0n);
  const [head, tail = ''] = ip.includes('::') ? ip.split('::') : [ip, undefined];
  const headParts = head ? head.split(':') : [];
  const tailParts = tail ? tail.split(':') : [];
  const expandedTail = tailParts.flatMap(expandEmbeddedIpv4);
  const expandedHead = headParts.flatMap(expandEmbeddedIpv4);
  const missing = 8 - expandedHead.length - expandedTail.length;
  const groups = [...expandedHead, ...Array(Math.max(0, missing)).fill('0'), ...expandedTail];
  return groups.reduce((acc, group) => (acc << 16n) | BigInt(Number.parseInt(group || '0', 16)), 0n);
}

function expandEmbeddedIpv4(part: string): string[] {
  if (!part.includes('.')) return [part];
  const [a, b, c, d] = part.split('.').map(Number);
  return [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
}

function fromBigInt(value: bigint, family: IpFamily): string {
  if (family === 'ipv4') return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 255n)).join('.');
  const groups: string[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) groups.push(((value >> shift) & 0xffffn).toString(16));
  return normalizeIp(groups.join(':')) ?? groups.join(':');
}

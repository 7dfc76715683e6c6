// Reading a stored document's fields as Elasticsearch does, for the tests that compare shippers' real documents
// with what our queries make of them (Beats, Logstash, OTel Collector / Vector / Fluentd).
import { ClientIpResolver } from '../../traefik-log/client-ip.ts';
import { ClientAddressing } from '../client-addressing.ts';
import type { FieldProfile } from '../field-profile.ts';
import type { SearchBody } from '../search-backend.ts';

export type Document = Record<string, unknown>;

/** Elasticsearch's passthrough objects of the otel mode, highest priority first (resource 40, attributes 20). */
const PASSTHROUGH = ['resource.attributes.', 'attributes.'];

/**
 * A field's value in a document with dotted keys, nested objects or a mix of both (`.keyword` read as its field);
 * on Elasticsearch (`engine`), the otel mode's passthrough aliases too.
 */
export function valueAt(document: Document, field: string, engine?: string): unknown {
  const name = field.replace(/\.keyword$/, '');
  const direct = lookup(document, name);
  if (direct !== undefined || engine !== 'elasticsearch') return direct;
  for (const prefix of PASSTHROUGH) {
    const aliased = lookup(document, `${prefix}${name}`);
    if (aliased !== undefined) return aliased;
  }
  return undefined;
}

function lookup(document: Document, name: string): unknown {
  if (name in document) return document[name];
  const parts = name.split('.');
  for (let cut = 1; cut < parts.length; cut++) {
    const value = document[parts.slice(0, cut).join('.')];
    if (value && typeof value === 'object') {
      const found = lookup(value as Document, parts.slice(cut).join('.'));
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

export const text = (value: unknown) => (value === undefined || value === null ? undefined : String(value));

/** `host:port` and `[v6]:port` -> host; anything else as it is. */
export function hostOf(address: string): string {
  if (address.startsWith('[')) return address.slice(1, address.indexOf(']'));
  const colon = address.indexOf(':');
  return colon > 0 && address.indexOf(':', colon + 1) < 0 ? address.slice(0, colon) : address;
}

/** The client a composite bucket of this document resolves to (null: unattributed, undefined: in no bucket). */
export function ourClient(
  document: Document,
  profile: FieldProfile,
  trusted: string[],
  engine?: string,
): string | null | undefined {
  const addressing = new ClientAddressing(profile, { trustedProxies: trusted.length > 0, peerScript: true });
  const peer = text(valueAt(document, addressing.peerField, engine));
  if (peer === undefined) return undefined; // the client source has no missing_bucket: the document is in no bucket
  const key: SearchBody = { client: addressing.hostOf(peer) }; // what the Painless source makes of `host:port`
  if (addressing.forwardedField) key.forwarded = text(valueAt(document, addressing.forwardedField, engine)) ?? null;
  const resolution = new ClientIpResolver(trusted).resolve(addressing.addressOf(key));
  return resolution.ok ? resolution.clientIp : null;
}

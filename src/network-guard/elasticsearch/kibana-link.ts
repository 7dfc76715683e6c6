/** Rison string literal (Kibana's URL state format): quoted, with `!` and `'` escaped by `!`. */
function risonString(value: string): string {
  return `'${value.replaceAll('!', '!!').replaceAll("'", "!'")}'`;
}

export interface DiscoverLinkOptions {
  kibanaUrl: string;
  /** A data view id, or the index pattern (Kibana resolves a pattern it has a data view for). */
  dataView: string;
  /** The client IP field (without `.keyword`: KQL matches the field as mapped). */
  field: string;
  /** IPs of the client (one, or the addresses seen inside an IPv6 /64). */
  ips: readonly string[];
  from: number;
  to: number;
}

/**
 * A Kibana Discover link showing exactly the requests behind an incident: the index pattern, the client filter and the
 * time range, so a reviewer can check the evidence against the raw documents in one click.
 */
export function discoverLink(options: DiscoverLinkOptions): string {
  const field = options.field.replace(/\.keyword$/, '');
  const kql = options.ips
    .slice(0, 20)
    .map((ip) => `${field} : "${ip.replaceAll('"', '')}"`)
    .join(' or ');
  const global = `(time:(from:${risonString(new Date(options.from).toISOString())},to:${risonString(new Date(options.to).toISOString())}))`;
  const app = `(index:${risonString(options.dataView)},query:(language:kuery,query:${risonString(kql)}))`;
  const base = options.kibanaUrl.replace(/\/+$/, '');
  return `${base}/app/discover#/?_g=${encodeURIComponent(global)}&_a=${encodeURIComponent(app)}`;
}

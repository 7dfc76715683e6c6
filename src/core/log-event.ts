/** One HTTP request as seen by the edge proxy, whatever the source (Traefik file, Elasticsearch). */
export interface LogEvent {
  /** Request start, epoch milliseconds. */
  time: number;
  /** The resolved client address (trusted-proxy aware), never a raw header value. */
  clientIp: string;
  /** The TCP peer that spoke to the proxy, when known. */
  peerIp?: string;
  method: string;
  /** Path as sent (no query string), before decoding. */
  rawPath: string;
  /** Characters of the query (with its `?`) that followed rawPath in the request target; absent without one. */
  queryLength?: number;
  /** Percent-decoded, lower-cased, dot-segment-normalised path used for matching. */
  path: string;
  status: number;
  userAgent: string;
  /** Response body size in bytes (DownstreamContentSize), when the log has it. */
  bytes?: number;
  host?: string;
  routerName?: string;
  /** The original line (capped), kept only for evidence samples. */
  raw?: string;
}

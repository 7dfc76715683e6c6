/** One request as the generator imagines it, before Traefik writes it down. */
export interface GeneratedRequest {
  /** Epoch milliseconds. */
  time: number;
  /** Sub-millisecond part of the start time, in nanoseconds (0-999999), for Traefik's nanosecond timestamps. */
  nanos: number;
  /** TCP peer. */
  peerIp: string;
  peerPort: number;
  /** The X-Forwarded-For header as Traefik received it (client-controlled at its left end). */
  forwardedFor?: string;
  method: string;
  /** Request target, with its query string. */
  path: string;
  protocol: 'HTTP/1.1' | 'HTTP/2.0';
  host: string;
  status: number;
  size: number;
  durationMs: number;
  userAgent: string;
  referer?: string;
  acceptLanguage?: string;
  accept: string;
  service: { router: string; name: string; address: string };
}

export type GeneratedFormat = 'json' | 'clf';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** Traefik's host runs in Central European Time in our sample, so logrus `time` carries +01:00. */
const LOCAL_OFFSET_MINUTES = 60;

/**
 * Writes a request the way Traefik v3 does: JSON (logrus: keys sorted byte-wise, `<`, `>`, `&` escaped as
 * \u003c...) with the headers an operator keeps for security work (`accessLog.fields.headers`: Referer, User-Agent and
 * X-Forwarded-For kept, the rest dropped; `fields.names`: ClientUsername, RequestAddr, RequestPort and StartLocal dropped), or the default Common Log Format
 * (referer and user agent quoted raw).
 */
export function formatTraefikLine(request: GeneratedRequest, format: GeneratedFormat, requestCount: number): string {
  return format === 'json' ? formatJson(request, requestCount) : formatClf(request, requestCount);
}

function formatJson(request: GeneratedRequest, requestCount: number): string {
  const v6 = request.peerIp.includes(':');
  const clientAddr = v6 ? `[${request.peerIp}]:${request.peerPort}` : `${request.peerIp}:${request.peerPort}`;
  const durationNs = request.durationMs * 1_000_000 + (request.nanos % 1_000_000);
  const overheadNs = 80_000 + (request.nanos % 400_000);
  const tls = request.protocol === 'HTTP/2.0' || request.peerPort % 3 !== 0;
  const fields: Array<[string, string | number]> = [
    ['ClientAddr', clientAddr],
    ['ClientHost', request.forwardedFor ?? request.peerIp],
    ['ClientPort', String(request.peerPort)],
    ['DownstreamContentSize', request.size],
    ['DownstreamStatus', request.status],
    ['Duration', durationNs],
    ['OriginContentSize', request.size],
    ['OriginDuration', Math.max(0, durationNs - overheadNs)],
    ['OriginStatus', request.status],
    ['Overhead', overheadNs],
    ['RequestContentSize', request.method === 'POST' ? 180 + (request.nanos % 600) : 0],
    ['RequestCount', requestCount],
    ['RequestHost', request.host],
    ['RequestMethod', request.method],
    ['RequestPath', request.path],
    ['RequestProtocol', request.protocol],
    ['RequestScheme', tls ? 'https' : 'http'],
    ['RetryAttempts', 0],
    ['RouterName', request.service.router],
    ['ServiceAddr', request.service.address],
    ['ServiceName', request.service.name],
    ['ServiceURL', `http://${request.service.address}`],
    ['StartUTC', isoUtc(request.time, request.nanos)],
  ];
  if (tls) fields.push(['TLSCipher', 'TLS_AES_128_GCM_SHA256'], ['TLSVersion', '1.3']);
  fields.push(['entryPointName', tls ? 'websecure' : 'web'], ['level', 'info'], ['msg', '']);
  if (request.referer) fields.push(['request_Referer', request.referer]);
  fields.push(['request_User-Agent', request.userAgent]);
  if (request.forwardedFor) fields.push(['request_X-Forwarded-For', request.forwardedFor]);
  fields.push(['time', isoLocal(request.time)]);
  let line = '{';
  for (let index = 0; index < fields.length; index++) {
    const [key, value] = fields[index];
    if (index > 0) line += ',';
    line += `"${key}":${typeof value === 'number' ? value : goJsonString(value)}`;
  }
  return `${line}}`;
}

function formatClf(request: GeneratedRequest, requestCount: number): string {
  const host = request.forwardedFor ?? request.peerIp;
  const date = new Date(request.time);
  const timestamp = `${pad(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
  return `${host} - - [${timestamp}] "${request.method} ${request.path} ${request.protocol}" ${request.status} ${request.size} "${request.referer || '-'}" "${request.userAgent || '-'}" ${requestCount} "${request.service.router}" "http://${request.service.address}" ${request.durationMs}ms`;
}

/** encoding/json's escaping: JSON plus `<`, `>`, `&`, U+2028 and U+2029 as \u escapes. */
export function goJsonString(value: string): string {
  const json = JSON.stringify(value);
  if (!/[<>&\u2028\u2029]/.test(json)) return json;
  return json.replace(
    /[<>&\u2028\u2029]/g,
    (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function isoUtc(time: number, nanos: number): string {
  return `${new Date(time).toISOString().slice(0, 19)}.${fraction(time, nanos)}Z`;
}

/** logrus `time`: whole seconds in the host's zone. */
function isoLocal(time: number): string {
  const local = new Date(time + LOCAL_OFFSET_MINUTES * 60_000).toISOString().slice(0, 19);
  return `${local}+${pad(Math.floor(LOCAL_OFFSET_MINUTES / 60))}:${pad(LOCAL_OFFSET_MINUTES % 60)}`;
}

function fraction(time: number, nanos: number): string {
  const milliseconds = ((time % 1000) + 1000) % 1000;
  return `${String(milliseconds).padStart(3, '0')}${String(nanos % 1_000_000).padStart(6, '0')}`;
}

function pad(value: number): string {
  return value < 10 ? `0${value}` : String(value);
}

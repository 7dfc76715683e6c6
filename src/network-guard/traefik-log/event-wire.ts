import type { LogEvent } from '../../core/log-event.ts';

/**
 * Parsed events as a replay worker posts them to the detector's thread. Posted as objects, each event cost that
 * thread more to receive (structured clone rebuilds a dozen properties and nine strings per event, and its collector
 * then has them all) than to parse the line: a flood of probes read with two threads was slower than with one. Here
 * the numbers travel in typed arrays (transferred, not copied), a text found in the event's raw line travels as its
 * span there (the receiver slices it, as the parser slices the line), and only the rest as strings: the client
 * addresses, and texts the parser decoded or normalised. The receiver gets events equal to the posted ones, key for key.
 */
export interface WireEvents {
  count: number;
  /** time, status, bytes (NaN: undefined) per event. */
  numbers: Float64Array;
  /** Per event, FLAG_* bits. */
  flags: Uint8Array;
  /** Per event and TEXT_FIELDS entry: [start, end) in the event's raw line, or [a code, its index in texts]. */
  spans: Int32Array;
  raws: Array<string | undefined>;
  /** Each event's clientIp, then its peerIp when FLAG_OWN_PEER, then its texts not found in the raw line. */
  texts: string[];
}

const TEXT_FIELDS = ['method', 'rawPath', 'path', 'userAgent', 'host', 'routerName'] as const;
const FIELDS = TEXT_FIELDS.length;
const HOST = 4;
/**
 * TEXT_FIELDS in the order they come in a Traefik line (JSON keys sorted; CLF's method, path and agent too): each is
 * looked for from where the one before was found, so the searches together pass over the line about once (searching
 * each from the start of a 920-byte line was an eighth of a worker's time in a flood of probes).
 */
const SEARCH_ORDER = [HOST, 0, 1, 2, 5, 3];
/** Span codes: a start below 0. */
const IN_TEXTS = -1;
const UNDEFINED = -2;
const SAME_AS_RAW_PATH = -3;
/** peerIp is a string of its own in texts (else it is the clientIp, or undefined with FLAG_NO_PEER). */
const FLAG_OWN_PEER = 1;
const FLAG_NO_PEER = 2;
/** The event has no `host` key at all (CLF). */
const FLAG_NO_HOST = 4;

export function encodeEvents(events: readonly LogEvent[]): { wire: WireEvents; transfer: ArrayBuffer[] } {
  const count = events.length;
  const numbers = new Float64Array(count * 3);
  const flags = new Uint8Array(count);
  const spans = new Int32Array(count * FIELDS * 2);
  const raws: Array<string | undefined> = new Array(count);
  const texts: string[] = [];
  for (let index = 0; index < count; index++) {
    const event = events[index]!;
    numbers[index * 3] = event.time;
    numbers[index * 3 + 1] = event.status;
    numbers[index * 3 + 2] = event.bytes ?? Number.NaN;
    texts.push(event.clientIp);
    let flag = 'host' in event ? 0 : FLAG_NO_HOST;
    if (event.peerIp === undefined) flag |= FLAG_NO_PEER;
    else if (event.peerIp !== event.clientIp) {
      flag |= FLAG_OWN_PEER;
      texts.push(event.peerIp);
    }
    flags[index] = flag;
    const raw = event.raw;
    raws[index] = raw;
    let from = 0;
    for (const field of SEARCH_ORDER) {
      const at = (index * FIELDS + field) * 2;
      const value = event[TEXT_FIELDS[field]!];
      if (value === undefined) {
        spans[at] = UNDEFINED;
        continue;
      }
      if (field === 2 && value === event.rawPath) {
        spans[at] = SAME_AS_RAW_PATH;
        continue;
      }
      const start = raw === undefined ? -1 : find(raw, value, from);
      if (start >= 0) {
        spans[at] = start;
        from = start + value.length;
        spans[at + 1] = from;
      } else {
        spans[at] = IN_TEXTS;
        spans[at + 1] = texts.length;
        texts.push(value);
      }
    }
  }
  return {
    wire: { count, numbers, flags, spans, raws, texts },
    transfer: [numbers.buffer, flags.buffer, spans.buffer],
  };
}

/** Where `value` is in `raw` at or after `from`, else anywhere, else -1 (any place holding the same text will do). */
function find(raw: string, value: string, from: number): number {
  const ahead = raw.indexOf(value, from);
  return ahead >= 0 || from === 0 ? ahead : raw.indexOf(value);
}

export function decodeEvents(wire: WireEvents): LogEvent[] {
  const { count, numbers, flags, spans, raws, texts } = wire;
  const events: LogEvent[] = new Array(count);
  let next = 0; // the next event's clientIp in texts
  for (let index = 0; index < count; index++) {
    const raw = raws[index];
    const flag = flags[index]!;
    const clientIp = texts[next++]!;
    const peerIp = flag & FLAG_OWN_PEER ? texts[next++] : flag & FLAG_NO_PEER ? undefined : clientIp;
    const base = index * FIELDS * 2;
    // Texts of this event in texts[] come after its addresses; skip past them for the next event.
    for (let field = 0; field < FIELDS; field++) if (spans[base + field * 2] === IN_TEXTS) next++;
    const rawPath = text(spans, base + 2, raw, texts)!;
    const path = spans[base + 4] === SAME_AS_RAW_PATH ? rawPath : text(spans, base + 4, raw, texts)!;
    const bytes = numbers[index * 3 + 2]!;
    const event: LogEvent = {
      time: numbers[index * 3]!,
      clientIp,
      peerIp,
      method: text(spans, base, raw, texts)!,
      rawPath,
      path,
      status: numbers[index * 3 + 1]!,
      userAgent: text(spans, base + 6, raw, texts)!,
      host: text(spans, base + HOST * 2, raw, texts),
      routerName: text(spans, base + 10, raw, texts),
      bytes: Number.isNaN(bytes) ? undefined : bytes,
      raw,
    };
    if (flag & FLAG_NO_HOST) {
      const { host: _absent, ...withoutHost } = event;
      events[index] = withoutHost;
    } else events[index] = event;
  }
  return events;
}

function text(spans: Int32Array, at: number, raw: string | undefined, texts: string[]): string | undefined {
  const start = spans[at]!;
  if (start >= 0) return raw!.slice(start, spans[at + 1]);
  return start === IN_TEXTS ? texts[spans[at + 1]!] : undefined;
}

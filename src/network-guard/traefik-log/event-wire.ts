import type { LogEvent } from '../../core/log-event.ts';
import { TEXT_START, TEXT_START_FIELDS } from './parse-traefik-line.ts';

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
  /** time, status, bytes, queryLength (NaN: undefined) per event. */
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
/** Numbers per event in WireEvents.numbers. */
const NUMBERS = 4;
const HOST = 4;
/** Span codes: a start below 0. */
const IN_TEXTS = -1;
const UNDEFINED = -2;
const SAME_AS_RAW_PATH = -3;
/** peerIp is a string of its own in texts (else it is the clientIp, or undefined with FLAG_NO_PEER). */
const FLAG_OWN_PEER = 1;
const FLAG_NO_PEER = 2;
/** The event has no `host` key at all (CLF). */
const FLAG_NO_HOST = 4;

/**
 * `textStarts`: the parser's for these events (ReplayOptions.textStarts), where each text is in its line (a plain
 * slice of it); without them each text is searched for.
 */
export function encodeEvents(
  events: readonly LogEvent[],
  textStarts?: Int32Array,
): { wire: WireEvents; transfer: ArrayBuffer[] } {
  const count = events.length;
  const numbers = new Float64Array(count * NUMBERS);
  const flags = new Uint8Array(count);
  const spans = new Int32Array(count * FIELDS * 2);
  const raws: Array<string | undefined> = new Array(count);
  const texts: string[] = [];
  for (let index = 0; index < count; index++) {
    const event = events[index]!;
    numbers[index * NUMBERS] = event.time;
    numbers[index * NUMBERS + 1] = event.status;
    numbers[index * NUMBERS + 2] = event.bytes ?? Number.NaN;
    numbers[index * NUMBERS + 3] = event.queryLength ?? Number.NaN;
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
    // In the order the texts come in a Traefik line (JSON keys sorted; CLF's method, path and agent too): a text the
    // parser did not place is looked for from where the one before was found, so the searches together pass over
    // the line about once (searching each from the start of a 920-byte line was an eighth of a worker's time in a
    // flood of probes, and reading the fields by a computed key a good part of the rest).
    const base = index * FIELDS * 2;
    const placed = index * TEXT_START_FIELDS;
    let from = putText(
      spans,
      texts,
      base + HOST * 2,
      event.host,
      raw,
      startOf(textStarts, placed + TEXT_START.host),
      0,
    );
    from = putText(spans, texts, base, event.method, raw, startOf(textStarts, placed + TEXT_START.method), from);
    from = putText(spans, texts, base + 2, event.rawPath, raw, startOf(textStarts, placed + TEXT_START.rawPath), from);
    if (event.path === event.rawPath) spans[base + 4] = SAME_AS_RAW_PATH;
    else from = putText(spans, texts, base + 4, event.path, raw, -1, from);
    from = putText(
      spans,
      texts,
      base + 10,
      event.routerName,
      raw,
      startOf(textStarts, placed + TEXT_START.routerName),
      from,
    );
    putText(spans, texts, base + 6, event.userAgent, raw, startOf(textStarts, placed + TEXT_START.userAgent), from);
  }
  return {
    wire: { count, numbers, flags, spans, raws, texts },
    transfer: [numbers.buffer, flags.buffer, spans.buffer],
  };
}

/**
 * Writes a text's span at `at` in `spans`: `placed` when the parser found it there (a plain slice of the line; only a
 * raw line cut before its end can miss it), else where it is in `raw`, else the text itself in `texts`. Returns
 * where the search for the next text starts.
 */
function putText(
  spans: Int32Array,
  texts: string[],
  at: number,
  value: string | undefined,
  raw: string | undefined,
  placed: number,
  from: number,
): number {
  if (value === undefined) {
    spans[at] = UNDEFINED;
    return from;
  }
  const start =
    raw === undefined ? -1 : placed >= 0 && placed + value.length <= raw.length ? placed : find(raw, value, from);
  if (start < 0) {
    spans[at] = IN_TEXTS;
    spans[at + 1] = texts.length;
    texts.push(value);
    return from;
  }
  spans[at] = start;
  spans[at + 1] = start + value.length;
  return start + value.length;
}

/** The parser's start at `at` in `textStarts`, -1 without them (a closure per event cost the worker's hot path). */
function startOf(textStarts: Int32Array | undefined, at: number): number {
  return textStarts ? textStarts[at]! : -1;
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
    const bytes = numbers[index * NUMBERS + 2]!;
    const queryLength = numbers[index * NUMBERS + 3]!;
    const event: LogEvent = {
      time: numbers[index * NUMBERS]!,
      clientIp,
      peerIp,
      method: text(spans, base, raw, texts)!,
      rawPath,
      path,
      status: numbers[index * NUMBERS + 1]!,
      userAgent: text(spans, base + 6, raw, texts)!,
      host: text(spans, base + HOST * 2, raw, texts),
      routerName: text(spans, base + 10, raw, texts),
      bytes: Number.isNaN(bytes) ? undefined : bytes,
      raw,
    };
    if (!Number.isNaN(queryLength)) event.queryLength = queryLength;
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

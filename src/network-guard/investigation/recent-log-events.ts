import { IpSet } from '../../core/ip-address.ts';
import type { LogEvent } from '../../core/log-event.ts';

/** How many recent events the file source keeps for the agent's query_logs (a ring; the oldest go first). */
export const RECENT_EVENTS_CAPACITY = 20_000;

export interface RecentEventsQuery {
  /** An address, or a CIDR such as an IPv6 /64. */
  client?: string;
  pathContains?: string;
  statuses?: number[];
  sinceMinutes?: number;
  limit: number;
}

/**
 * The file source's own recent events (those the prefilter let through: ordinary traffic is never parsed), so the
 * agent's query_logs works without Elasticsearch. Bounded memory; answers are summaries plus a few sample events.
 */
export class RecentLogEvents {
  readonly #events: (LogEvent | undefined)[];
  #next = 0;
  #size = 0;

  constructor(capacity = RECENT_EVENTS_CAPACITY) {
    this.#events = new Array(capacity);
  }

  push(events: readonly LogEvent[]): void {
    for (const event of events) {
      this.#events[this.#next] = event;
      this.#next = (this.#next + 1) % this.#events.length;
      this.#size = Math.min(this.#size + 1, this.#events.length);
    }
  }

  get size(): number {
    return this.#size;
  }

  query(query: RecentEventsQuery): Record<string, unknown> {
    const clients = query.client ? new IpSet([query.client]) : undefined;
    const matchesClient = (ip: string) => !clients || clients.has(ip);
    const newest = this.#newestTime();
    const since = query.sinceMinutes === undefined ? -Infinity : newest - query.sinceMinutes * 60_000;
    const needle = query.pathContains?.toLowerCase();
    const statuses: Record<string, number> = {};
    const paths = new Map<string, number>();
    const agents = new Map<string, number>();
    const perMinute = new Map<string, number>();
    const samples: Array<Record<string, unknown>> = [];
    let matched = 0;
    for (const event of this.#inOrder()) {
      if (event.time < since || !matchesClient(event.clientIp)) continue;
      if (needle && !event.path.includes(needle)) continue;
      if (query.statuses?.length && !query.statuses.includes(event.status)) continue;
      matched++;
      statuses[event.status] = (statuses[event.status] ?? 0) + 1;
      paths.set(event.path, (paths.get(event.path) ?? 0) + 1);
      agents.set(event.userAgent, (agents.get(event.userAgent) ?? 0) + 1);
      const minute = new Date(Math.floor(event.time / 60_000) * 60_000).toISOString();
      perMinute.set(minute, (perMinute.get(minute) ?? 0) + 1);
      if (samples.length < query.limit) {
        samples.push({
          time: new Date(event.time).toISOString(),
          client: event.clientIp,
          method: event.method,
          path: event.rawPath.slice(0, 300),
          status: event.status,
          userAgent: event.userAgent.slice(0, 300),
        });
      }
    }
    return {
      source: 'recent events of the Traefik file source (lines the prefilter passed)',
      eventsKept: this.#size,
      matched,
      statuses,
      topPaths: top(paths, 20),
      userAgents: top(agents, 10),
      perMinute: Object.fromEntries([...perMinute].slice(-60)),
      samples,
    };
  }

  *#inOrder(): Generator<LogEvent> {
    const capacity = this.#events.length;
    const start = this.#size < capacity ? 0 : this.#next;
    for (let index = 0; index < this.#size; index++) {
      const event = this.#events[(start + index) % capacity];
      if (event) yield event;
    }
  }

  #newestTime(): number {
    const last = this.#events[(this.#next - 1 + this.#events.length) % this.#events.length];
    return last?.time ?? Date.now();
  }
}

function top(counts: Map<string, number>, limit: number): Array<{ value: string; count: number }> {
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([value, count]) => ({ value: value.slice(0, 300), count }));
}

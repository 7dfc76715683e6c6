import { isPageAsset } from './exposure-judge.ts';
import { isStatusPage } from './sensitive-path-rules.ts';

/**
 * The returning scanner: the most common secrets scanner in real logs (the Androxgh0st pattern) asks for `/.env`
 * once, then comes back every one to four hours for days, never enough for a window of a minute or an hour. A client
 * refused on sensitive paths in `revisits` separate visits within `revisit_window` is one; a visit is a run of clock
 * hours with refused probes, so a quiet hour lies between two visits. A poller (one path every few minutes with an
 * expired token) is one long visit however long it polls; status pages (a monitor on `/server-status`) do not count,
 * nor the runtime configuration names a page loads (`/config.json` answered 404 on every visit). The file path never
 * sees a client's ordinary requests (the prefilter drops them), so the rule does not weigh them; the Elasticsearch
 * path judges the same hours.
 */
export interface RevisitSettings {
  /** Seconds. */
  revisit_window: number;
  /** Separate visits with a refused sensitive probe that mark a returning scanner; 0 turns the rule off. */
  revisits: number;
}

const HOUR_MS = 3_600_000;
/** Hours kept per client, whatever the window (bounded memory). */
const MAX_HOURS = 200;

/** Whether a refused probe of this normalised sensitive path counts towards the rule. */
export function countsAsRevisit(path: string): boolean {
  return !isStatusPage(path) && !isPageAsset(path);
}

/** The epoch hours in which one client was refused on a sensitive path, within the revisit window. */
export class ProbeHours {
  readonly #hours = new Set<number>();
  /** The latest probe's time: the window ends there. */
  #latest = 0;

  /** A refused probe at `time` (a range's latest one, from Elasticsearch: overlapping ranges give the same hour). */
  add(time: number): void {
    this.#hours.add(Math.floor(time / HOUR_MS));
    this.#latest = Math.max(this.#latest, time);
    if (this.#hours.size > MAX_HOURS) this.#hours.delete(Math.min(...this.#hours));
  }

  /** The reason when the rule holds in the window ending at the latest probe, else undefined (older hours are forgotten). */
  verdict(settings: RevisitSettings): string | undefined {
    if (settings.revisits < 1) return undefined;
    const oldest = Math.floor((this.#latest - settings.revisit_window * 1000) / HOUR_MS);
    let visits = 0;
    for (const hour of this.#hours) {
      if (hour < oldest) this.#hours.delete(hour);
      else if (!this.#hours.has(hour - 1) || hour === oldest) visits++;
    }
    return visits >= settings.revisits ? revisitReason(settings) : undefined;
  }
}

export function revisitReason(settings: RevisitSettings): string {
  return `came back to sensitive paths, refused (401/403/404), in ${settings.revisits}+ separate visits within ${settings.revisit_window}s`;
}

/** Per client key, for a detector that sees its clients range by range (Elasticsearch): bounded, oldest out first. */
export class ReturningClients {
  readonly #clients = new Map<string, ProbeHours>();
  readonly #max: number;

  constructor(maxClients: number) {
    this.#max = maxClients;
  }

  hours(key: string): ProbeHours | undefined {
    return this.#clients.get(key);
  }

  /** A refused probe of the client at `time`. */
  add(key: string, time: number): void {
    let hours = this.#clients.get(key);
    if (hours) this.#clients.delete(key);
    else if (this.#clients.size >= this.#max) this.#clients.delete(this.#clients.keys().next().value!);
    hours ??= new ProbeHours();
    this.#clients.set(key, hours);
    hours.add(time);
  }
}

import { RecentKeys } from '../../core/recent-keys.ts';
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

/**
 * A client's visits, in a few integers of an Int32Array (one per client on the file path, a slab for many on
 * Elasticsearch): the latest hour with a refusal, how many visits began, then the first hours of the last `revisits`
 * visits in a ring. An hour at most one after the latest continues its visit; an earlier one is already counted.
 */
const LATEST = 0;
const COUNT = 1;
const STARTS = 2;

/** The integers one client's visits take. */
export function visitsStride(settings: RevisitSettings): number {
  return STARTS + Math.max(1, settings.revisits);
}

/** Whether a refused probe of this normalised sensitive path counts towards the rule. */
export function countsAsRevisit(path: string): boolean {
  return !isStatusPage(path) && !isPageAsset(path);
}

/**
 * A dotfile or a dot-directory's file (`/.env`, `/.git/config`), or a last segment with an extension (`/db.sql`): where
 * a single-page app's index (its fallback size) is the same "not here" as a 404. Not the app's own routes
 * (`/settings/credentials`), which the same index answers and its users reload day after day.
 */
export function namesAFile(path: string): boolean {
  return path.includes('/.') || path.lastIndexOf('.') > path.lastIndexOf('/');
}

/** Records a refused probe at `time` in the visits at `at` (a range's latest one, on Elasticsearch). */
export function addRefusal(visits: Int32Array, at: number, settings: RevisitSettings, time: number): void {
  const hour = Math.floor(time / HOUR_MS);
  const count = visits[at + COUNT]!;
  if (count > 0 && hour <= visits[at + LATEST]! + 1) {
    if (hour > visits[at + LATEST]!) visits[at + LATEST] = hour;
    return;
  }
  visits[at + STARTS + (count % Math.max(1, settings.revisits))] = hour;
  visits[at + COUNT] = count + 1;
  visits[at + LATEST] = hour;
}

/** The reason when the last `revisits` visits all began within the window before the latest refusal, else undefined. */
export function returningVerdict(visits: Int32Array, at: number, settings: RevisitSettings): string | undefined {
  const needed = settings.revisits;
  const count = visits[at + COUNT]!;
  if (needed < 1 || count < needed) return undefined;
  const earliest = visits[at + STARTS + (count % needed)]!;
  const windowHours = Math.floor(settings.revisit_window / 3600);
  return earliest >= visits[at + LATEST]! - windowHours ? revisitReason(settings) : undefined;
}

export function revisitReason(settings: RevisitSettings): string {
  return `came back to sensitive paths, refused (401/403/404), in ${settings.revisits}+ separate visits within ${settings.revisit_window}s`;
}

/**
 * Visits per client key, for a detector that sees its clients range by range (Elasticsearch): least recently seen
 * out first beyond `maxClients`, a few integers each (a flood of a million one-probe clients keeps its bound).
 */
export class ReturningClients {
  readonly #keys = new RecentKeys();
  readonly #settings: RevisitSettings;
  readonly #stride: number;
  readonly #max: number;
  #visits: Int32Array;

  constructor(settings: RevisitSettings, maxClients: number) {
    this.#settings = settings;
    this.#stride = visitsStride(settings);
    this.#max = maxClients;
    this.#visits = new Int32Array(this.#stride * Math.min(maxClients, 1024));
  }

  /** A refused probe of the client at `time`. */
  add(key: string, time: number): void {
    if (this.#settings.revisits < 1) return;
    let handle = this.#keys.find(key);
    if (handle === -1) {
      if (this.#keys.size >= this.#max) this.#keys.remove(this.#keys.oldest());
      handle = this.#keys.add(key);
      this.#room(handle);
      this.#visits.fill(0, handle * this.#stride, (handle + 1) * this.#stride);
    } else this.#keys.touch(handle);
    addRefusal(this.#visits, handle * this.#stride, this.#settings, time);
  }

  verdict(key: string): string | undefined {
    const handle = this.#keys.find(key);
    return handle === -1 ? undefined : returningVerdict(this.#visits, handle * this.#stride, this.#settings);
  }

  has(key: string): boolean {
    return this.#keys.find(key) !== -1;
  }

  #room(handle: number): void {
    if ((handle + 1) * this.#stride <= this.#visits.length) return;
    const grown = new Int32Array(Math.max(this.#visits.length * 2, (handle + 1) * this.#stride));
    grown.set(this.#visits);
    this.#visits = grown;
  }
}

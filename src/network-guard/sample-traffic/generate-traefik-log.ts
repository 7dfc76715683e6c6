import { existsSync } from 'node:fs';
import { mkdir, open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Prng } from '../../core/prng.ts';
import { formatTraefikLine, type GeneratedFormat, type GeneratedRequest } from './format-traefik-line.ts';
import {
  ATTACKER_KINDS,
  type AttackerKind,
  attackerRequests,
  backgroundActorRequests,
  type LabelledAttacker,
} from './labelled-actors.ts';
import { NormalTraffic } from './normal-traffic.ts';
import {
  CORPORATE_NAT_IP,
  CRAWLERS,
  FORGED_VICTIM_IP,
  MONITORS,
  OFFICE_IP,
  TRUSTED_PROXIES,
} from './traffic-catalog.ts';

export { ATTACKER_KINDS, type AttackerKind, type LabelledAttacker };

export interface GenerateOptions {
  /** Lines wanted. The labelled and background actors are always complete, so a tiny count can be exceeded. */
  lines: number;
  seed?: number | string;
  format?: GeneratedFormat;
  /** First request time (default 2026-11-21T08:00:00Z). */
  start?: Date | string | number;
  /** Which labelled attackers to include (default all). */
  attackers?: 'all' | 'none' | readonly AttackerKind[];
  /** Ordinary traffic rate used to size the time span (default 30 requests/s; the span is at least 2 hours). */
  requestsPerSecond?: number;
}

/** What a correct detector should conclude from the generated log. */
export interface GroundTruth {
  attackers: LabelledAttacker[];
  /** Notable addresses that must never be blocked (monitors, crawlers, NAT, office, forged victim, proxies). */
  benign: string[];
  /** Configure these as `allowlist` entries to reproduce the intended setup. */
  allowlist: string[];
  /** Configure these as `trusted_proxies`. */
  trustedProxies: string[];
  format: GeneratedFormat;
  seed: number | string;
  lines: number;
  start: string;
  end: string;
}

export interface LogPlan {
  truth: GroundTruth;
  /** The log lines in time order, generated lazily (bounded memory for millions of lines). */
  lines(): Generator<string>;
}

const DEFAULT_START = Date.parse('2026-11-21T08:00:00Z');
const MINIMUM_SPAN_MS = 2 * 3600_000;

/** Plans a deterministic log: the same options give byte-identical lines. */
export function planTraefikLog(options: GenerateOptions): LogPlan {
  const seed = options.seed ?? 1;
  const format = options.format ?? 'json';
  const random = new Prng(seed);
  const start = options.start === undefined ? DEFAULT_START : new Date(options.start).getTime();
  if (Number.isNaN(start)) throw new Error(`start: ${String(options.start)} is not a date`);
  if (!Number.isInteger(options.lines) || options.lines < 0) throw new Error('lines: must be a non-negative integer');
  const rate = options.requestsPerSecond ?? 30;
  const window = { start, span: Math.max(MINIMUM_SPAN_MS, Math.ceil((options.lines / rate) * 1000)) };
  const kinds =
    options.attackers === undefined || options.attackers === 'all'
      ? ATTACKER_KINDS
      : options.attackers === 'none'
        ? []
        : options.attackers;

  const special: GeneratedRequest[] = backgroundActorRequests(random.fork('background'), window);
  const attackers: LabelledAttacker[] = [];
  for (const kind of kinds) {
    const { requests, attacker } = attackerRequests(kind, random.fork(kind), window, format === 'json');
    special.push(...requests);
    const times = requests.map((request) => request.time);
    attackers.push({
      ...attacker,
      requests: requests.length,
      firstSeen: new Date(Math.min(...times)).toISOString(),
      lastSeen: new Date(Math.max(...times)).toISOString(),
    });
  }
  special.sort((left, right) => left.time - right.time);
  const normalCount = Math.max(0, options.lines - special.length);
  const total = normalCount + special.length;
  const truth: GroundTruth = {
    attackers,
    benign: [
      OFFICE_IP,
      CORPORATE_NAT_IP,
      FORGED_VICTIM_IP,
      ...TRUSTED_PROXIES,
      ...MONITORS.map((monitor) => monitor.ip),
      ...CRAWLERS.map((crawler) => crawler.ip),
    ],
    allowlist: [OFFICE_IP],
    trustedProxies: [...TRUSTED_PROXIES],
    format,
    seed,
    lines: total,
    start: new Date(window.start).toISOString(),
    end: new Date(window.start + window.span).toISOString(),
  };
  const normalSeed = Math.floor(random.fork('normal').next() * 4294967296);
  const lines = function* (): Generator<string> {
    const normal = new NormalTraffic(new Prng(normalSeed), window, normalCount);
    let count = 180_000 + (typeof seed === 'number' ? seed % 1000 : 0);
    let next = normal.next();
    let specialIndex = 0;
    while (next !== undefined || specialIndex < special.length) {
      const useSpecial =
        specialIndex < special.length && (next === undefined || special[specialIndex].time <= next.time);
      const request = useSpecial ? special[specialIndex++] : next!;
      if (!useSpecial) next = normal.next();
      yield formatTraefikLine(request, format, count++);
    }
  };
  return { truth, lines };
}

/** The whole log in memory (tests, samples); use planTraefikLog or writeTraefikLog for large logs. */
export function generateTraefikLog(options: GenerateOptions): { lines: string[]; truth: GroundTruth } {
  const plan = planTraefikLog(options);
  return { lines: [...plan.lines()], truth: plan.truth };
}

/** Streams the log to a file (written beside, then renamed into place) and returns the ground truth. */
export async function writeTraefikLog(path: string, options: GenerateOptions): Promise<GroundTruth> {
  const plan = planTraefikLog(options);
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.tmp-${process.pid}`;
  const handle = await open(temporary, 'w');
  try {
    let chunk = '';
    for (const line of plan.lines()) {
      chunk += `${line}\n`;
      if (chunk.length >= 1 << 20) {
        await handle.write(chunk);
        chunk = '';
      }
    }
    if (chunk) await handle.write(chunk);
  } finally {
    await handle.close();
  }
  await rename(temporary, path);
  return plan.truth;
}

/**
 * Writes the demo log `npm start` reads on a first start: a few thousand lines ending now, with the labelled
 * scanners. Leaves an existing file alone unless `overwrite` is set.
 */
export async function writeSampleLog(
  path: string,
  options: { lines?: number; seed?: number; format?: GeneratedFormat; overwrite?: boolean } = {},
): Promise<{ written: boolean; truth?: GroundTruth }> {
  if (existsSync(path) && !options.overwrite) return { written: false };
  const lines = options.lines ?? 4000;
  const end = Date.now();
  const truth = await writeTraefikLog(path, {
    lines,
    seed: options.seed ?? 42,
    format: options.format ?? 'json',
    start: end - MINIMUM_SPAN_MS,
    requestsPerSecond: 1,
  });
  return { written: true, truth };
}

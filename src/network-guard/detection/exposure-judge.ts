import type { SiteProfile } from './site-profile.ts';

/** A sensitive path answered 2xx (not 204) to one client: a leak, unless the site's facts say otherwise. */
export interface ExposureCandidate {
  host?: string;
  path: string;
  status: number;
  bytes?: number;
  time: number;
}

export interface ExposureJudgement {
  leaks: ExposureCandidate[];
  /** Not judged yet: the host is too new to the profile to tell a rare path from public content. */
  pending: ExposureCandidate[];
  /** Why a candidate was not a leak, for the evidence. */
  notes: string[];
}

/**
 * What a leak is: a sensitive path answered 2xx to few clients (not public content), with content (more than
 * `leak_min_bytes`), and not the site's fallback answer (the SPA index served, same size, for unknown paths).
 * Both detectors call this, so the file and Elasticsearch paths give the same verdicts. `final` judges what is still
 * pending (the end of a replay: everything the profile will learn has been seen). `graceMs` holds each candidate
 * that long (event time), so the probes that follow it can show the site's fallback size first.
 */
export function judgeExposures(
  candidates: readonly ExposureCandidate[],
  profile: SiteProfile,
  now: number,
  final: boolean,
  graceMs = 0,
): ExposureJudgement {
  const judgement: ExposureJudgement = { leaks: [], pending: [], notes: [] };
  const minBytes = profile.settings.leak_min_bytes;
  for (const candidate of candidates) {
    const where = candidate.host ? `${hostLabel(candidate.host)}${candidate.path}` : candidate.path;
    const pinned = profile.isAlwaysSensitive(candidate.host, candidate.path);
    const fact = profile.publicFact(candidate.host, candidate.path);
    if (fact) {
      judgement.notes.push(`not a leak: ${fact.detail}`);
      continue;
    }
    if (candidate.bytes !== undefined && candidate.bytes <= minBytes) {
      judgement.notes.push(
        `not a leak: ${where} answered ${candidate.status} with ${candidate.bytes} bytes (no content)`,
      );
      continue;
    }
    if (profile.isFallbackSize(candidate.host, candidate.bytes)) {
      judgement.notes.push(
        `not a leak: ${where} answered with the site's fallback page (${candidate.bytes} bytes, the size served for ${profile.settings.fallback_min_paths}+ different paths)`,
      );
      continue;
    }
    // A scanner's next probes teach the fallback size within moments; a new host needs its warm-up.
    const early = now < candidate.time + graceMs || !profile.isWarm(candidate.host, now);
    if (!final && early && !pinned) {
      judgement.pending.push(candidate);
      continue;
    }
    judgement.leaks.push(candidate);
  }
  return judgement;
}

function hostLabel(host: string): string {
  return host.toLowerCase();
}

import { isStatusPage } from './sensitive-path-rules.ts';
import type { SiteProfile } from './site-profile.ts';

/** A sensitive path answered 2xx (not 204) to one client: a leak, unless the site's facts say otherwise. */
export interface ExposureCandidate {
  host?: string;
  path: string;
  status: number;
  bytes?: number;
  time: number;
  /** The request target as the server saw it (LogEvent.rawPath's length, queryLength), when known: for echo pages. */
  rawLength?: number;
  queryLength?: number;
}

export interface ExposureJudgement {
  leaks: ExposureCandidate[];
  /** Not judged yet: the host is too new to the profile to tell a rare path from public content. */
  pending: ExposureCandidate[];
  /** Why a candidate was not a leak, for the evidence. */
  notes: string[];
}

/**
 * A single-page app's runtime configuration (`/config.js`, `/env.js`, `/assets/config.json`; a Blazor WebAssembly
 * app's `/appsettings.json` and `/appsettings.{ENVIRONMENT}.json`, which the framework loads from its web root in every
 * browser: Microsoft's configuration docs warn they are public), or a file a site
 * publishes under a generic configuration name (`/files/logstash/config.xml`, an example linked from an article):
 * its pages load the one in every browser, its visitors follow links to the other. Scanners ask for these names
 * hoping for keys inside, so they stay sensitive; but one answered 2xx to a client that probed nothing else is a
 * page loading or a link followed, on a site too small for the profile to learn it is public (a self-hosted app with
 * one user, a blog's file read by two visitors in a day). Not under a dot-directory (`/.docker/config.json` holds
 * registry credentials); names that only secrets have (`wp-config.php`, `secrets.yml`, `.env`) are never assets.
 */
const PAGE_ASSET = /^(?:(?:config|env)\.m?js|config\.(?:json|xml|ya?ml)|appsettings(?:\.[A-Za-z0-9_-]+)?\.json)$/;

/**
 * A runtime configuration answered with the same bytes to this many clients that probed nothing else is what the
 * site's pages load (SiteProfile notePageAssetLoad): a scanner answered those bytes gets what every browser gets, not
 * a leak. Two, as for the visitors of a small site in a day; the profile's public_min_clients (10) makes any path
 * public, this only runtime configurations, and only their visitors' answer (a server's own appsettings.json, other
 * bytes, still leaks).
 */
const PAGE_LOADED_BY = 2;
/**
 * The page assets a page loads itself (by a script tag or a fetch): `config.js`, `env.js`, `config.json`, Blazor's
 * `appsettings*.json`. Not `config.xml` or `.yml`, which visitors reach by a link to a published file: fetched by a
 * prober, those stay a leak whatever visitors read (real-site-logs.test.ts, the blog's logstash config.xml).
 */
const RUNTIME_CONFIG = /^(?:(?:config|env)\.m?js|config\.json|appsettings(?:\.[A-Za-z0-9_-]+)?\.json)$/;

function isRuntimeConfig(path: string): boolean {
  return isPageAsset(path) && RUNTIME_CONFIG.test(path.slice(path.lastIndexOf('/') + 1));
}

export function isPageAsset(path: string): boolean {
  return PAGE_ASSET.test(path.slice(path.lastIndexOf('/') + 1)) && !path.includes('/.');
}

/**
 * A page of an application: a script the server runs (`/admin/config.php`): its 2xx answer is the script's output, not its
 * source, and web applications name their pages so (FreePBX's whole admin interface is `/admin/config.php?display=`).
 * Its source leaks through a backup copy (`config.php.bak`, matched by other rules) or a broken interpreter, which a
 * scanner finds by probing. The exceptions print the environment as their output: phpinfo pages.
 */
const EXECUTED_SCRIPT = /\.(?:php[3-8]?|phtml|aspx?|ashx|jspx?|cfm|cgi|do|action)$/;
const PRINTS_ENVIRONMENT = /phpinfo|(?:^|\/)info\.php$/;
/** Application routes named like configuration: Drupal's configuration page (`/admin/config`, HTML for its admins). */
const APPLICATION_ROUTES = new Set(['/admin/config']);

export function isApplicationPage(path: string): boolean {
  if (APPLICATION_ROUTES.has(path)) return true;
  return EXECUTED_SCRIPT.test(path) && !PRINTS_ENVIRONMENT.test(path);
}

/**
 * What a leak is: a sensitive path answered 2xx to few clients (not public content), with content (more than
 * `leak_min_bytes`), and not the site's fallback answer (the SPA index served, same size, for unknown paths; or a page
 * that prints the request, whose size is a base plus the path's length: SiteProfile.echoFallbackOf), nor a
 * page asset (`isPageAsset`) or an application's page (`isApplicationPage`) fetched by a client that is not `probing` (no
 * failed sensitive request, not flagged).
 * Both detectors call this, so the file and Elasticsearch paths give the same verdicts. `final` judges what is still
 * pending (the end of a replay: everything the profile will learn has been seen). `graceMs` holds each candidate
 * that long (event time), so the probes that follow it can show the site's fallback size, and the client's probing,
 * first.
 */
export function judgeExposures(
  candidates: readonly ExposureCandidate[],
  profile: SiteProfile,
  now: number,
  final: boolean,
  graceMs = 0,
  probing = true,
  clientKey?: string,
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
    if (!pinned && isStatusPage(candidate.path)) {
      judgement.notes.push(`not a leak: ${where} is a status page monitors poll (the server's state, not a secret)`);
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
    // An echo base is matched within a few bytes, not exactly: a path pinned by always_sensitive is never excused by it.
    const echo = pinned
      ? undefined
      : profile.echoFallbackOf(candidate.host, candidate.bytes, candidate.rawLength, candidate.queryLength);
    if (echo) {
      const printed =
        echo.repeats === 1
          ? `the request's ${echo.length} characters`
          : `twice the request's ${echo.length} characters`;
      judgement.notes.push(
        `not a leak: ${where} answered with the site's fallback page, which echoes the path (${candidate.bytes} bytes: ${candidate.bytes! - echo.repeats * echo.length} plus ${printed}, as for ${profile.settings.fallback_min_paths}+ different paths)`,
      );
      continue;
    }
    // A scanner's next probes teach the fallback size within moments; a new host needs its warm-up.
    const early = now < candidate.time + graceMs || !profile.isWarm(candidate.host, now);
    if (!final && early && !pinned) {
      judgement.pending.push(candidate);
      continue;
    }
    if (!probing && !pinned && isPageAsset(candidate.path)) {
      if (clientKey !== undefined && isRuntimeConfig(candidate.path))
        profile.notePageAssetLoad(candidate.host, candidate.path, candidate.bytes, clientKey);
      judgement.notes.push(
        `not a leak: ${where} is a page's configuration or a published file with a generic name, fetched by a client that probed nothing else`,
      );
      continue;
    }
    const loaders =
      pinned || !isRuntimeConfig(candidate.path)
        ? 0
        : profile.pageAssetLoaders(candidate.host, candidate.path, candidate.bytes);
    if (loaders >= PAGE_LOADED_BY) {
      judgement.notes.push(
        `not a leak: ${where} is the site's page configuration, the same ${candidate.bytes} bytes answered to ${loaders} clients that probed nothing else (their browsers loading it)`,
      );
      continue;
    }
    if (!probing && !pinned && isApplicationPage(candidate.path)) {
      judgement.notes.push(
        `not a leak: ${where} is a script the server runs (its output, not its source), fetched by a client that probed nothing else`,
      );
      continue;
    }
    judgement.leaks.push(candidate);
  }
  return judgement;
}

function hostLabel(host: string): string {
  return host.toLowerCase();
}

import { errorMessage, IntegrationError } from '../core/errors.ts';
import { DEFAULT_RETRY_POLICY, type RetryPolicy, withRetry } from '../core/retry.ts';
import { parseImageReference } from './image-reference.ts';

/** What the workload guard asks an image registry (OCI distribution API, anonymous pull). */
export interface RegistryClient {
  /**
   * Every tag of the image's repository, in the registry's order, across its pages. Throws a non-retryable
   * IntegrationError when the repository is unknown (HTTP 404: also a repository holding only untagged manifests)
   * and when the list is longer than it reads (`maxTags`, `maxPages`): a cut list would call the tags after it missing.
   */
  tags(image: string): Promise<string[]>;
  /**
   * The manifest digest of `repository:tag` (`Docker-Content-Digest`), to keep a digest pin: of the index or
   * manifest list for a multi-arch tag. Undefined when the tag or the repository is unknown (HTTP 404).
   */
  digest(image: string): Promise<string | undefined>;
}

export interface RegistryClientOptions {
  /** Base URL of a registry host. Default: https://<host>, Docker Hub's API host for docker.io. Tests inject loopback. */
  endpoint?: (registry: string) => string;
  timeoutMs?: number;
  /**
   * Tags read from `tags/list` (default 10,000). The page size is the registry's: asked for 1,000, the distribution
   * registry answers at most its `tags.maxtags` (1,000 unless configured lower) and names the next page in `Link`.
   */
  maxTags?: number;
  /** Pages followed (default 100): bounds the requests of a registry that answers a few tags a page. */
  maxPages?: number;
  /** The one retry policy (src/core/retry.ts): 429, 5xx and unreachable registries are retried, within bounds. */
  retry?: RetryPolicy;
}

const MANIFEST_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

/**
 * A small client for the two calls a plan needs, with the registries' anonymous token flow: a 401 names a token
 * service (`WWW-Authenticate: Bearer realm=...,service=...,scope=...`), whose token is sent once more. The token
 * service must use the registry's scheme (https in production) so a registry answer cannot downgrade the request.
 */
export function createRegistryClient(options: RegistryClientOptions = {}): RegistryClient {
  const endpoint =
    options.endpoint ??
    ((registry: string) => `https://${registry === 'docker.io' ? 'registry-1.docker.io' : registry}`);
  const timeoutMs = options.timeoutMs ?? 10_000;
  const tokens = new Map<string, string>();

  // One pull token per repository: it is scoped to `repository:<name>:pull`.
  const request = async (
    url: string,
    method: 'GET' | 'HEAD',
    accept: string,
    repository: string,
  ): Promise<Response> => {
    const scope = `${new URL(url).origin}/${repository}`;
    const send = (token?: string) =>
      fetchOnOrigin(url, {
        method,
        headers: { accept, ...(token ? { authorization: `Bearer ${token}` } : {}) },
        signal: AbortSignal.timeout(timeoutMs),
      });
    let response = await send(tokens.get(scope));
    if (response.status === 401) {
      const token = await fetchToken(response.headers.get('www-authenticate'), url, timeoutMs);
      tokens.set(scope, token);
      response = await send(token);
    }
    return response;
  };

  const retry = options.retry ?? DEFAULT_RETRY_POLICY;
  const client: RegistryClient = {
    async tags(image) {
      const { base, repository } = locate(image, endpoint);
      const tags: string[] = [];
      let next: string | undefined = `${base}/v2/${repository}/tags/list?n=${TAGS_PAGE}`;
      for (let page = 0; next; page++) {
        // Only a list the registry ends is evidence of which tags exist.
        if (page >= (options.maxPages ?? MAX_TAG_PAGES) || tags.length > (options.maxTags ?? MAX_TAGS)) {
          throw new IntegrationError(
            'registry',
            `${repository} has more than the ${tags.length} tags read in ${page} pages: the list is not used, as ` +
              'it would call the tags after them missing',
            { isRetryable: false },
          );
        }
        const response = await request(next, 'GET', 'application/json', repository);
        if (!response.ok) throw failure(`GET tags of ${repository}`, response);
        const body = (await readJson(response, MAX_TAGS_PAGE_BYTES, `tags of ${repository}`)) as { tags?: unknown };
        if (Array.isArray(body.tags)) tags.push(...body.tags.filter((tag): tag is string => typeof tag === 'string'));
        const link = /<([^>]+)>;\s*rel="?next"?/.exec(response.headers.get('link') ?? '')?.[1];
        next = link ? new URL(link, base).toString() : undefined;
        if (next && new URL(next).origin !== new URL(base).origin) next = undefined;
      }
      return tags;
    },
    async digest(image) {
      const { base, repository, tag } = locate(image, endpoint);
      const response = await request(`${base}/v2/${repository}/manifests/${tag}`, 'HEAD', MANIFEST_TYPES, repository);
      if (response.status === 404) return undefined;
      if (!response.ok) throw failure(`HEAD manifest ${repository}:${tag}`, response);
      const digest = response.headers.get('docker-content-digest') ?? '';
      return /^sha256:[a-f0-9]{64}$/.test(digest) ? digest : undefined;
    },
  };
  return {
    tags: (image) => withRetry(() => client.tags(image), retry),
    digest: (image) => withRetry(() => client.digest(image), retry),
  };
}

function locate(image: string, endpoint: (registry: string) => string) {
  const reference = parseImageReference(image);
  if (!reference)
    throw new IntegrationError('registry', `"${image.slice(0, 100)}" is not an image reference`, {
      isRetryable: false,
    });
  return {
    base: endpoint(reference.registry).replace(/\/+$/, ''),
    repository: reference.repository,
    tag: reference.tag ?? 'latest',
  };
}

async function fetchToken(challenge: string | null, url: string, timeoutMs: number): Promise<string> {
  const fields = Object.fromEntries(
    [...(challenge ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((match) => [match[1].toLowerCase(), match[2]]),
  );
  if (!/^Bearer /i.test(challenge ?? '') || !fields.realm) {
    throw new IntegrationError('registry', `${new URL(url).host} asks for credentials the agent does not have`, {
      isRetryable: false,
      statusCode: 401,
    });
  }
  const realm = new URL(fields.realm);
  if (realm.protocol !== new URL(url).protocol) {
    throw new IntegrationError('registry', `token service ${realm.origin} does not use the registry's scheme`, {
      isRetryable: false,
    });
  }
  if (fields.service) realm.searchParams.set('service', fields.service);
  if (fields.scope) realm.searchParams.set('scope', fields.scope);
  const response = await fetchOnOrigin(realm.toString(), { signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok) throw failure('token', response);
  const body = (await readJson(response, MAX_TOKEN_BYTES, 'token')) as { token?: unknown; access_token?: unknown };
  const token = typeof body.token === 'string' ? body.token : body.access_token;
  if (typeof token !== 'string' || !token) {
    throw new IntegrationError('registry', 'the token service answered no token', { isRetryable: false });
  }
  return token;
}

const TAGS_PAGE = 1000;
const MAX_TAGS = 10_000;
const MAX_TAG_PAGES = 100;
/** A tags/list page of 1,000 tags of at most 128 characters is about 130 KB; a token answer a few KB. */
const MAX_TAGS_PAGE_BYTES = 1024 * 1024;
const MAX_TOKEN_BYTES = 256 * 1024;
const MAX_REDIRECTS = 5;

/**
 * fetch that follows redirects only on the origin it was sent to: a registry (or its token service) must not send the
 * agent to another host (internal addresses) or from https to http, where anyone on the path could choose the tags
 * and digests a plan patches in.
 */
async function fetchOnOrigin(url: string, init: RequestInit): Promise<Response> {
  let current = new URL(url);
  for (let hop = 0; ; hop++) {
    const response = await fetch(current, { ...init, redirect: 'manual' }).catch((error: unknown) => {
      throw new IntegrationError('registry', `${current.host} unreachable (${errorMessage(error)})`, {
        cause: error,
        isRetryable: true,
      });
    });
    const location = response.status >= 300 && response.status < 400 ? response.headers.get('location') : null;
    if (!location) return response;
    await response.body?.cancel();
    const next = new URL(location, current);
    if (next.origin !== current.origin || hop >= MAX_REDIRECTS) {
      throw new IntegrationError('registry', `${current.host} redirected to ${next.origin}: not followed`, {
        isRetryable: false,
      });
    }
    current = next;
  }
}

/** The answer's JSON, read up to `maxBytes`: a registry's answer is untrusted input like any other. */
async function readJson(response: Response, maxBytes: number, what: string): Promise<unknown> {
  const tooLarge = () =>
    new IntegrationError('registry', `${what}: answer larger than ${maxBytes} bytes`, { isRetryable: false });
  if (Number(response.headers.get('content-length') ?? 0) > maxBytes) {
    await response.body?.cancel();
    throw tooLarge();
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body ?? []) {
    size += chunk.length;
    // leaving the loop cancels the stream
    if (size > maxBytes) throw tooLarge();
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (error) {
    throw new IntegrationError('registry', `${what}: the answer is not JSON`, { cause: error, isRetryable: false });
  }
}

function failure(what: string, response: Response): IntegrationError {
  return new IntegrationError('registry', `${what}: HTTP ${response.status}`, {
    isRetryable: response.status === 429 || response.status >= 500,
    statusCode: response.status,
  });
}

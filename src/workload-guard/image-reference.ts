/** A container image reference split the way registries read it: `[registry/]repository[:tag][@digest]`. */
export interface ImageReference {
  /** Registry host as written, or `docker.io` when none is written. */
  registry: string;
  /** Repository path; Docker Hub's single-name images get their implicit `library/`. */
  repository: string;
  tag?: string;
  digest?: string;
}

const DEFAULT_REGISTRY = 'docker.io';
const LEGACY_REGISTRY = 'index.docker.io';

// The grammar of distribution/reference (what Docker, containerd and the kubelet accept), checked part by part.
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = new RegExp(`^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?$`);
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^\w[\w.-]{0,127}$/;
/** The algorithms the OCI image spec registers, each with its exact length. */
const DIGEST = /^(?:sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;
/** A repository path (with Docker Hub's `library/`) is at most 255 characters. */
const MAX_PATH = 255;

/**
 * Parses an image reference as Docker reads it (distribution/reference's ParseNormalizedNamed); undefined when it is
 * not one (so a model's free text never becomes an image). The first component is the registry when it has a dot, a
 * port or uppercase, or is `localhost`; otherwise the image is on Docker Hub.
 */
export function parseImageReference(text: string): ImageReference | undefined {
  const value = text.trim();
  if (value.length > 1024 || /^[a-f0-9]{64}$/.test(value)) return undefined; // a bare image id is no name
  let rest = value;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) return undefined;
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) return undefined;
  }
  const parts = rest.split('/');
  let registry = DEFAULT_REGISTRY;
  const first = parts[0];
  if (parts.length > 1 && (/[.:]/.test(first) || first === 'localhost' || first.toLowerCase() !== first)) {
    if (!DOMAIN.test(first)) return undefined;
    registry = parts.shift()!;
  }
  if (parts.some((part) => !PATH_COMPONENT.test(part))) return undefined;
  // `index.docker.io` is Docker Hub's old name: its single-name images are official images too.
  if ((registry === DEFAULT_REGISTRY || registry === LEGACY_REGISTRY) && parts.length === 1) parts.unshift('library');
  const repository = parts.join('/');
  if (repository.length > MAX_PATH) return undefined;
  return { registry, repository, tag, digest };
}

/** Canonical `registry/repository` used to decide "same repository". */
export function repositoryKey(reference: ImageReference): string {
  const registry = reference.registry === LEGACY_REGISTRY ? DEFAULT_REGISTRY : reference.registry;
  return `${registry}/${reference.repository}`;
}

/** The reference with another tag, written the way the original was (short Docker Hub names stay short). */
export function withTag(original: string, tag: string): string {
  const withoutDigest = original.split('@')[0];
  const lastSlash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  const base = colon > lastSlash ? withoutDigest.slice(0, colon) : withoutDigest;
  return `${base}:${tag}`;
}

/**
 * A tag read as a version: `1.25.3`, `v2.1`, `7.2.4-alpine` (the suffix is a variant that must stay the same), and a
 * trailing `-rN` as the revision of a rebuild of that version and variant (`7.2.4-debian-12-r3`, `3.10.9-r0`).
 */
export interface TagVersion {
  prefix: string;
  numbers: [number, number, number];
  /** How many numbers were written (1.25 has 2). */
  precision: number;
  /** Everything after the numbers, as written (`-debian-12-r3`). */
  suffix: string;
  /** The suffix without its revision (`-debian-12`). */
  variant: string;
  revision?: number;
}

export function parseTagVersion(tag: string): TagVersion | undefined {
  const match = /^(v?)(\d{1,9})(?:\.(\d{1,9}))?(?:\.(\d{1,9}))?((?:[-+_][A-Za-z0-9._-]*)?)$/.exec(tag);
  if (!match) return undefined;
  const written = [match[2], match[3], match[4]].filter((part) => part !== undefined);
  const suffix = match[5] ?? '';
  const revision = /^(.*)-r(\d{1,9})$/.exec(suffix);
  return {
    prefix: match[1],
    numbers: [Number(match[2]), Number(match[3] ?? 0), Number(match[4] ?? 0)],
    precision: written.length,
    suffix,
    variant: revision ? revision[1] : suffix,
    ...(revision ? { revision: Number(revision[2]) } : {}),
  };
}

/** Orders by the numbers, then by the revision when both carry one. */
export function compareVersions(left: TagVersion, right: TagVersion): number {
  for (let index = 0; index < 3; index++) {
    const difference = left.numbers[index] - right.numbers[index];
    if (difference !== 0) return Math.sign(difference);
  }
  if (left.revision !== undefined && right.revision !== undefined) return Math.sign(left.revision - right.revision);
  return 0;
}

/**
 * Compares package versions as Trivy prints them (`1.2.3-r1`, `2:1.1.1k-1+deb11u2`, `v0.35.0`): numeric runs
 * numerically, a Go module's `v` ignored, Debian's `~` before anything (`1.0~rc1` < `1.0`). An epoch (`1:`) counts
 * only when both sides carry one: an rpm or deb epoch says nothing against an upstream or tag version.
 */
export function comparePackageVersions(left: string, right: string): number {
  const parse = (text: string) => {
    const match = /^(\d+):(.*)$/.exec(text.trim());
    const rest = (match ? match[2] : text.trim()).replace(/^v(?=\d)/, '');
    return { epoch: match ? Number(match[1]) : undefined, tokens: rest.match(/\d+|[A-Za-z]+|~/g) ?? [] };
  };
  const a = parse(left);
  const b = parse(right);
  if (a.epoch !== undefined && b.epoch !== undefined && a.epoch !== b.epoch) return Math.sign(a.epoch - b.epoch);
  for (let index = 0; index < Math.max(a.tokens.length, b.tokens.length); index++) {
    const x = a.tokens[index];
    const y = b.tokens[index];
    if (x === y) continue;
    if (x === '~') return -1;
    if (y === '~') return 1;
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const numeric = /^\d/.test(x) && /^\d/.test(y);
    const difference = numeric ? Number(x) - Number(y) : x.localeCompare(y);
    if (difference !== 0) return Math.sign(difference);
  }
  return 0;
}

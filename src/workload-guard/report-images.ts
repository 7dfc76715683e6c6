import { parseImageReference, repositoryKey } from './image-reference.ts';

/** What an Operator report says it scanned: `name` is registry/repository[:tag], `image` adds the digest. */
export type OperatorImage = { name: string; image: string; tag?: string } | { refusal: string };

/**
 * The image an Operator report's `registry.server` and `artifact` name. The Operator before
 * aquasecurity/trivy-operator#3056 leaves the pod spec's spelling in `artifact.tag` of a Docker Hub
 * `name[:tag]@digest` reference (`dockurr/chrony:4.8`, `docker.io/grafana/grafana:13.2.0`): such a tag is read as that
 * reference when it names the report's own repository, and refused otherwise. Older Operators leave the tag of such a
 * reference empty; the digest then names the image.
 */
export function operatorImage(
  artifact: { repository: string; tag?: string; digest?: string },
  server: string | undefined,
): OperatorImage {
  const repository = `${server ? `${server}/` : ''}${artifact.repository}`;
  let tag = artifact.tag || undefined;
  if (tag && /[/:@]/.test(tag)) {
    const written = parseImageReference(tag);
    const own = parseImageReference(repository);
    if (!written || written.digest || !own || repositoryKey(written) !== repositoryKey(own)) {
      return { refusal: `report.artifact.tag "${tag.slice(0, 200)}" is neither a tag nor a spelling of ${repository}` };
    }
    tag = written.tag;
  }
  const name = `${repository}${tag ? `:${tag}` : ''}`;
  return { name, image: `${name}${artifact.digest ? `@${artifact.digest}` : ''}`, ...(tag ? { tag } : {}) };
}

/**
 * Same repository (registry aliases folded) and the same image: when both name a digest, the digest decides (the
 * runtime pulls the digest whatever tag stands beside it); otherwise the same tag, where only a reference with neither
 * tag nor digest means `latest` (`nginx@sha256:...` is not `nginx:latest`).
 */
export function sameImage(left: string, right: string): boolean {
  const a = parseImageReference(left);
  const b = parseImageReference(right);
  if (!a || !b) return left === right;
  if (repositoryKey(a) !== repositoryKey(b)) return false;
  if (a.digest && b.digest) return a.digest === b.digest;
  const tagOf = (reference: typeof a) => reference.tag ?? (reference.digest ? undefined : 'latest');
  return tagOf(a) === tagOf(b);
}

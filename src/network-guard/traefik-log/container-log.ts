/**
 * Traefik's line inside a container runtime's log file, for Traefik logging to stdout (its default) and the agent
 * reading the node's files:
 * - CRI (containerd, CRI-O; the kubelet's `/var/log/pods/<pod>/<container>/0.log`, linked from `/var/log/containers`):
 *   `2026-12-01T08:00:00.123456789Z stdout F <line>`, `P` for a fragment of a line longer than the runtime's limit
 *   (16 KiB by default), continued on the next line(s) of the file;
 * - Docker's json-file driver (`/var/lib/docker/containers/<id>/<id>-json.log`):
 *   `{"log":"<line>\n","stream":"stdout","time":"..."}`, the `\n` missing from a fragment the same way.
 */
export interface ContainerLine {
  /** Traefik's text. */
  body: string;
  /** A fragment: the rest of the line follows on the next line of the file. */
  partial: boolean;
}

const CRI = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2}) (?:stdout|stderr) ([PF]) /;
const DOCKER_START = '{"log":';

/** The line inside a runtime's wrapper, or undefined when the line is not wrapped (Traefik wrote it to a file). */
export function unwrapContainerLine(line: string): ContainerLine | undefined {
  const first = line.charCodeAt(0);
  if (first >= 48 && first <= 57) {
    // A CLF line starts with a digit too (an address): the fifth character tells it from a date.
    if (line.charCodeAt(4) !== 45 /* - */) return undefined;
    const match = CRI.exec(line);
    return match ? { body: line.slice(match[0].length), partial: match[1] === 'P' } : undefined;
  }
  if (!line.startsWith(DOCKER_START)) return undefined;
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch {
    return undefined;
  }
  const log = (record as { log?: unknown }).log;
  if (typeof log !== 'string') return undefined;
  const partial = !log.endsWith('\n');
  return { body: partial ? log : log.slice(0, log.endsWith('\r\n') ? -2 : -1), partial };
}

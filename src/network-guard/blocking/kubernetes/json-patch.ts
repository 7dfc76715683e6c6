/** The RFC 6902 operations the blocker emits. */
export type JsonPatchOperation =
  | { op: 'test'; path: string; value: unknown }
  | { op: 'add'; path: string; value: unknown }
  | { op: 'replace'; path: string; value: unknown }
  | { op: 'remove'; path: string };

/** `/metadata/annotations/devops-agent.io~1blocks` from path segments (RFC 6901 escaping). */
export function jsonPointer(segments: readonly (string | number)[]): string {
  return segments.map((segment) => `/${String(segment).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/** Error from applying a patch locally; `test` failures say which value differed. */
export class JsonPatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JsonPatchError';
  }
}

/**
 * Applies a patch to a copy of a document, with the same semantics the API server uses (all or nothing). Used to
 * show the result of a plan when no server answer is at hand, and to check patch building in unit tests.
 */
export function applyJsonPatch<T>(document: T, operations: readonly JsonPatchOperation[]): T {
  const root = { value: structuredClone(document) as unknown };
  for (const operation of operations) {
    const segments = ['value', ...parsePointer(operation.path)];
    const key = segments.at(-1)!;
    let parent: unknown = root;
    for (const segment of segments.slice(0, -1)) {
      parent = child(parent, segment);
      if (parent === undefined || parent === null || typeof parent !== 'object') {
        throw new JsonPatchError(`${operation.op} ${operation.path}: parent does not exist`);
      }
    }
    const container = parent as Record<string, unknown> | unknown[];
    if (operation.op === 'test') {
      if (!deepEqual(child(container, key), operation.value)) {
        throw new JsonPatchError(`test ${operation.path} failed: value differs`);
      }
    } else if (operation.op === 'remove') {
      if (child(container, key) === undefined) throw new JsonPatchError(`remove ${operation.path}: nothing there`);
      if (Array.isArray(container)) container.splice(Number(key), 1);
      else delete container[key];
    } else if (operation.op === 'replace') {
      if (child(container, key) === undefined) throw new JsonPatchError(`replace ${operation.path}: nothing there`);
      if (Array.isArray(container)) container[Number(key)] = structuredClone(operation.value);
      else container[key] = structuredClone(operation.value);
    } else if (Array.isArray(container)) {
      const index = key === '-' ? container.length : Number(key);
      container.splice(index, 0, structuredClone(operation.value));
    } else {
      container[key] = structuredClone(operation.value);
    }
  }
  return root.value as T;
}

function child(parent: unknown, key: string): unknown {
  if (Array.isArray(parent)) return parent[Number(key)];
  return parent && typeof parent === 'object' ? (parent as Record<string, unknown>)[key] : undefined;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keysA = Object.keys(a as object);
  const keysB = Object.keys(b as object);
  if (keysA.length !== keysB.length) return false;
  return keysA.every((key) => deepEqual((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
}

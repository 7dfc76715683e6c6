import { stringify } from 'yaml';
import { IpSet, parseCidr } from '../../../core/ip-address.ts';
import { lineDiff } from '../../../core/unified-diff.ts';
import {
  AGENT_NAME,
  BLOCKS_ANNOTATION,
  type BlockMark,
  type BlockMarks,
  MANAGED_BY_LABEL,
  readBlockMarks,
  writeBlockMarks,
} from './block-marks.ts';
import { canonicalEntry, parseIpList, renderIpList } from './ip-list-format.ts';
import { applyJsonPatch, type JsonPatchOperation, jsonPointer } from './json-patch.ts';
import type { BlockLocation } from './pattern-ranking.ts';

/** A Kubernetes object in wire format (what the API sends and JSON patches address). */
export type KubeObject = {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    resourceVersion?: string;
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
    [key: string]: unknown;
  };
  [key: string]: unknown;
};

export type PatchBuild =
  | { status: 'change'; operations: JsonPatchOperation[]; detail: string; entriesAfter: number }
  | { status: 'unchanged'; detail: string; preexisting?: boolean }
  | { status: 'refused'; detail: string };

/** One list inside an object: where it is, what it holds, and how to write a new version of it. */
interface ListSlot {
  pointer: string;
  /** Current value at `pointer` (undefined when the field does not exist yet). */
  current: unknown;
  entries: string[];
  render(entries: string[]): unknown;
  /** How a new entry is written in this list (NetworkPolicy wants a CIDR with its prefix). */
  spell(entry: string): string;
  label: string;
}

/**
 * The JSON patch that adds `entry` to the list of `location` inside `object`, and marks it as the agent's in the
 * `devops-agent.io/blocks` annotation. Preconditions ride in the patch (`test` on resourceVersion and on the list),
 * so the server refuses it if anyone changed the object since it was read. Blocking twice changes nothing.
 */
export function buildAddition(
  object: KubeObject,
  location: BlockLocation,
  entry: string,
  mark: BlockMark,
  maxEntries: number,
): PatchBuild {
  const slot = findSlot(object, location, entry, 'add');
  if (typeof slot === 'string') return { status: 'refused', detail: slot };
  const covering = coveringEntry(slot.entries, entry);
  if (covering !== undefined) {
    const ours = readBlockMarks(object.metadata?.annotations)[covering] !== undefined;
    return {
      status: 'unchanged',
      detail: `${entry} already blocked by ${ours ? 'the agent' : 'a hand-added'} entry ${covering} in ${slot.label}`,
      preexisting: !ours,
    };
  }
  if (slot.entries.length >= maxEntries) {
    return {
      status: 'refused',
      detail: `${slot.label} holds ${slot.entries.length} entries, the limit (blocking.max_entries ${maxEntries})`,
    };
  }
  const marks = { ...readBlockMarks(object.metadata?.annotations), [entry]: mark };
  const entries = [...slot.entries, slot.spell(entry)];
  return {
    status: 'change',
    operations: [
      ...preconditions(object, slot),
      { op: slot.current === undefined ? 'add' : 'replace', path: slot.pointer, value: slot.render(entries) },
      ...annotationOperations(object, marks),
    ],
    detail: `added ${entry} to ${slot.label}`,
    entriesAfter: entries.length,
  };
}

/**
 * The JSON patch that removes `entry` from the list, only when the agent's mark says the agent added it: an entry
 * without the mark was added by a human and is refused. A mark whose entry a human already removed is cleared.
 */
export function buildRemoval(object: KubeObject, location: BlockLocation, entry: string): PatchBuild {
  const marks = readBlockMarks(object.metadata?.annotations);
  const slot = findSlot(object, location, entry, 'remove');
  const label = typeof slot === 'string' ? describeLocation(location) : slot.label;
  const present = typeof slot === 'string' ? [] : slot.entries.filter((value) => canonicalEntry(value) === entry);
  if (!marks[entry]) {
    return present.length > 0
      ? {
          status: 'refused',
          detail: `${entry} in ${label} has no devops-agent mark (${BLOCKS_ANNOTATION}): it was added by hand and is left alone`,
        }
      : { status: 'unchanged', detail: `${entry} is not in ${label}` };
  }
  const { [entry]: _removed, ...rest } = marks;
  const operations: JsonPatchOperation[] = [];
  if (typeof slot !== 'string' && present.length > 0) {
    const entries = slot.entries.filter((value) => canonicalEntry(value) !== entry);
    operations.push(...preconditions(object, slot), {
      op: 'replace',
      path: slot.pointer,
      value: slot.render(entries),
    });
  } else {
    operations.push(resourceVersionTest(object));
  }
  operations.push(...annotationOperations(object, rest));
  return {
    status: 'change',
    operations,
    detail:
      present.length > 0
        ? `removed ${entry} from ${label}`
        : `${entry} was already gone from ${label}; cleared the agent's mark`,
    entriesAfter: typeof slot === 'string' ? 0 : slot.entries.length - present.length,
  };
}

/** A complete NetworkPolicy for the fallback: every address may reach Traefik except the blocked ones. */
export function buildFallbackPolicy(
  location: Extract<BlockLocation, { pattern: 'networkpolicy-fallback' }>,
  entry: string,
  mark: BlockMark,
): KubeObject {
  const ipv6 = parseCidr(entry)?.family === 'ipv6';
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: {
      name: location.name,
      namespace: location.namespace,
      labels: { [MANAGED_BY_LABEL]: AGENT_NAME },
      annotations: {
        [BLOCKS_ANNOTATION]: writeBlockMarks({ [entry]: mark }),
        'devops-agent.io/note':
          'Blocks only work when client IPs reach the Traefik pods (Service externalTrafficPolicy: Local) and the CNI enforces NetworkPolicy.',
      },
    },
    spec: {
      podSelector: { matchLabels: location.podSelector },
      policyTypes: ['Ingress'],
      ingress: [
        {
          from: [
            // The API server drops an empty `except`; leaving it out keeps what we send equal to what is stored.
            { ipBlock: ipv6 ? { cidr: '0.0.0.0/0' } : { cidr: '0.0.0.0/0', except: [withPrefix(entry)] } },
            { ipBlock: ipv6 ? { cidr: '::/0', except: [withPrefix(entry)] } : { cidr: '::/0' } },
            // Traffic from inside the cluster (probes, other pods) is not what this policy is about: keep it.
            { namespaceSelector: {} },
          ],
        },
      ],
    },
  };
}

/** A readable view of the part of an object a block touches, for diffs. */
export function objectView(object: KubeObject | undefined): string {
  if (!object) return '';
  const {
    managedFields: _managed,
    uid: _uid,
    creationTimestamp: _created,
    generation: _generation,
    resourceVersion: _version,
    ...metadata
  } = object.metadata ?? {};
  const { apiVersion, kind, metadata: _metadata, status: _status, ...body } = object;
  const annotations = metadata.annotations ? { ...metadata.annotations } : undefined;
  if (annotations?.[BLOCKS_ANNOTATION]) {
    try {
      // One line per entry: the annotation diff then shows exactly which mark was added or removed.
      annotations[BLOCKS_ANNOTATION] = JSON.stringify(JSON.parse(annotations[BLOCKS_ANNOTATION]), null, 1);
    } catch {}
  }
  return stringify({ apiVersion, kind, metadata: { ...metadata, annotations }, ...body }, { lineWidth: 0 });
}

/** Diff of an object before and after a patch (applied locally when the server's dry-run answer is not given). */
export function patchDiff(
  before: KubeObject | undefined,
  operations: readonly JsonPatchOperation[],
  label: string,
  after?: KubeObject,
): string {
  const result = after ?? (before ? applyJsonPatch(before, operations) : undefined);
  return lineDiff(objectView(before), objectView(result), label);
}

export function describeLocation(location: BlockLocation): string {
  if (location.kind === 'Middleware') {
    return `Middleware ${location.namespace}/${location.name} (${location.group}) ${location.path.slice(1).join('.')}`;
  }
  if (location.kind === 'ConfigMap') return `ConfigMap ${location.namespace}/${location.name} key ${location.key}`;
  return `NetworkPolicy ${location.namespace}/${location.name}`;
}

function findSlot(
  object: KubeObject,
  location: BlockLocation,
  entry: string,
  purpose: 'add' | 'remove',
): ListSlot | string {
  const label = describeLocation(location);
  if (location.kind === 'Middleware') {
    const current = location.path.reduce<unknown>(
      (node, key) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined),
      object,
    );
    if (!Array.isArray(current) || !current.every((value) => typeof value === 'string')) {
      return `${label} is no longer a list of addresses`;
    }
    return {
      pointer: jsonPointer(location.path),
      current,
      entries: current,
      render: (entries) => entries,
      spell: (value) => value,
      label,
    };
  }
  if (location.kind === 'ConfigMap') {
    const data = object.data as Record<string, string> | undefined;
    const text = data?.[location.key];
    const list = parseIpList(text ?? '', true);
    if (!list) return `${label} no longer holds an IP list`;
    return {
      pointer: data ? jsonPointer(['data', location.key]) : '/data',
      current: data ? text : undefined,
      entries: list.entries,
      render: (entries) =>
        data
          ? renderIpList(text ?? '', list.format, entries)
          : { [location.key]: renderIpList('', list.format, entries) },
      spell: (value) => value,
      label,
    };
  }
  const family = parseCidr(entry)?.family;
  const blocks = ipBlocks(object);
  const block =
    purpose === 'remove'
      ? blocks.find((candidate) => candidate.except.some((value) => canonicalEntry(value) === entry))
      : blocks.find(
          (candidate) => parseCidr(candidate.cidr)?.family === family && new IpSet([candidate.cidr]).coversCidr(entry),
        );
  if (!block) {
    return purpose === 'remove'
      ? `${label} has no ipBlock listing ${entry}`
      : `${label} has no ipBlock containing ${entry}`;
  }
  return {
    pointer: `${block.pointer}/except`,
    current: block.hasExcept ? block.except : undefined,
    entries: block.except,
    render: (entries) => entries,
    spell: withPrefix,
    label: `${label} ipBlock ${block.cidr} except`,
  };
}

function ipBlocks(object: KubeObject): { pointer: string; cidr: string; except: string[]; hasExcept: boolean }[] {
  const found: { pointer: string; cidr: string; except: string[]; hasExcept: boolean }[] = [];
  const ingress = ((object.spec as Record<string, unknown> | undefined)?.ingress ?? []) as {
    from?: { ipBlock?: { cidr?: string; except?: string[] } }[];
  }[];
  ingress.forEach((rule, ruleIndex) => {
    (rule?.from ?? []).forEach((peer, peerIndex) => {
      if (typeof peer?.ipBlock?.cidr !== 'string') return;
      found.push({
        pointer: jsonPointer(['spec', 'ingress', ruleIndex, 'from', peerIndex, 'ipBlock']),
        cidr: peer.ipBlock.cidr,
        except: Array.isArray(peer.ipBlock.except) ? peer.ipBlock.except : [],
        hasExcept: Array.isArray(peer.ipBlock.except),
      });
    });
  });
  return found;
}

function preconditions(object: KubeObject, slot: ListSlot): JsonPatchOperation[] {
  const tests: JsonPatchOperation[] = [resourceVersionTest(object)];
  if (slot.current !== undefined) tests.push({ op: 'test', path: slot.pointer, value: slot.current });
  return tests;
}

function resourceVersionTest(object: KubeObject): JsonPatchOperation {
  return { op: 'test', path: '/metadata/resourceVersion', value: object.metadata?.resourceVersion ?? '' };
}

function annotationOperations(object: KubeObject, marks: BlockMarks): JsonPatchOperation[] {
  const annotations = object.metadata?.annotations;
  const empty = Object.keys(marks).length === 0;
  if (!annotations)
    return empty
      ? []
      : [{ op: 'add', path: '/metadata/annotations', value: { [BLOCKS_ANNOTATION]: writeBlockMarks(marks) } }];
  const path = jsonPointer(['metadata', 'annotations', BLOCKS_ANNOTATION]);
  if (empty) return annotations[BLOCKS_ANNOTATION] === undefined ? [] : [{ op: 'remove', path }];
  return [{ op: 'add', path, value: writeBlockMarks(marks) }];
}

/** The existing entry that already blocks `entry` (the same address, or a network containing it). */
function coveringEntry(entries: readonly string[], entry: string): string | undefined {
  for (const value of entries) {
    const canonical = canonicalEntry(value);
    if (!canonical) continue;
    if (canonical === entry) return value;
    if (canonical.includes('/') && new IpSet([canonical]).coversCidr(entry)) return value;
  }
  return undefined;
}

/** `1.2.3.4` → `1.2.3.4/32`: NetworkPolicy ipBlock fields accept only CIDR notation. */
export function withPrefix(entry: string): string {
  const cidr = parseCidr(entry);
  if (!cidr) return entry;
  return `${cidr.address}/${cidr.prefix}`;
}

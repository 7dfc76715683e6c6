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
import { ipBlockAdmits, ipBlockHoldsPart } from './network-policy-admission.ts';
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
  const slots = findSlots(object, location, entry, 'add');
  if (typeof slots === 'string') return { status: 'refused', detail: slots };
  // A NetworkPolicy may admit the entry through several ipBlocks (rules, ports): each one gets it in except.
  const open = slots.filter((slot) => coveringEntry(slot.entries, entry) === undefined);
  if (open.length === 0) {
    const covering = coveringEntry(slots[0].entries, entry)!;
    const ours = readBlockMarks(object.metadata?.annotations)[covering] !== undefined;
    return {
      status: 'unchanged',
      detail: `${entry} already blocked by ${ours ? 'the agent' : 'a hand-added'} entry ${covering} in ${slots[0].label}`,
      preexisting: !ours,
    };
  }
  const full = open.find((slot) => slot.entries.length >= maxEntries);
  if (full) {
    return {
      status: 'refused',
      detail: `${full.label} holds ${full.entries.length} entries, the limit (blocking.max_entries ${maxEntries})`,
    };
  }
  const marks = { ...readBlockMarks(object.metadata?.annotations), [entry]: mark };
  return {
    status: 'change',
    operations: [
      ...preconditions(object, open),
      ...open.map(
        (slot): JsonPatchOperation => ({
          op: slot.current === undefined ? 'add' : 'replace',
          path: slot.pointer,
          value: slot.render([...slot.entries, slot.spell(entry)]),
        }),
      ),
      ...annotationOperations(object, marks),
    ],
    detail: `added ${entry} to ${open.map((slot) => slot.label).join(', ')}`,
    entriesAfter: Math.max(...open.map((slot) => slot.entries.length + 1)),
  };
}

/**
 * The JSON patch that removes `entry` from the list, only when the agent's mark says the agent added it: an entry
 * without the mark was added by a human and is refused. A mark whose entry a human already removed is cleared.
 */
export function buildRemoval(object: KubeObject, location: BlockLocation, entry: string): PatchBuild {
  const marks = readBlockMarks(object.metadata?.annotations);
  const found = findSlots(object, location, entry, 'remove');
  const slots = typeof found === 'string' ? [] : found;
  const label = slots.length === 0 ? describeLocation(location) : slots.map((slot) => slot.label).join(', ');
  const listing = slots.filter((slot) => slot.entries.some((value) => canonicalEntry(value) === entry));
  if (!marks[entry]) {
    return listing.length > 0
      ? {
          status: 'refused',
          detail: `${entry} in ${label} has no devops-agent mark (${BLOCKS_ANNOTATION}): it was added by hand and is left alone`,
        }
      : { status: 'unchanged', detail: `${entry} is not in ${label}` };
  }
  const { [entry]: _removed, ...rest } = marks;
  const operations: JsonPatchOperation[] = [];
  if (listing.length > 0) {
    operations.push(
      ...preconditions(object, listing),
      ...listing.map(
        (slot): JsonPatchOperation => ({
          op: 'replace',
          path: slot.pointer,
          value: slot.render(slot.entries.filter((value) => canonicalEntry(value) !== entry)),
        }),
      ),
    );
  } else {
    operations.push(resourceVersionTest(object));
  }
  operations.push(...annotationOperations(object, rest));
  return {
    status: 'change',
    operations,
    detail:
      listing.length > 0
        ? `removed ${entry} from ${label}`
        : `${entry} was already gone from ${label}; cleared the agent's mark`,
    entriesAfter: Math.max(
      0,
      ...listing.map((slot) => slot.entries.filter((value) => canonicalEntry(value) !== entry).length),
    ),
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

function findSlots(
  object: KubeObject,
  location: BlockLocation,
  entry: string,
  purpose: 'add' | 'remove',
): ListSlot[] | string {
  const label = describeLocation(location);
  if (location.kind === 'Middleware') {
    const current = location.path.reduce<unknown>(
      (node, key) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined),
      object,
    );
    if (!Array.isArray(current) || !current.every((value) => typeof value === 'string')) {
      return `${label} is no longer a list of addresses`;
    }
    return [
      {
        pointer: jsonPointer(location.path),
        current,
        entries: current,
        render: (entries) => entries,
        spell: (value) => value,
        label,
      },
    ];
  }
  if (location.kind === 'ConfigMap') {
    const data = object.data as Record<string, string> | undefined;
    const text = data?.[location.key];
    const list = parseIpList(text ?? '', true);
    if (!list) return `${label} no longer holds an IP list`;
    return [
      {
        pointer: data ? jsonPointer(['data', location.key]) : '/data',
        current: data ? text : undefined,
        entries: list.entries,
        render: (entries) =>
          data
            ? renderIpList(text ?? '', list.format, entries)
            : { [location.key]: renderIpList('', list.format, entries) },
        spell: (value) => value,
        label,
      },
    ];
  }
  const blocks = ipBlocks(object);
  const slot = (block: (typeof blocks)[number]): ListSlot => ({
    pointer: `${block.pointer}/except`,
    current: block.hasExcept ? block.except : undefined,
    entries: block.except,
    render: (entries) => entries,
    spell: withPrefix,
    label: `${label} ipBlock ${block.cidr} except`,
  });
  if (purpose === 'remove') {
    const listing = blocks.filter((block) => block.except.some((value) => canonicalEntry(value) === entry));
    return listing.length > 0 ? listing.map(slot) : `${label} has no ipBlock listing ${entry}`;
  }
  const refusal = networkPolicyRefusal(object, label, entry, blocks);
  if (refusal) return refusal;
  const admitting = blocks.filter((block) => ipBlockAdmits(block, entry));
  if (admitting.length > 0) return admitting.map(slot);
  // Nothing admits it here: an except already covering it makes the block `unchanged`.
  const covered = blocks.filter((block) => ipBlockAdmits({ cidr: block.cidr, except: [] }, entry));
  return covered.length > 0 ? covered.map(slot) : `${label} has no ipBlock containing ${entry}`;
}

/** Why an except in this NetworkPolicy cannot deny `entry` on every port (read again from the object itself). */
function networkPolicyRefusal(
  object: KubeObject,
  label: string,
  entry: string,
  blocks: ReturnType<typeof ipBlocks>,
): string | undefined {
  const spec = (object.spec ?? {}) as { policyTypes?: string[]; ingress?: { from?: unknown[] }[] };
  if (spec.policyTypes && !spec.policyTypes.includes('Ingress')) {
    return `${label} has no Ingress in policyTypes: its ingress rules are not in force, an except there would block nothing`;
  }
  const open = (spec.ingress ?? []).findIndex((rule) => !rule?.from || rule.from.length === 0);
  if (open >= 0) {
    return `${label} ingress rule ${open} has no from: it admits every source (${entry} too) on its ports, no except can deny it`;
  }
  const part = blocks.find((block) => ipBlockHoldsPart(block, entry));
  if (part) return `${label} admits ${part.cidr}, a part of ${entry}: an except must lie inside its cidr`;
  return undefined;
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

function preconditions(object: KubeObject, slots: readonly ListSlot[]): JsonPatchOperation[] {
  return [
    resourceVersionTest(object),
    ...slots
      .filter((slot) => slot.current !== undefined)
      .map((slot): JsonPatchOperation => ({ op: 'test', path: slot.pointer, value: slot.current })),
  ];
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

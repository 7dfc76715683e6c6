import type { KubernetesSettings } from '../../../config/sections/kubernetes.ts';
import { errorMessage, IntegrationError } from '../../../core/errors.ts';
import { cidrBounds, formatCidr, IpSet, parseCidr } from '../../../core/ip-address.ts';
import { isExhausted, markRetriesExhausted, withRetry } from '../../../core/retry.ts';
import { createKubeClients, type KubeClients } from '../../../kubernetes/kube-client.ts';
import { KubernetesApiError } from '../../../kubernetes/kubernetes-api-error.ts';
import { PRIVATE_RANGES } from '../block-policy.ts';
import type { ActionResult, Blocker, BlockPlan, BlockRequest } from '../blocker.ts';
import { listingLocations, markedLocations } from './block-locations.ts';
import { AGENT_NAME, type BlockMark } from './block-marks.ts';
import {
  buildAddition,
  buildFallbackPolicy,
  buildRemoval,
  describeLocation,
  type KubeObject,
  type PatchBuild,
  patchDiff,
} from './block-patch.ts';
import { KubeObjectClient } from './kube-object-client.ts';
import { type BlockLocation, type PatternChoice, rankPatterns } from './pattern-ranking.ts';
import { discoverTraefik } from './traefik-discovery.ts';
import type { TraefikInventory } from './traefik-inventory.ts';

export interface KubernetesBlockerSettings extends KubernetesSettings {
  max_entries: number;
  protect_private_ranges: boolean;
  /** blocking.protected_ranges */
  protected_ranges: string[];
}

export interface KubernetesBlockerOptions {
  clients?: KubeClients;
  now?: () => Date;
}

/** Raised inside the blocker for outcomes that are answers, not bugs (protected target, no pattern). */
export class BlockRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BlockRefused';
  }
}

/**
 * Blocks an IP the way the cluster already does (see rankPatterns): adds it to the chosen list with a JSON patch
 * that carries its own preconditions, after a server-side dry run, retrying a bounded number of times when someone
 * else changed the object meanwhile (409 or failed `test`). Each entry it adds is marked in the object's
 * `devops-agent.io/blocks` annotation; revert removes only marked entries.
 */
export class KubernetesBlocker implements Blocker {
  readonly kind = 'kubernetes';
  readonly #settings: KubernetesBlockerSettings;
  readonly #options: KubernetesBlockerOptions;
  #clients?: KubeClients;

  constructor(settings: KubernetesBlockerSettings, options: KubernetesBlockerOptions = {}) {
    this.#settings = settings;
    this.#options = options;
    this.#clients = options.clients;
  }

  get clients(): KubeClients {
    this.#clients ??= createKubeClients(this.#settings, { rbacManifest: 'deploy/kubernetes/network-guard-rbac.yaml' });
    return this.#clients;
  }

  get #objects(): KubeObjectClient {
    return new KubeObjectClient(this.clients, this.#settings.field_manager);
  }

  /** Discovery plus the ranked choice, as `devops-agent k8s patterns` shows it. */
  async inspect(target?: string): Promise<{ inventory: TraefikInventory; choice: PatternChoice }> {
    const inventory = await discoverTraefik(this.clients, this.#settings);
    const family = target ? parseCidr(target)?.family : undefined;
    const choice = rankPatterns(inventory, {
      pattern: this.#settings.pattern,
      target: this.#settings.target,
      fallbackName: this.#settings.fallback_network_policy,
      family,
      entry: target,
    });
    return { inventory, choice };
  }

  /** The entry actually written for a target: canonical, and the whole /64 for IPv6 when configured. */
  entryFor(target: string): string {
    const cidr = parseCidr(target);
    if (!cidr) throw new BlockRefused(`not an IP address or CIDR: ${JSON.stringify(target)}`);
    if (this.#settings.collapse_ipv6_to_64 && cidr.family === 'ipv6' && cidr.prefix > 64) {
      const [first] = cidrBounds({ ...cidr, prefix: 64 });
      return `${first}/64`;
    }
    return formatCidr(cidr);
  }

  async plan(request: BlockRequest): Promise<BlockPlan> {
    const entry = this.entryFor(request.target);
    const { inventory, choice } = await this.inspect(entry);
    this.#refuseProtected(entry, inventory);
    if (!choice.chosen && choice.alreadyDenied) {
      const detail = choice.alreadyDenied.detail;
      return { blocker: this.kind, object: 'NetworkPolicies', diff: '', alreadyBlocked: true, patch: { detail } };
    }
    const location = this.#chosen(choice);
    const mark = this.#mark(request);
    const object = await this.#objects.read(location);
    const label = describeLocation(location);
    if (!object && location.pattern === 'networkpolicy-fallback') {
      const created = buildFallbackPolicy(location, entry, mark);
      const result = await this.#objects.create(location, created, true);
      return {
        blocker: this.kind,
        object: `${label} (new)`,
        diff: patchDiff(undefined, [], label, result),
        alreadyBlocked: false,
        patch: { pattern: location.pattern, create: created, reason: choice.chosen!.reason, warnings: choice.warnings },
      };
    }
    if (!object) throw new BlockRefused(`${label} disappeared since discovery`);
    const build = buildAddition(object, location, entry, mark, this.#settings.max_entries);
    if (build.status === 'refused') throw new BlockRefused(build.detail);
    if (build.status === 'unchanged') {
      return { blocker: this.kind, object: label, diff: '', alreadyBlocked: true, patch: { detail: build.detail } };
    }
    const result = await this.#objects.patch(location, build.operations, true);
    return {
      blocker: this.kind,
      object: label,
      diff: patchDiff(object, build.operations, label, result),
      alreadyBlocked: false,
      patch: {
        pattern: location.pattern,
        operations: build.operations,
        dryRun: 'accepted by the API server',
        reason: choice.chosen!.reason,
        warnings: choice.warnings,
      },
    };
  }

  async apply(request: BlockRequest): Promise<ActionResult> {
    return this.#guard(async () => {
      const entry = this.entryFor(request.target);
      const { inventory, choice } = await this.inspect(entry);
      this.#refuseProtected(entry, inventory);
      if (!choice.chosen && choice.alreadyDenied) {
        const { detail, byAgent } = choice.alreadyDenied;
        return { status: 'unchanged', detail, preexisting: !byAgent };
      }
      const location = this.#chosen(choice);
      const mark = this.#mark(request);
      return this.#withConflictRetries(location, async (object) => {
        if (!object && location.pattern === 'networkpolicy-fallback') {
          const created = buildFallbackPolicy(location, entry, mark);
          await this.#objects.create(location, created, true);
          await this.#objects.create(location, created, false);
          return {
            status: 'change',
            operations: [],
            detail: `created ${describeLocation(location)} blocking ${entry}`,
            entriesAfter: 1,
          };
        }
        if (!object) throw new BlockRefused(`${describeLocation(location)} disappeared since discovery`);
        return buildAddition(object, location, entry, mark, this.#settings.max_entries);
      });
    });
  }

  async revert(target: string): Promise<ActionResult> {
    return this.#guard(async () => {
      const entry = this.entryFor(target);
      const inventory = await discoverTraefik(this.clients, this.#settings);
      const marked = markedLocations(inventory, entry);
      if (marked.length === 0) {
        const listed = listingLocations(inventory, entry);
        if (listed.length > 0) {
          return {
            status: 'failed',
            error: `refused: ${entry} is in ${listed.join(', ')} without devops-agent's mark: it was added by hand and is left alone`,
            isRetryable: false,
          };
        }
        return { status: 'unchanged', detail: `${entry} is not in any object devops-agent manages` };
      }
      const details: string[] = [];
      for (const location of marked) {
        const result = await this.#withConflictRetries(location, async (object) =>
          object
            ? buildRemoval(object, location, entry)
            : { status: 'unchanged', detail: `${describeLocation(location)} is gone` },
        );
        if (result.status === 'failed') return result;
        details.push(result.detail);
      }
      return { status: 'applied', detail: details.join('; ') };
    });
  }

  /**
   * Read, build, dry-run, apply; on a conflict read again and rebuild (bounded, through src/core/retry.ts). Only
   * conflicts are retried here: transient failures were already retried, once, by the Kubernetes client.
   */
  async #withConflictRetries(
    location: BlockLocation,
    build: (object: KubeObject | undefined) => Promise<PatchBuild>,
  ): Promise<ActionResult> {
    const attempts = this.#settings.conflict_retries + 1;
    try {
      // Several writers racing on one object: a short, growing, jittered pause lets one of them win each round.
      return await withRetry(
        async () => {
          try {
            return await this.#readBuildApply(location, build);
          } catch (error) {
            const conflict =
              error instanceof KubernetesApiError &&
              (error.reason === 'conflict' ||
                (error.reason === 'not_found' && location.pattern === 'networkpolicy-fallback'));
            if (conflict) throw new ObjectChanged(error);
            throw error;
          }
        },
        { attempts, baseDelayMs: 25, maxDelayMs: 250, totalTimeMs: 30_000 },
      );
    } catch (error) {
      if (!(error instanceof ObjectChanged)) throw error;
      const result: ActionResult = {
        status: 'failed',
        error: `${describeLocation(location)} kept changing: gave up after ${attempts} conflicting attempts (${errorMessage(error.cause)})`,
        isRetryable: true,
      };
      markRetriesExhausted(result);
      return result;
    }
  }

  async #readBuildApply(
    location: BlockLocation,
    build: (object: KubeObject | undefined) => Promise<PatchBuild>,
  ): Promise<ActionResult> {
    const object = await this.#objects.read(location);
    const result = await build(object);
    if (result.status === 'refused')
      return { status: 'failed', error: `refused: ${result.detail}`, isRetryable: false };
    if (result.status === 'unchanged')
      return { status: 'unchanged', detail: result.detail, preexisting: result.preexisting };
    if (result.operations.length > 0) {
      await this.#objects.patch(location, result.operations, true);
      await this.#objects.patch(location, result.operations, false);
    }
    return { status: 'applied', detail: result.detail };
  }

  async #guard(run: () => Promise<ActionResult>): Promise<ActionResult> {
    try {
      return await run();
    } catch (error) {
      if (error instanceof BlockRefused)
        return { status: 'failed', error: `refused: ${error.message}`, isRetryable: false };
      if (error instanceof KubernetesApiError) {
        const result: ActionResult = { status: 'failed', error: error.message, isRetryable: error.isRetryable };
        // The client already retried this failure: the block executor must not retry it again.
        if (isExhausted(error)) markRetriesExhausted(result);
        return result;
      }
      throw error;
    }
  }

  #chosen(choice: PatternChoice): BlockLocation {
    if (!choice.chosen) throw new BlockRefused(choice.warnings.join('; '));
    return choice.chosen.location;
  }

  #mark(request: BlockRequest): BlockMark {
    return {
      incident: request.incidentId,
      expires: request.expiresAt,
      addedAt: (this.#options.now?.() ?? new Date()).toISOString(),
      by: AGENT_NAME,
    };
  }

  /** Never block the cluster itself: node IPs, pod/service networks, Traefik's own addresses, private ranges. */
  #refuseProtected(entry: string, inventory: TraefikInventory): void {
    const ranges = [
      ...(this.#settings.protect_private_ranges ? PRIVATE_RANGES.map((cidr) => ({ cidr, why: 'private range' })) : []),
      ...this.#settings.protected_ranges.map((cidr) => ({ cidr, why: 'blocking.protected_ranges' })),
      ...inventory.protectedRanges,
    ];
    const entryCidr = parseCidr(entry)!;
    const entrySet = new IpSet([entry]);
    for (const range of ranges) {
      const rangeCidr = parseCidr(range.cidr);
      if (!rangeCidr || rangeCidr.family !== entryCidr.family) continue;
      if (new IpSet([range.cidr]).has(entryCidr.address) || entrySet.has(cidrBounds(rangeCidr)[0])) {
        throw new BlockRefused(`${entry} overlaps protected ${range.cidr} (${range.why})`);
      }
    }
  }
}

/** A write lost an optimistic-concurrency race (409, failed patch precondition): read again and rebuild. */
class ObjectChanged extends IntegrationError {
  constructor(cause: KubernetesApiError) {
    super('kubernetes', cause.message, { cause, isRetryable: true });
    this.name = 'ObjectChanged';
  }
}

import {
  type ConfigurationOptions,
  type CoreV1Event,
  PatchStrategy,
  setHeaderOptions,
  type V1Deployment,
} from '@kubernetes/client-node';
import type { Config } from '../config/schema.ts';
import { createKubeClients, type KubeClients } from '../kubernetes/kube-client.ts';
import { describeOperation, type KubeOperation, KubernetesApiError } from '../kubernetes/kubernetes-api-error.ts';
import type { WorkloadInventory } from './pod-health.ts';
import { readPodLog } from './pod-log-reader.ts';
import type { PatchableKind, PodTemplateWorkload } from './pod-template-workloads.ts';
import { VULNERABILITY_REPORT_RESOURCE, type VulnerabilityReportObject } from './trivy-reports.ts';

export const WORKLOAD_RBAC_FILE = 'deploy/kubernetes/workload-guard-rbac.yaml';

/** VulnerabilityReports per list request (one report of a large image is a few hundred KB). */
const REPORT_PAGE = 50;
/** Pods, ReplicaSets, Deployments per list request. */
const INVENTORY_PAGE = 500;
/** Warning Events per list request (about 1 KB each), as kubectl pages them. */
const EVENT_PAGE = 500;
/** Pages of events read per check (50,000 events), and events kept for the pods checked. */
const MAX_EVENT_PAGES = 100;
const MAX_KEPT_EVENTS = 5_000;

export type PatchType = 'json' | 'strategic';

/** The resource each patchable kind is read and patched as (the Role's `get` and `patch` rules). */
const RESOURCES: Record<PatchableKind, string> = {
  Deployment: 'deployments.apps',
  StatefulSet: 'statefulsets.apps',
  DaemonSet: 'daemonsets.apps',
  CronJob: 'cronjobs.batch',
};

/** One page of a list request: `page` holds the continue token of the page before, if any. */
type ListPage = (page: { _continue?: string }, options: ConfigurationOptions) => Promise<unknown>;

/**
 * The only Kubernetes operations the workload guard performs: list pods, replicasets, deployments, statefulsets,
 * daemonsets, cronjobs, jobs and vulnerabilityreports; get and patch deployments, statefulsets, daemonsets and cronjobs. Nothing else is reachable from here, which keeps the code inside
 * the Role in deploy/kubernetes/workload-guard-rbac.yaml.
 */
export class WorkloadCluster {
  readonly clients: KubeClients;
  readonly fieldManager: string;

  constructor(clients: KubeClients, fieldManager = 'devops-agent') {
    this.clients = clients;
    this.fieldManager = fieldManager;
  }

  static fromConfig(config: Config): WorkloadCluster {
    const settings = config.kubernetes ?? {};
    return new WorkloadCluster(createKubeClients(settings), config.kubernetes?.field_manager ?? 'devops-agent');
  }

  /**
   * Pods, ReplicaSets and Deployments of the namespaces (all namespaces when the list is empty), listed 500 at a time
   * as kubectl does: one response of a large cluster's pods is tens of MB, built and sent by the API server at once.
   */
  async inventory(namespaces: readonly string[], limit = INVENTORY_PAGE): Promise<WorkloadInventory> {
    const inventory: WorkloadInventory = { pods: [], replicaSets: [], deployments: [] };
    const all = async <T>(operation: KubeOperation, list: ListPage, into: T[]) => {
      for await (const items of this.#listPages<T>(operation, list)) for (const item of items) into.push(item);
    };
    const { core, apps } = this.clients;
    for (const namespace of namespaces.length > 0 ? namespaces : [undefined]) {
      await Promise.all([
        all(
          { verb: 'list', resource: 'pods', namespace },
          (page, options) =>
            namespace
              ? core.listNamespacedPod({ namespace, limit, ...page }, options)
              : core.listPodForAllNamespaces({ limit, ...page }, options),
          inventory.pods,
        ),
        all(
          { verb: 'list', resource: 'replicasets.apps', namespace },
          (page, options) =>
            namespace
              ? apps.listNamespacedReplicaSet({ namespace, limit, ...page }, options)
              : apps.listReplicaSetForAllNamespaces({ limit, ...page }, options),
          inventory.replicaSets,
        ),
        all(
          { verb: 'list', resource: 'deployments.apps', namespace },
          (page, options) =>
            namespace
              ? apps.listNamespacedDeployment({ namespace, limit, ...page }, options)
              : apps.listDeploymentForAllNamespaces({ limit, ...page }, options),
          inventory.deployments,
        ),
      ]);
      await this.#otherWorkloads(namespace, limit, inventory);
    }
    return inventory;
  }

  /**
   * StatefulSets, DaemonSets, CronJobs and Jobs, read so their images are checked (Jobs are never patched). A Job a
   * CronJob created is left out: the CronJob's template is the one to fix. A kind the Role does not let us list (one
   * bound before these were added) is named in `unlisted` and the check goes on.
   */
  async #otherWorkloads(namespace: string | undefined, limit: number, inventory: WorkloadInventory): Promise<void> {
    const { apps, batch } = this.clients;
    const kinds: Array<[string, string, ListPage]> = [
      [
        'StatefulSet',
        'statefulsets.apps',
        (page, options) =>
          namespace
            ? apps.listNamespacedStatefulSet({ namespace, limit, ...page }, options)
            : apps.listStatefulSetForAllNamespaces({ limit, ...page }, options),
      ],
      [
        'DaemonSet',
        'daemonsets.apps',
        (page, options) =>
          namespace
            ? apps.listNamespacedDaemonSet({ namespace, limit, ...page }, options)
            : apps.listDaemonSetForAllNamespaces({ limit, ...page }, options),
      ],
      [
        'CronJob',
        'cronjobs.batch',
        (page, options) =>
          namespace
            ? batch.listNamespacedCronJob({ namespace, limit, ...page }, options)
            : batch.listCronJobForAllNamespaces({ limit, ...page }, options),
      ],
      [
        'Job',
        'jobs.batch',
        (page, options) =>
          namespace
            ? batch.listNamespacedJob({ namespace, limit, ...page }, options)
            : batch.listJobForAllNamespaces({ limit, ...page }, options),
      ],
    ];
    inventory.otherWorkloads ??= [];
    for (const [kind, resource, list] of kinds) {
      try {
        for await (const items of this.#listPages<PodTemplateWorkload>({ verb: 'list', resource, namespace }, list)) {
          for (const item of items) {
            const owner = item.metadata?.ownerReferences?.find((reference) => reference.controller);
            if (kind === 'Job' && owner?.kind === 'CronJob') continue;
            inventory.otherWorkloads.push({ ...item, kind });
          }
        }
      } catch (error) {
        if (!(error instanceof KubernetesApiError && error.reason === 'forbidden')) throw error;
        inventory.unlisted = [...(inventory.unlisted ?? []), `${resource}${namespace ? ` in ${namespace}` : ''}`];
      }
    }
  }

  /**
   * Trivy Operator reports, handed to `read` a page at a time (`limit` and `continue`): a report can hold thousands
   * of entries, so a large cluster's reports in one response, and all of them held at once, could exhaust memory;
   * `read` keeps what it needs of a page and the page goes. `installed: false` when the CRD is not served (the
   * operator is not installed).
   */
  async vulnerabilityReports(
    namespaces: readonly string[],
    read: (reports: readonly VulnerabilityReportObject[]) => void,
    pageSize = REPORT_PAGE,
  ): Promise<{ installed: boolean; pages: number }> {
    const { group, version, plural } = VULNERABILITY_REPORT_RESOURCE;
    let pages = 0;
    try {
      for (const namespace of namespaces.length > 0 ? namespaces : [undefined]) {
        const operation: KubeOperation = { verb: 'list', resource: `${plural}.${group}`, namespace };
        const listed = this.#listPages<VulnerabilityReportObject>(operation, (page, options) =>
          namespace
            ? this.clients.customObjects.listNamespacedCustomObject(
                { group, version, namespace, plural, limit: pageSize, ...page },
                options,
              )
            : this.clients.customObjects.listClusterCustomObject(
                { group, version, plural, limit: pageSize, ...page },
                options,
              ),
        );
        for await (const items of listed) {
          pages++;
          read(items);
        }
      }
    } catch (error) {
      if (error instanceof KubernetesApiError && error.reason === 'not_found') return { installed: false, pages };
      throw error;
    }
    return { installed: true, pages };
  }

  /**
   * Warning Events about pods (FailedMount, FailedCreatePodSandBox, Unhealthy...): causes a pod status does not carry.
   * Only with `workloads.events` on; needs deploy/kubernetes/workload-guard-events-rbac.yaml (list events).
   *
   * Listed `pageSize` at a time, every page, keeping only the events `wanted` (those of the pods checked now): most
   * of a busy cluster's warnings are about pods long gone (a crash-looping Job's), and the list is in name order,
   * not time order, so one page of them said nothing about the pods that matter. At most `maxPages` pages
   * (`truncated` then) and MAX_KEPT_EVENTS events.
   */
  async podWarningEvents(
    namespaces: readonly string[],
    wanted: (event: CoreV1Event) => boolean = () => true,
    { pageSize = EVENT_PAGE, maxPages = MAX_EVENT_PAGES } = {},
  ): Promise<{ events: CoreV1Event[]; pages: number; truncated: boolean }> {
    const fieldSelector = 'type=Warning,involvedObject.kind=Pod';
    const events: CoreV1Event[] = [];
    let pages = 0;
    for (const namespace of namespaces.length > 0 ? namespaces : [undefined]) {
      const listed = this.#listPages<CoreV1Event>({ verb: 'list', resource: 'events', namespace }, (page, options) =>
        namespace
          ? this.clients.core.listNamespacedEvent({ namespace, fieldSelector, limit: pageSize, ...page }, options)
          : this.clients.core.listEventForAllNamespaces({ fieldSelector, limit: pageSize, ...page }, options),
      );
      for await (const items of listed) {
        if (++pages > maxPages) return { events, pages: maxPages, truncated: true };
        for (const event of items)
          if (wanted(event)) {
            if (events.length >= MAX_KEPT_EVENTS) return { events, pages, truncated: true };
            events.push(event);
          }
      }
    }
    return { events, pages, truncated: false };
  }

  /** The pages of one list request, following `continue` until the server has no more. */
  async *#listPages<T>(operation: KubeOperation, list: ListPage): AsyncGenerator<T[]> {
    let token: string | undefined;
    do {
      const page = (await this.call(operation, (options) => list(token ? { _continue: token } : {}, options))) as {
        items?: T[];
        metadata?: { _continue?: string; continue?: string };
      };
      yield page.items ?? [];
      // Typed clients name it `_continue`; custom objects come back as the server's JSON (`continue`).
      const next = page.metadata?._continue || page.metadata?.continue || undefined;
      if (next !== undefined && next === token)
        throw new KubernetesApiError(
          operation,
          'other',
          `${describeOperation(operation)}: the API server answered the same continue token twice (a list that never ends); stopped`,
          { isRetryable: false },
        );
      token = next;
    } while (token);
  }

  async deployment(namespace: string, name: string): Promise<V1Deployment> {
    return (await this.workload('Deployment', namespace, name)) as V1Deployment;
  }

  /** One workload the agent may patch, read with `get` on its own resource. */
  async workload(kind: PatchableKind, namespace: string, name: string): Promise<PodTemplateWorkload> {
    const { apps, batch } = this.clients;
    const readers: Record<PatchableKind, (options: ConfigurationOptions) => Promise<PodTemplateWorkload>> = {
      Deployment: (options: ConfigurationOptions) => apps.readNamespacedDeployment({ name, namespace }, options),
      StatefulSet: (options: ConfigurationOptions) => apps.readNamespacedStatefulSet({ name, namespace }, options),
      DaemonSet: (options: ConfigurationOptions) => apps.readNamespacedDaemonSet({ name, namespace }, options),
      CronJob: (options: ConfigurationOptions) => batch.readNamespacedCronJob({ name, namespace }, options),
    };
    const object = await this.call({ verb: 'get', resource: RESOURCES[kind], namespace, name }, readers[kind]);
    return { ...plain(object), kind };
  }

  /** The tail of a container's log (`previous`: the run that crashed). Untrusted text: callers redact and cap it. */
  podLog(
    namespace: string,
    pod: string,
    container: string,
    options: { previous: boolean; tailLines: number; limitBytes: number },
  ): Promise<string> {
    return readPodLog(this.clients.kubeConfig, namespace, pod, { container, ...options });
  }

  /** Patches a workload; with `dryRun` the API server validates and answers the result without storing it. */
  async patchWorkload(
    kind: PatchableKind,
    namespace: string,
    name: string,
    patch: unknown,
    type: PatchType,
    dryRun: boolean,
  ): Promise<PodTemplateWorkload> {
    const strategy = type === 'json' ? PatchStrategy.JsonPatch : PatchStrategy.StrategicMergePatch;
    const request = {
      name,
      namespace,
      body: patch,
      fieldManager: this.fieldManager,
      ...(dryRun ? { dryRun: 'All' } : {}),
    };
    const { apps, batch } = this.clients;
    const senders: Record<PatchableKind, (options: ConfigurationOptions) => Promise<PodTemplateWorkload>> = {
      Deployment: (options: ConfigurationOptions) => apps.patchNamespacedDeployment(request, options),
      StatefulSet: (options: ConfigurationOptions) => apps.patchNamespacedStatefulSet(request, options),
      DaemonSet: (options: ConfigurationOptions) => apps.patchNamespacedDaemonSet(request, options),
      CronJob: (options: ConfigurationOptions) => batch.patchNamespacedCronJob(request, options),
    };
    const result = await this.call({ verb: 'patch', resource: RESOURCES[kind], namespace, name, dryRun }, (options) =>
      senders[kind](setHeaderOptions('Content-Type', strategy, options)),
    );
    return { ...plain(result), kind };
  }

  /** Every request goes through the shared client's retries; a refusal names this capability's RBAC file. */
  async call<T>(operation: KubeOperation, run: (options: ConfigurationOptions) => Promise<T>): Promise<T> {
    try {
      return await this.clients.call(operation, run);
    } catch (error) {
      if (error instanceof KubernetesApiError && error.reason === 'forbidden') {
        const detail = error.message
          .replace(/^kubernetes: /, '')
          .replace(/ \(see [^)]*\)/, '')
          .replace(/\.? ?Server said:.*$/s, '');
        throw new KubernetesApiError(
          operation,
          'forbidden',
          `${detail}; the workload guard's Role is ${WORKLOAD_RBAC_FILE} (bind it in namespace ${operation.namespace ?? '(all: use the ClusterRole)'})`,
          { cause: error, isRetryable: false, statusCode: 403 },
        );
      }
      throw error;
    }
  }
}

/** Client objects carry Date instances; plain JSON is what we diff, store and print. */
export function plain<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

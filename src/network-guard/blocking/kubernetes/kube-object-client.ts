import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { KubeClients } from '../../../kubernetes/kube-client.ts';
import { type KubeOperation, KubernetesApiError } from '../../../kubernetes/kubernetes-api-error.ts';
import type { KubeObject } from './block-patch.ts';
import type { JsonPatchOperation } from './json-patch.ts';
import type { BlockLocation } from './pattern-ranking.ts';

/**
 * Reads, JSON-patches and creates the objects blocks land in, in wire format. Middlewares and NetworkPolicies go through
 * the custom-objects API (raw JSON, no model renaming such as NetworkPolicy `from` -> `_from`); ConfigMaps through
 * CoreV1Api.
 */
export class KubeObjectClient {
  readonly #clients: KubeClients;
  readonly #fieldManager: string;

  constructor(clients: KubeClients, fieldManager: string) {
    this.#clients = clients;
    this.#fieldManager = fieldManager;
  }

  /** The object, or undefined when it does not exist. */
  async read(location: BlockLocation): Promise<KubeObject | undefined> {
    const { namespace, name } = location;
    try {
      if (location.kind === 'ConfigMap') {
        const object = await this.#clients.call({ verb: 'get', resource: 'configmaps', namespace, name }, (options) =>
          this.#clients.core.readNamespacedConfigMap({ namespace, name }, options),
        );
        return JSON.parse(JSON.stringify(object)) as KubeObject;
      }
      const { group, version, plural } = resourceOf(location);
      return (await this.#clients.call({ verb: 'get', resource: `${plural}.${group}`, namespace, name }, (options) =>
        this.#clients.customObjects.getNamespacedCustomObject({ group, version, namespace, plural, name }, options),
      )) as KubeObject;
    } catch (error) {
      if (error instanceof KubernetesApiError && error.reason === 'not_found') return undefined;
      throw error;
    }
  }

  async patch(location: BlockLocation, operations: JsonPatchOperation[], dryRun: boolean): Promise<KubeObject> {
    const { namespace, name } = location;
    const fieldManager = this.#fieldManager;
    const common = { name, namespace, body: operations, fieldManager, ...(dryRun ? { dryRun: 'All' } : {}) };
    if (location.kind === 'ConfigMap') {
      const operation: KubeOperation = { verb: 'patch', resource: 'configmaps', namespace, name, dryRun };
      const result = await this.#clients.call(operation, (options) =>
        this.#clients.core.patchNamespacedConfigMap(
          common,
          setHeaderOptions('Content-Type', PatchStrategy.JsonPatch, options),
        ),
      );
      return JSON.parse(JSON.stringify(result)) as KubeObject;
    }
    const { group, version, plural } = resourceOf(location);
    const operation: KubeOperation = { verb: 'patch', resource: `${plural}.${group}`, namespace, name, dryRun };
    return (await this.#clients.call(operation, (options) =>
      this.#clients.customObjects.patchNamespacedCustomObject(
        { ...common, group, version, plural },
        setHeaderOptions('Content-Type', PatchStrategy.JsonPatch, options),
      ),
    )) as KubeObject;
  }

  async create(location: BlockLocation, body: KubeObject, dryRun: boolean): Promise<KubeObject> {
    const { namespace } = location;
    const operation: KubeOperation = {
      verb: 'create',
      resource: 'networkpolicies.networking.k8s.io',
      namespace,
      dryRun,
    };
    try {
      return (await this.#clients.call(operation, (options) =>
        this.#clients.customObjects.createNamespacedCustomObject(
          {
            group: 'networking.k8s.io',
            version: 'v1',
            namespace,
            plural: 'networkpolicies',
            body,
            fieldManager: this.#fieldManager,
            ...(dryRun ? { dryRun: 'All' } : {}),
          },
          options,
        ),
      )) as KubeObject;
    } catch (error) {
      // Someone (another agent replica) created it between our read and our create: read it again and patch.
      if (error instanceof KubernetesApiError && error.statusCode === 409) {
        throw new KubernetesApiError(operation, 'conflict', error.message, {
          cause: error,
          isRetryable: false,
          statusCode: 409,
        });
      }
      throw error;
    }
  }
}

function resourceOf(location: BlockLocation): { group: string; version: string; plural: string } {
  if (location.kind === 'Middleware')
    return { group: location.group, version: location.version, plural: location.plural };
  return { group: 'networking.k8s.io', version: 'v1', plural: 'networkpolicies' };
}

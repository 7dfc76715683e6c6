import { z } from 'zod';
import { duration } from '../duration.ts';

const objectReference = z.strictObject({
  namespace: z.string().min(1),
  name: z.string().min(1),
});

/**
 * The spec's `kubernetes:` block. Absent means blocks go to the Traefik dynamic-configuration file. Without
 * `kubeconfig` the client reads $KUBECONFIG or ~/.kube/config, and inside a pod its service account.
 */
export const kubernetesSection = z
  .strictObject({
    /** kubeconfig context to use; empty means the kubeconfig's current context. */
    context: z.string().optional(),
    kubeconfig: z.string().optional(),
    /** Namespaces to inspect; empty means all (needs cluster-wide list rights). */
    namespaces: z.array(z.string().min(1)).default([]),
    /** Force one blocking pattern instead of the ranked choice. */
    pattern: z.enum(['auto', 'denyip-middleware', 'fail2ban-middleware', 'configmap', 'networkpolicy']).default('auto'),
    /** Force one object (with `pattern`): the Middleware, ConfigMap or NetworkPolicy to edit. */
    target: objectReference.extend({ key: z.string().optional() }).optional(),
    /** Secrets are read only when this is true (and the RBAC grants it). */
    inspect_secrets: z.boolean().default(false),
    /** ConfigMaps always treated as IP lists (`namespace/name/key`), besides those found by their content. */
    blocklist_configmaps: z.array(z.string().regex(/^[^/]+\/[^/]+\/[^/]+$/, 'expected namespace/name/key')).default([]),
    /** How Traefik pods are recognised (besides an image named traefik). */
    traefik_label_selector: z.string().default('app.kubernetes.io/name=traefik'),
    /** Name of the NetworkPolicy created when the cluster has no pattern of its own. */
    fallback_network_policy: z.string().default('devops-agent-blocklist'),
    /** Pod and service networks the API does not reveal (never blocked). */
    protected_cidrs: z.array(z.string()).default([]),
    /** Block the whole IPv6 /64 of an offending address (attackers rotate inside one). */
    collapse_ipv6_to_64: z.boolean().default(false),
    /** Optimistic-concurrency retries when the object changed under us (HTTP 409). */
    conflict_retries: z.number().int().min(0).max(20).default(5),
    /** Attempts for one API call when the server cannot be reached or answers 5xx/429. */
    request_attempts: z.number().int().min(1).max(10).default(3),
    request_timeout: duration().default(10),
    field_manager: z.string().default('devops-agent'),
  })
  .optional();

export type KubernetesSettings = NonNullable<z.output<typeof kubernetesSection>>;

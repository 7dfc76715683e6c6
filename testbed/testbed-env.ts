// What integration tests import to reach real servers: `const env = await ensureTestbed();`
import { healthyState, provideNetpolVerdict, provideTraefik, up } from './testbed-control.ts';
import { runDir } from './testbed-paths.ts';
import type { TestbedState } from './testbed-state.ts';

export interface TestbedEnv {
  /** Elasticsearch 8.x, plain HTTP, no auth (ES_URL). */
  esUrl: string;
  /** Elasticsearch 9.x (ES9_URL); only when the user provides one: Maven Central has no 9.x integ-test-zip. */
  es9Url?: string;
  /** OpenSearch 3.x, plain HTTP, no auth (OPENSEARCH_URL); absent when no Java 21+ is installed. */
  openSearchUrl?: string;
  /** Admin kubeconfig (system:masters) (KUBECONFIG). */
  kubeconfig: string;
  /** Kubeconfig of user "restricted", who has no RBAC rights at all (KUBECONFIG_RESTRICTED). */
  kubeconfigRestricted: string;
  /** Traefik binary built from testbed/traefik (TRAEFIK_BIN). */
  traefikBin: string;
  /** `plugins-local` root holding our deny-list plugin (TRAEFIK_PLUGINS_DIR); run Traefik beside a link to it. */
  traefikPluginsDir: string;
  /** CNCF distribution registry, in-memory storage, `silly` auth (REGISTRY_URL). Shared: use unique repositories. */
  registryUrl: string;
  /**
   * The registry's Bearer realm (REGISTRY_TOKEN_REALM), `http://127.0.0.1:<port>/token` on a port nothing listens on:
   * a test that pulls anonymously serves the token there itself (one test process at a time can).
   */
  registryTokenRealm: string;
  /** The registry binary (REGISTRY_BIN), for a test that needs its own configuration. */
  registryBin?: string;
}

/**
 * Servers named by environment variables win, so tests can run against one's own servers. KUBECONFIG alone is not
 * taken (a developer's shell often points it at a real cluster): it counts only with KUBECONFIG_RESTRICTED set too.
 * Anything not given that way comes from the running testbed, which is started (`testbed:up`) if needed.
 * Throws, naming what is missing, when a required server cannot be had: integration tests never skip silently.
 */
export async function ensureTestbed(): Promise<TestbedEnv> {
  const fromEnv = readEnv();
  const needsTestbed =
    fromEnv.esUrl === undefined || fromEnv.kubeconfig === undefined || fromEnv.registryUrl === undefined;
  let state: TestbedState = { notes: [] };
  if (needsTestbed) {
    state = await healthyState();
    if (state.elasticsearch === undefined || state.kube === undefined || state.registry === undefined)
      state = await up();
  }
  const esUrl = fromEnv.esUrl ?? state.elasticsearch?.url;
  const kubeconfig = fromEnv.kubeconfig ?? state.kube?.kubeconfig;
  const kubeconfigRestricted = fromEnv.kubeconfigRestricted ?? state.kube?.kubeconfigRestricted;
  const registryUrl = fromEnv.registryUrl ?? state.registry?.url;
  const registryTokenRealm = fromEnv.registryTokenRealm ?? state.registry?.tokenRealm;
  const missing = [
    esUrl === undefined && 'Elasticsearch (ES_URL)',
    kubeconfig === undefined && 'kube-apiserver (KUBECONFIG)',
    kubeconfigRestricted === undefined && 'kube-apiserver restricted user (KUBECONFIG_RESTRICTED)',
    registryUrl === undefined && 'registry (REGISTRY_URL)',
    registryTokenRealm === undefined && 'registry token realm (REGISTRY_TOKEN_REALM)',
  ].filter((item) => item !== false);
  if (
    esUrl === undefined ||
    kubeconfig === undefined ||
    kubeconfigRestricted === undefined ||
    registryUrl === undefined ||
    registryTokenRealm === undefined
  ) {
    throw new Error(`testbed: missing ${missing.join(', ')}; see testbed/README.md and the logs under ${runDir}`);
  }
  // Always from this checkout (a hash check when cached), so a testbed started elsewhere never lends another plugin.
  const traefik =
    fromEnv.traefikBin !== undefined && fromEnv.traefikPluginsDir !== undefined
      ? { bin: fromEnv.traefikBin, pluginsDir: fromEnv.traefikPluginsDir }
      : await provideTraefik();
  return {
    traefikBin: traefik.bin,
    traefikPluginsDir: traefik.pluginsDir,
    esUrl,
    es9Url: fromEnv.es9Url,
    openSearchUrl: fromEnv.openSearchUrl ?? state.opensearch?.url,
    kubeconfig,
    kubeconfigRestricted,
    registryUrl,
    registryTokenRealm,
    registryBin: fromEnv.registryBin ?? state.registry?.bin,
  };
}

function readEnv(): Partial<TestbedEnv> {
  const value = (name: string) => process.env[name]?.trim() || undefined;
  const kubeconfigRestricted = value('KUBECONFIG_RESTRICTED');
  // Both or neither, like the kubeconfigs: a realm belongs to the registry that names it in its challenge.
  const registryPaired = value('REGISTRY_URL') !== undefined && value('REGISTRY_TOKEN_REALM') !== undefined;
  return {
    esUrl: value('ES_URL'),
    es9Url: value('ES9_URL'),
    openSearchUrl: value('OPENSEARCH_URL'),
    kubeconfig: kubeconfigRestricted === undefined ? undefined : value('KUBECONFIG'),
    kubeconfigRestricted,
    traefikBin: value('TRAEFIK_BIN'),
    traefikPluginsDir: value('TRAEFIK_PLUGINS_DIR'),
    registryUrl: registryPaired ? value('REGISTRY_URL') : undefined,
    registryTokenRealm: registryPaired ? value('REGISTRY_TOKEN_REALM') : undefined,
    registryBin: value('REGISTRY_BIN'),
  };
}

/**
 * The NetworkPolicy verdict tool (NETPOL_VERDICT_BIN, else built from this checkout's testbed/netpol, cached): only
 * the tests that judge NetworkPolicies ask for it, so no other test waits for its first build.
 */
export async function netpolVerdictBin(): Promise<string> {
  return process.env.NETPOL_VERDICT_BIN?.trim() || (await provideNetpolVerdict()).bin;
}

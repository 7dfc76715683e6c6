import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Pinned versions. Change one here and the next `testbed:up` provisions it into a fresh cache directory. */
export const versions = {
  elasticsearch: '8.19.21',
  openSearch: '3.6.0',
  /** Must match k8s.io/kubernetes in testbed/kube/go.mod. */
  kubernetes: '1.36.3',
  /** Must match github.com/traefik/traefik/v3 in testbed/traefik/go.mod. v3.7.x does not build here (lego SDKs). */
  traefik: '3.6.12',
  /** Must match github.com/distribution/distribution/v3 in testbed/registry/go.mod. */
  registry: '3.1.2',
  /** Must match github.com/mattfenwick/cyclonus in testbed/netpol/go.mod (the NetworkPolicy verdict tool). */
  cyclonus: '0.5.6',
} as const;

export const javaHomes = {
  java17: '/usr/lib/jvm/java-17-openjdk-amd64',
  /** OpenSearch 3.x needs Java 21 or newer; the first of these that exists is used. */
  java21Plus: [
    '/usr/lib/jvm/temurin-25-jdk-amd64',
    '/usr/lib/jvm/java-25-openjdk-amd64',
    '/usr/lib/jvm/java-21-openjdk-amd64',
  ],
};

export const testbedSourceDir = dirname(fileURLToPath(import.meta.url));

/** Downloads, unpacked distributions and built binaries: kept across runs. */
export const cacheDir =
  process.env.DEVOPS_AGENT_TESTBED_CACHE ??
  join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'devops-agent-testbed');

/** Logs, data, certificates and state.json of the running testbed: thrown away on the next `up`. */
export const runDir = process.env.DEVOPS_AGENT_TESTBED_DIR ?? '/tmp/devops-agent-testbed';

export const stateFile = join(runDir, 'state.json');

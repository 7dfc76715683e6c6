import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { buildKube } from './kube-build.ts';
import { isKubeReady, type RunningKube, startKube } from './kube-cluster.ts';
import { buildNetpolVerdict, type NetpolVerdictInstall } from './netpol-verdict-build.ts';
import { buildRegistry, isRegistryReady, type RunningRegistry, startRegistry } from './registry-server.ts';
import {
  elasticsearchSpec,
  isHealthy,
  openSearchSpec,
  provisionSearchEngine,
  type RunningSearchEngine,
  type SearchEngineSpec,
  startSearchEngine,
} from './search-engine.ts';
import { isGroupAlive, stopGroup, stopGroupsMentioning } from './server-process.ts';
import { runDir, versions } from './testbed-paths.ts';
import { readState, removeState, type TestbedState, withLock, writeState } from './testbed-state.ts';
import { buildTraefik, type TraefikInstall } from './traefik-build.ts';

const log = (message: string) => process.stderr.write(`testbed: ${message}\n`);
const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)}s`;

/**
 * Brings every server up, reusing those already running and healthy. Provisioning and starting run side by side;
 * the state file is written as each server comes up, so `down` can stop what started even if another part failed.
 */
export function up(): Promise<TestbedState> {
  return withLock(async () => {
    mkdirSync(runDir, { recursive: true });
    const state = readState();
    state.notes = [];
    const save = () => writeState(state);
    const results = await Promise.allSettled([
      ensureSearchEngine(state, elasticsearchSpec(), save),
      (async () => {
        const spec = openSearchSpec();
        if (spec) return ensureSearchEngine(state, spec, save);
        await stopSearchEngine(state, 'opensearch');
        state.notes.push(`OpenSearch ${versions.openSearch} not started: it needs Java 21+ and none was found`);
        log(state.notes.at(-1)!);
      })(),
      ensureKube(state, save),
      ensureTraefik(state, save),
      ensureRegistry(state, save),
      ensureNetpolVerdict(state, save),
    ]);
    save();
    const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
    if (failures.length > 0) {
      throw new AggregateError(failures, `testbed: ${failures.map((f) => f.message).join('\n\n')}`);
    }
    return state;
  });
}

export function down(): Promise<void> {
  return withLock(async () => {
    const state = readState();
    await Promise.all([
      stopSearchEngine(state, 'elasticsearch'),
      stopSearchEngine(state, 'opensearch'),
      stopKube(state),
      stopRegistry(state),
    ]);
    const strays = await stopGroupsMentioning(runDir);
    if (strays > 0) log(`stopped ${strays} process group(s) missing from state.json`);
    removeState();
    log('stopped');
  });
}

/** The running testbed as shell assignments, keeping only servers that answer right now. */
export async function healthyState(): Promise<TestbedState> {
  const state = readState();
  const engineOk = async (engine?: RunningSearchEngine) =>
    engine !== undefined && isGroupAlive(engine.pid) && (await isHealthy(engine.url).catch(() => false));
  const kubeOk = async (kube?: RunningKube) =>
    kube !== undefined && isGroupAlive(kube.etcd.pid) && (await isKubeReady(kube.kubeconfig).catch(() => false));
  return {
    elasticsearch: (await engineOk(state.elasticsearch)) ? state.elasticsearch : undefined,
    opensearch: (await engineOk(state.opensearch)) ? state.opensearch : undefined,
    kube: (await kubeOk(state.kube)) ? state.kube : undefined,
    traefik: traefikOk(state.traefik) ? state.traefik : undefined,
    registry: (await registryOk(state.registry)) ? state.registry : undefined,
    netpolVerdict: state.netpolVerdict && existsSync(state.netpolVerdict.bin) ? state.netpolVerdict : undefined,
    notes: state.notes ?? [],
  };
}

export function envLines(state: TestbedState): string[] {
  const lines: string[] = [];
  if (state.elasticsearch) lines.push(`ES_URL=${state.elasticsearch.url}`);
  if (state.opensearch) lines.push(`OPENSEARCH_URL=${state.opensearch.url}`);
  if (state.kube) {
    lines.push(`KUBECONFIG=${shellQuote(state.kube.kubeconfig)}`);
    lines.push(`KUBECONFIG_RESTRICTED=${shellQuote(state.kube.kubeconfigRestricted)}`);
  }
  if (state.traefik) {
    lines.push(`TRAEFIK_BIN=${shellQuote(state.traefik.bin)}`);
    lines.push(`TRAEFIK_PLUGINS_DIR=${shellQuote(state.traefik.pluginsDir)}`);
  }
  if (state.registry) {
    lines.push(`REGISTRY_URL=${state.registry.url}`);
    lines.push(`REGISTRY_TOKEN_REALM=${state.registry.tokenRealm}`);
    lines.push(`REGISTRY_BIN=${shellQuote(state.registry.bin)}`);
  }
  if (state.netpolVerdict) lines.push(`NETPOL_VERDICT_BIN=${shellQuote(state.netpolVerdict.bin)}`);
  return lines;
}

function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", "'\\''")}'`;
}

async function ensureSearchEngine(state: TestbedState, spec: SearchEngineSpec, save: () => void): Promise<void> {
  const running = state[spec.key];
  if (
    running?.version === spec.version &&
    isGroupAlive(running.pid) &&
    (await isHealthy(running.url).catch(() => false))
  ) {
    log(`${spec.label} already running at ${running.url}`);
    return;
  }
  await stopSearchEngine(state, spec.key);
  await stopGroupsMentioning(join(runDir, spec.key));
  const started = Date.now();
  log(`${spec.label}: provisioning`);
  const home = await provisionSearchEngine(spec, join(runDir, `provision-${spec.key}.log`));
  log(`${spec.label}: provisioned in ${seconds(started)}, starting`);
  const startedAt = Date.now();
  state[spec.key] = await startSearchEngine(spec, home);
  save();
  log(`${spec.label} ready at ${state[spec.key]?.url} (start ${seconds(startedAt)}, total ${seconds(started)})`);
}

async function stopSearchEngine(state: TestbedState, key: 'elasticsearch' | 'opensearch'): Promise<void> {
  const running = state[key];
  if (!running) return;
  await stopGroup(running.pid);
  state[key] = undefined;
}

async function ensureKube(state: TestbedState, save: () => void): Promise<void> {
  const running = state.kube;
  if (running && isGroupAlive(running.etcd.pid) && (await isKubeReady(running.kubeconfig).catch(() => false))) {
    log(`kube-apiserver ${versions.kubernetes} already running at ${running.apiserver.url}`);
    return;
  }
  await stopKube(state);
  await stopGroupsMentioning(join(runDir, 'kube'));
  const started = Date.now();
  log(`kube-apiserver ${versions.kubernetes} + etcd: building (cached after the first time)`);
  const binaries = await buildKube(join(runDir, 'provision-kube.log'));
  log(`kube: built in ${seconds(started)}, starting`);
  const startedAt = Date.now();
  state.kube = await startKube(binaries);
  save();
  log(`kube-apiserver ready at ${state.kube.apiserver.url} (start ${seconds(startedAt)}, total ${seconds(started)})`);
}

function traefikOk(traefik?: TraefikInstall): boolean {
  return traefik !== undefined && existsSync(traefik.bin) && existsSync(traefik.pluginsDir);
}

/** Builds Traefik (cached) and lays out the plugin from this checkout's source: nothing runs until a test starts it. */
async function ensureTraefik(state: TestbedState, save: () => void): Promise<void> {
  const started = Date.now();
  const cached = traefikOk(state.traefik);
  if (!cached) log(`Traefik ${versions.traefik}: building (cached after the first time)`);
  state.traefik = await buildTraefik(join(runDir, 'provision-traefik.log'));
  save();
  if (!cached) log(`Traefik ${versions.traefik}: ready at ${state.traefik.bin} (${seconds(started)})`);
}

/** Traefik for a test process: built and laid out from this checkout (a hash check when already cached). */
export function provideTraefik(): Promise<TraefikInstall> {
  return withLock(async () => {
    const state = readState();
    await ensureTraefik(state, () => writeState(state));
    return state.traefik!;
  });
}

/** Builds the NetworkPolicy verdict tool (cached); nothing runs until a test feeds it a case list. */
async function ensureNetpolVerdict(state: TestbedState, save: () => void): Promise<void> {
  const started = Date.now();
  const cached = state.netpolVerdict !== undefined && existsSync(state.netpolVerdict.bin);
  if (!cached) log(`netpol-verdict (cyclonus ${versions.cyclonus}): building (cached after the first time)`);
  state.netpolVerdict = await buildNetpolVerdict(join(runDir, 'provision-netpol-verdict.log'));
  save();
  if (!cached) log(`netpol-verdict: ready at ${state.netpolVerdict.bin} (${seconds(started)})`);
}

/**
 * The verdict tool for a test process, built from this checkout (a hash check when cached). Not under the testbed
 * lock: the binary is renamed into place whole, and only the tests that judge NetworkPolicies wait for a build.
 */
export function provideNetpolVerdict(): Promise<NetpolVerdictInstall> {
  mkdirSync(runDir, { recursive: true });
  return buildNetpolVerdict(join(runDir, `provision-netpol-verdict-${process.pid}.log`));
}

async function stopKube(state: TestbedState): Promise<void> {
  const running = state.kube;
  if (!running) return;
  // The API server first, so it does not spend its shutdown retrying a vanished etcd.
  await stopGroup(running.apiserver.pid);
  await stopGroup(running.etcd.pid);
  state.kube = undefined;
}

async function registryOk(registry?: RunningRegistry): Promise<boolean> {
  return (
    registry !== undefined &&
    registry.version === versions.registry &&
    isGroupAlive(registry.pid) &&
    (await isRegistryReady(registry.url, registry.tokenRealm).catch(() => false))
  );
}

async function ensureRegistry(state: TestbedState, save: () => void): Promise<void> {
  if (await registryOk(state.registry)) {
    log(`registry ${versions.registry} already running at ${state.registry?.url}`);
    return;
  }
  await stopRegistry(state);
  await stopGroupsMentioning(join(runDir, 'registry'));
  const started = Date.now();
  log(`registry ${versions.registry}: building (cached after the first time)`);
  const install = await buildRegistry(join(runDir, 'provision-registry.log'));
  log(`registry: built in ${seconds(started)}, starting`);
  const startedAt = Date.now();
  state.registry = await startRegistry(install);
  save();
  log(`registry ready at ${state.registry.url} (start ${seconds(startedAt)}, total ${seconds(started)})`);
}

async function stopRegistry(state: TestbedState): Promise<void> {
  const running = state.registry;
  if (!running) return;
  await stopGroup(running.pid);
  state.registry = undefined;
}

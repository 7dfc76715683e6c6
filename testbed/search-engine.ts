import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, runToCompletion, startDetached, stopGroup, waitUntilReady } from './server-process.ts';
import { cacheDir, javaHomes, runDir, versions } from './testbed-paths.ts';

/** Elasticsearch and OpenSearch come the same way: an integ-test-zip on Maven Central, a bin/ launcher, -E settings. */
export interface SearchEngineSpec {
  key: 'elasticsearch' | 'opensearch';
  label: string;
  groupId: string;
  artifactId: string;
  version: string;
  javaHome: string;
  /** The launcher's environment variables are ES_* or OPENSEARCH_*. */
  envPrefix: 'ES' | 'OPENSEARCH';
}

export interface RunningSearchEngine {
  pid: number;
  port: number;
  url: string;
  version: string;
  logFile: string;
}

export function elasticsearchSpec(): SearchEngineSpec {
  const version = versions.elasticsearch;
  return {
    key: 'elasticsearch',
    label: `Elasticsearch ${version}`,
    groupId: 'org.elasticsearch.distribution.integ-test-zip',
    artifactId: 'elasticsearch',
    version,
    javaHome: javaHomes.java17,
    envPrefix: 'ES',
  };
}

/** undefined when no Java 21+ is installed: OpenSearch 3 cannot run then, and the testbed says so. */
export function openSearchSpec(): SearchEngineSpec | undefined {
  const javaHome = javaHomes.java21Plus.find((home) => existsSync(join(home, 'bin', 'java')));
  if (!javaHome) return undefined;
  const version = versions.openSearch;
  return {
    key: 'opensearch',
    label: `OpenSearch ${version}`,
    groupId: 'org.opensearch.distribution.integ-test-zip',
    artifactId: 'opensearch',
    version,
    javaHome,
    envPrefix: 'OPENSEARCH',
  };
}

/** Downloads (through Maven, so ~/.m2 caches the zip too) and unpacks the distribution once; returns its home. */
export async function provisionSearchEngine(spec: SearchEngineSpec, logFile: string): Promise<string> {
  const dir = join(cacheDir, `${spec.key}-${spec.version}`);
  const home = join(dir, `${spec.artifactId}-${spec.version}`);
  const marker = join(dir, '.complete');
  if (existsSync(marker)) return home;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const artifact = `${spec.groupId}:${spec.artifactId}:${spec.version}:zip`;
  await runToCompletion({
    command: 'mvn',
    args: [
      '-q',
      '-B',
      'org.apache.maven.plugins:maven-dependency-plugin:2.8:copy',
      `-Dartifact=${artifact}`,
      `-DoutputDirectory=${dir}`,
    ],
    cwd: dir,
    logFile,
  });
  const zip = join(dir, `${spec.artifactId}-${spec.version}.zip`);
  await runToCompletion({ command: 'unzip', args: ['-q', zip, '-d', dir], logFile });
  rmSync(zip);
  writeFileSync(marker, `${new Date().toISOString()}\n`);
  return home;
}

/**
 * Starts one node on a free port, with fresh data, logs and a copy of the distribution's config under runDir.
 * Security: the Elasticsearch integ-test-zip ships x-pack-security, which on first start would switch HTTP to TLS
 * with a password nobody sees; the testbed turns it off so tests talk plain HTTP. OpenSearch's zip has no security.
 */
export async function startSearchEngine(spec: SearchEngineSpec, home: string): Promise<RunningSearchEngine> {
  const dir = join(runDir, spec.key);
  rmSync(dir, { recursive: true, force: true });
  for (const sub of ['data', 'logs', 'tmp']) mkdirSync(join(dir, sub), { recursive: true });
  cpSync(join(home, 'config'), join(dir, 'config'), { recursive: true });
  const [port, transportPort] = [await freePort(), await freePort()];
  const settings: Record<string, string> = {
    'cluster.name': `devops-agent-testbed-${spec.key}`,
    'node.name': spec.key,
    'discovery.type': 'single-node',
    'network.host': '127.0.0.1',
    'http.port': String(port),
    'transport.port': String(transportPort),
    'path.data': join(dir, 'data'),
    'path.logs': join(dir, 'logs'),
    // The CI disk may be nearly full; the default watermarks would then make every index read-only.
    'cluster.routing.allocation.disk.threshold_enabled': 'false',
  };
  if (spec.key === 'elasticsearch') settings['xpack.security.enabled'] = 'false';
  const launcher = join(home, 'bin', spec.key);
  const args = Object.entries(settings).flatMap(([key, value]) => ['-E', `${key}=${value}`]);
  const p = spec.envPrefix;
  const logFile = join(dir, 'stdout.log');
  // Small heap: 2 cores and several servers share the machine. C1 only: halves start time, tests need no peak speed.
  const quickStart = '-XX:TieredStopAtLevel=1';
  const pid = startDetached({
    ...asNonRoot(launcher, args),
    cwd: dir,
    logFile,
    env: {
      [`${p}_JAVA_HOME`]: spec.javaHome,
      [`${p}_PATH_CONF`]: join(dir, 'config'),
      [`${p}_TMPDIR`]: join(dir, 'tmp'),
      [`${p}_JAVA_OPTS`]: `-Xms256m -Xmx512m ${quickStart}`,
      // Elasticsearch's launcher is a JVM of its own.
      CLI_JAVA_OPTS: quickStart,
    },
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitUntilReady(() => isHealthy(url), { name: spec.label, pgid: pid, logFile, timeoutMs: 300_000 });
  } catch (error) {
    await stopGroup(pid);
    throw error;
  }
  return { pid, port, url, version: spec.version, logFile };
}

export async function isHealthy(url: string): Promise<boolean> {
  const response = await fetch(`${url}/_cluster/health?wait_for_status=yellow&timeout=1s`, {
    signal: AbortSignal.timeout(5_000),
  });
  if (!response.ok) return false;
  const health = (await response.json()) as { status?: string };
  return health.status === 'green' || health.status === 'yellow';
}

/**
 * Both engines refuse to run as root. As root (CI, this machine) we start them in a user namespace where they are
 * uid 1000: no new account is needed, and files they write still belong to us outside.
 */
function asNonRoot(command: string, args: string[]): { command: string; args: string[] } {
  if (process.getuid?.() !== 0) return { command, args };
  return { command: 'unshare', args: ['--user', '--map-user=1000', '--map-group=1000', command, ...args] };
}

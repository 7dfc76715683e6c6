import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildGoBinary } from './go-binary.ts';
import { freePort, startDetached, waitUntilReady } from './server-process.ts';
import { runDir, testbedSourceDir, versions } from './testbed-paths.ts';

export interface RegistryInstall {
  version: string;
  bin: string;
}

/** The CNCF distribution registry that `testbed:up` runs: in-memory storage, `silly` auth. */
export interface RunningRegistry extends RegistryInstall {
  pid: number;
  port: number;
  /** `http://127.0.0.1:<port>`, the registry's API root (REGISTRY_URL). */
  url: string;
  /**
   * The `silly` auth realm (REGISTRY_TOKEN_REALM): a URL on a port kept free for a test, which serves the token
   * there itself. Nothing listens on it otherwise, so an anonymous pull through the challenge fails until one does.
   */
  tokenRealm: string;
  /** The `service` the challenge names. */
  service: string;
  logFile: string;
}

/** Tags per tags/list page (the registry's `tags.maxtags`), small so a test reaches a second page with few pushes. */
export const registryMaxTags = 100;
export const registryService = 'devops-agent-testbed';

const moduleDir = join(testbedSourceDir, 'registry');

/** Builds the registry from the Go module in testbed/registry into the cache, once per go.mod/go.sum content. */
export async function buildRegistry(logFile: string): Promise<RegistryInstall> {
  const bin = await buildGoBinary({
    name: 'registry',
    version: versions.registry,
    moduleDir,
    packagePath: 'github.com/distribution/distribution/v3/cmd/registry',
    versionFlag: `github.com/distribution/distribution/v3/version.version=v${versions.registry}`,
    logFile,
  });
  return { version: versions.registry, bin };
}

/** The registry's `token` auth (Docker's token spec): tokens are JWTs signed by a key in `jwks`, from `issuer`. */
export interface RegistryTokenAuth {
  realm: string;
  issuer: string;
  /** A JSON Web Key Set file holding the public key the token service signs with (`kid` names it). */
  jwks: string;
}

export interface RegistryStartOptions {
  /** Config, log (and nothing else: storage is in memory); emptied first. Default: the testbed's `registry/`. */
  dir?: string;
  /** Verify signed tokens instead of `silly` auth: for a test that checks which token and scope a client sends. */
  tokenAuth?: RegistryTokenAuth;
}

/**
 * Starts the registry on a free loopback port with a fresh in-memory store. `silly` auth (the default) answers every
 * request without an Authorization header with a Bearer challenge naming `tokenRealm` and the scope asked for, and
 * lets any request with one through: so a test pushes with any token and sees the real challenge when it pulls.
 */
export async function startRegistry(
  install: RegistryInstall,
  options: RegistryStartOptions = {},
): Promise<RunningRegistry> {
  const dir = options.dir ?? join(runDir, 'registry');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  // silly: a port kept free for the test that serves the token; token auth: the caller's own token service
  const tokenRealm = options.tokenAuth?.realm ?? `http://127.0.0.1:${await freePort()}/token`;
  const auth = options.tokenAuth
    ? ['  token:', `    issuer: ${options.tokenAuth.issuer}`, `    jwks: ${options.tokenAuth.jwks}`]
    : ['  silly:'];
  const configFile = join(dir, 'config.yml');
  writeFileSync(
    configFile,
    [
      'version: 0.1',
      'log:',
      '  level: warn',
      '  accesslog:',
      '    disabled: true',
      'storage:',
      '  inmemory: {}',
      'http:',
      `  addr: 127.0.0.1:${port}`,
      `  secret: ${randomBytes(16).toString('hex')}`,
      'auth:',
      ...auth,
      `    realm: ${tokenRealm}`,
      `    service: ${registryService}`,
      'tags:',
      `  maxtags: ${registryMaxTags}`,
      '',
    ].join('\n'),
  );
  const logFile = join(dir, 'registry.log');
  const pid = startDetached({
    command: install.bin,
    args: ['serve', configFile],
    logFile,
    // Its OpenTelemetry exporter would otherwise send traces to localhost:4318.
    env: { OTEL_TRACES_EXPORTER: 'none' },
  });
  const url = `http://127.0.0.1:${port}`;
  await waitUntilReady(() => isRegistryReady(url, tokenRealm), {
    name: 'registry',
    pgid: pid,
    logFile,
    timeoutMs: 30_000,
  });
  return { ...install, pid, port, url, tokenRealm, service: registryService, logFile };
}

/** `GET /v2/` answers 401 with the silly challenge once the registry serves: the API's own version check. */
export async function isRegistryReady(url: string, tokenRealm: string): Promise<boolean> {
  const response = await fetch(`${url}/v2/`, { signal: AbortSignal.timeout(5_000) });
  await response.body?.cancel();
  return response.status === 401 && (response.headers.get('www-authenticate') ?? '').includes(`"${tokenRealm}"`);
}

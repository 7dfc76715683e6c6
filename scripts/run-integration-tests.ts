// `npm run test:integration`: brings the testbed up (or reuses a running one), runs every *.integration.test.ts with
// ES_URL, OPENSEARCH_URL, KUBECONFIG, KUBECONFIG_RESTRICTED, TRAEFIK_BIN, TRAEFIK_PLUGINS_DIR exported, and takes the testbed down again unless it was
// already running before. Exit code: the test runner's.
import { spawn } from 'node:child_process';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { down, healthyState } from '../testbed/testbed-control.ts';
import { ensureTestbed } from '../testbed/testbed-env.ts';
import { findTestFiles, isIntegrationTest } from './find-test-files.ts';

const root = dirname(dirname(fileURLToPath(import.meta.url)));

async function main(): Promise<number> {
  const files = findTestFiles(root, ['.'], isIntegrationTest);
  if (files.length === 0) {
    process.stderr.write('run-integration-tests: no *.integration.test.ts files found\n');
    return 1;
  }
  const before = await healthyState();
  const wasRunning = before.elasticsearch !== undefined && before.kube !== undefined;
  try {
    const env = await ensureTestbed();
    const exported: Record<string, string | undefined> = {
      ES_URL: env.esUrl,
      ES9_URL: env.es9Url,
      OPENSEARCH_URL: env.openSearchUrl,
      KUBECONFIG: env.kubeconfig,
      KUBECONFIG_RESTRICTED: env.kubeconfigRestricted,
      TRAEFIK_BIN: env.traefikBin,
      TRAEFIK_PLUGINS_DIR: env.traefikPluginsDir,
    };
    for (const [name, value] of Object.entries(exported)) {
      if (value !== undefined) process.stderr.write(`run-integration-tests: ${name}=${value}\n`);
    }
    return await runNodeTest(files, exported);
  } finally {
    if (!wasRunning) await down();
  }
}

function runNodeTest(files: string[], env: Record<string, string | undefined>): Promise<number> {
  const child = spawn(
    process.execPath,
    ['--test', '--test-reporter=spec', '--test-timeout=600000', ...process.argv.slice(2), ...files],
    {
      cwd: root,
      env: { ...process.env, ...Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined)) },
      stdio: 'inherit',
    },
  );
  // Ctrl-C reaches the test runner too; we stay alive until it has exited so that the testbed still comes down.
  const ignore = () => {};
  process.on('SIGINT', ignore);
  process.on('SIGTERM', ignore);
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      process.off('SIGINT', ignore);
      process.off('SIGTERM', ignore);
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}

try {
  process.exitCode = await main();
} catch (error) {
  process.stderr.write(`run-integration-tests: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}

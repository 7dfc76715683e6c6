// Packaging checks for deploy/: container images cannot be built on these machines, so the Dockerfile's key
// properties are asserted here (and hadolint runs when installed), and the manifests are checked for least privilege
// and a hardened pod. deploy-manifests.integration.test.ts applies them to a real API server with a dry run.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from '../config/load-config.ts';
import { manifests } from './testing/workload-test-cluster.ts';

// biome-ignore lint/suspicious/noExplicitAny: manifests are free-form YAML, asserted field by field below
type Manifest = Record<string, any>;

const root = new URL('../../', import.meta.url);
const dockerfile = readFileSync(new URL('deploy/Dockerfile', root), 'utf8');
const instructions = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line && !line.startsWith('#'));

describe('deploy/Dockerfile', () => {
  it('uses node:24-slim (pinned major) for every stage and installs production dependencies only', () => {
    const bases = instructions.filter((line) => /^FROM /i.test(line)).map((line) => line.split(/\s+/)[1]);
    assert.ok(bases.length >= 1);
    for (const base of bases) assert.equal(base, 'node:24-slim');
    assert.ok(instructions.some((line) => /^RUN npm ci --omit=dev/.test(line)));
    assert.ok(!instructions.some((line) => /npm (run )?build|tsc\b/.test(line)), 'no build step: Node runs .ts');
  });
  it('runs as a numeric non-root user, has a data volume and a health check', () => {
    const users = instructions.filter((line) => /^USER /i.test(line)).map((line) => line.split(/\s+/)[1]);
    const last = users.at(-1);
    assert.ok(last, 'a USER instruction');
    assert.match(last, /^[1-9]\d*(:\d+)?$/, 'numeric uid, so runAsNonRoot can verify it');
    assert.ok(instructions.some((line) => /^VOLUME \["\/data"\]/.test(line)));
    assert.ok(instructions.some((line) => /^HEALTHCHECK .*CMD/.test(line)));
    assert.ok(instructions.some((line) => /^ENTRYPOINT \["node", "bin\/devops-agent\.js"\]/.test(line)));
  });
  it('fetches nothing from URLs and copies no secrets or local state', () => {
    assert.ok(!instructions.some((line) => /^ADD /i.test(line)), 'COPY only');
    assert.ok(
      !instructions.some((line) =>
        /curl|wget|https?:\/\//.test(line.replace(/fetch\('http:\/\/127\.0\.0\.1[^']*'\)/, '')),
      ),
    );
    const ignore = readFileSync(new URL('deploy/Dockerfile.dockerignore', root), 'utf8');
    assert.match(ignore, /^\*\*$/m, 'the build context starts empty and lists what it needs');
    assert.doesNotMatch(ignore, /^!\s*data/m);
  });
  it('passes hadolint when it is installed (HADOLINT or PATH)', (context) => {
    const binary = process.env.HADOLINT ?? 'hadolint';
    const probe = spawnSync(binary, ['--version'], { encoding: 'utf8' });
    if (probe.error) {
      context.diagnostic(`hadolint not installed (${binary}); property checks above still ran`);
      return;
    }
    const result = spawnSync(binary, [new URL('deploy/Dockerfile', root).pathname], { encoding: 'utf8' });
    assert.equal(result.status, 0, result.stdout + result.stderr);
  });
});

describe('deploy/kubernetes', () => {
  const agent = manifests(new URL('deploy/kubernetes/agent.yaml', root));
  const byKind = (kind: string) => agent.find((object) => object.kind === kind) as Manifest;

  it('runs the agent hardened: non-root, read-only root filesystem, all capabilities dropped', () => {
    const pod = byKind('Deployment').spec.template.spec;
    assert.equal(pod.serviceAccountName, 'devops-agent');
    assert.equal(pod.securityContext.runAsNonRoot, true);
    assert.equal(pod.securityContext.seccompProfile.type, 'RuntimeDefault');
    const [container] = pod.containers;
    assert.equal(container.securityContext.readOnlyRootFilesystem, true);
    assert.equal(container.securityContext.allowPrivilegeEscalation, false);
    assert.deepEqual(container.securityContext.capabilities.drop, ['ALL']);
    assert.deepEqual(container.volumeMounts.map((mount: { mountPath: string }) => mount.mountPath).sort(), [
      '/data',
      '/etc/devops-agent',
      '/tmp',
    ]);
    assert.equal(container.envFrom[0].secretRef.name, 'devops-agent-secrets');
  });

  it('grants the workload guard exactly the verbs of the spec (plus replicasets and Trivy reports read-only, image patches of the other workload kinds, Jobs listed only)', () => {
    for (const file of ['workload-guard-rbac.yaml', 'workload-guard-clusterrole.yaml']) {
      const role = manifests(new URL(`deploy/kubernetes/${file}`, root)).find((object) =>
        /Role$/.test(object.kind!),
      ) as Manifest;
      const grants = role.rules.flatMap((rule: { apiGroups: string[]; resources: string[]; verbs: string[] }) =>
        rule.apiGroups.flatMap((group) =>
          rule.resources.map((resource) => `${group || 'core'}/${resource}: ${[...rule.verbs].sort().join(',')}`),
        ),
      );
      assert.deepEqual(grants.sort(), [
        'apps/daemonsets: get,list,patch',
        'apps/deployments: get,list,patch',
        'apps/replicasets: get,list',
        'apps/statefulsets: get,list,patch',
        'aquasecurity.github.io/vulnerabilityreports: get,list',
        'batch/cronjobs: get,list,patch',
        'batch/jobs: list',
        'core/pods/log: get,list',
        'core/pods: get,list',
      ]);
    }
  });

  it('grants the optional events Role read-only access to events and nothing else', () => {
    const role = manifests(new URL('deploy/kubernetes/workload-guard-events-rbac.yaml', root)).find(
      (object) => object.kind === 'Role',
    ) as Manifest;
    assert.deepEqual(role.rules, [{ apiGroups: [''], resources: ['events'], verbs: ['get', 'list'] }]);
  });

  it('ships a config that validates once the Secret provides its variables, and no secret value in the ConfigMap', () => {
    const configText = byKind('ConfigMap').data['config.yaml'] as string;
    const secret = manifests(new URL('deploy/kubernetes/secret.example.yaml', root))[0] as Manifest;
    const variables = [...configText.matchAll(/\$\{([A-Z_]+)\}/g)].map((match) => match[1]);
    assert.ok(variables.length >= 4);
    for (const variable of variables) assert.ok(variable in secret.stringData, `${variable} is in the Secret`);
    const directory = mkdtempSync(join(tmpdir(), 'deploy-config-'));
    const path = join(directory, 'config.yaml');
    writeFileSync(path, configText);
    try {
      const result = loadConfig({ path, env: secret.stringData });
      assert.deepEqual(result.errors, []);
      assert.equal(result.config?.workloads?.auto_patch, false);
      assert.equal(result.config?.database.path, '/data/devops-agent.db');
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});

// The workload guard's other paths on the testbed, still as the restricted user with only the workload guard Role:
// strategic-merge patches, known tags under a patch-only policy with a registry allow-list, approval from the CLI,
// rollback from the annotation alone (a fresh database), and auto mode.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { ensureTestbed } from '../../testbed/testbed-env.ts';
import { runCliInProcess } from '../cli/testing/run-cli.ts';
import { PREVIOUS_IMAGES_ANNOTATION } from './image-patch.ts';
import { containerStatus, eventually, WorkloadTestCluster } from './testing/workload-test-cluster.ts';

const cli = (args: string[]) => runCliInProcess(args, { ...process.env, USER: 'tester' });

function trivyReport(artifact: string, vulnerabilities: Array<[string, string, string, string, string]>) {
  return {
    SchemaVersion: 2,
    ArtifactName: artifact,
    ArtifactType: 'container_image',
    Results: [
      {
        Target: `${artifact} (debian 12.5)`,
        Class: 'os-pkgs',
        Type: 'debian',
        Vulnerabilities: vulnerabilities.map(([id, pkg, installed, fixed, severity]) => ({
          VulnerabilityID: id,
          PkgName: pkg,
          InstalledVersion: installed,
          FixedVersion: fixed,
          Severity: severity,
        })),
      },
    ],
  };
}

describe('workload guard: strategic merge, CLI approval, annotation rollback, auto mode', { timeout: 120_000 }, () => {
  let admin: WorkloadTestCluster;
  let namespace: string;
  let directory: string;
  let kubeconfig: string;
  let shopPods: string[] = [];
  const image = async (name: string) => {
    const live = await admin.getDeployment(namespace, name);
    const spec = live.spec as { template: { spec: { containers: Array<{ image: string }> } } };
    return spec.template.spec.containers[0].image;
  };
  const writeConfig = (name: string, database: string, workloads: Record<string, unknown>) => {
    const path = join(directory, `${name}.yaml`);
    writeFileSync(
      path,
      stringify({
        database: { path: join(directory, database) },
        audit: { path: join(directory, `${database}.audit.jsonl`) },
        kubernetes: { kubeconfig },
        workloads: {
          namespaces: [namespace],
          vulnerabilities: {
            operator: false,
            report_files: [
              join(directory, 'shop.json'),
              join(directory, 'billing.json'),
              join(directory, 'shop-1.4.3.json'),
            ],
          },
          policy: {
            allowed_bump: 'patch',
            allowed_registries: ['ghcr.io'],
            known_tags: { 'ghcr.io/acme/shop': ['1.4.3', '1.5.0', '2.0.0'], 'quay.io/acme/billing': ['0.9.2'] },
          },
          ...workloads,
        },
      }),
    );
    return path;
  };

  before(async () => {
    const env = await ensureTestbed();
    kubeconfig = env.kubeconfigRestricted;
    admin = new WorkloadTestCluster(env.kubeconfig);
    namespace = await admin.namespace('workloads-modes');
    shopPods = (
      await admin.deployment(namespace, 'shop', 'ghcr.io/acme/shop:1.4.2', { annotations: { team: 'checkout' } })
    ).pods;
    await admin.deployment(namespace, 'billing', 'quay.io/acme/billing:0.9.1');
    await admin.grantWorkloadGuard('restricted', namespace);
    directory = mkdtempSync(join(tmpdir(), 'devops-agent-workloads-modes-'));
    const openssl: [string, string, string, string, string] = [
      'CVE-2024-5535',
      'libssl3',
      '3.0.11-1~deb12u2',
      '3.0.14-1~deb12u1',
      'CRITICAL',
    ];
    writeFileSync(join(directory, 'shop.json'), JSON.stringify(trivyReport('ghcr.io/acme/shop:1.4.2', [openssl])));
    // A scan of the candidate tag is what proves it carries the fixed openssl (a known tag alone proves nothing).
    writeFileSync(join(directory, 'shop-1.4.3.json'), JSON.stringify(trivyReport('ghcr.io/acme/shop:1.4.3', [])));
    writeFileSync(
      join(directory, 'billing.json'),
      JSON.stringify(trivyReport('quay.io/acme/billing:0.9.1', [openssl])),
    );
  });
  after(() => {
    if (directory) rmSync(directory, { recursive: true, force: true });
  });

  it('plans a strategic-merge patch to the known tag its scan proves fixed and applies it on CLI approval', async () => {
    const config = writeConfig('review', 'review.db', { patch_type: 'strategic' });
    const scan = await eventually(async () => {
      const attempt = await cli(['workloads', 'scan', '--config', config]);
      assert.equal(attempt.code, 0, attempt.stderr);
      return attempt;
    });
    assert.match(scan.stdout, /vulnerabilities +Deployment .*\/shop +CRITICAL .*ghcr\.io\/acme\/shop:1\.4\.3 \(#1\)/);
    assert.match(
      scan.stdout,
      /Deployment .*\/billing .*none: every candidate tag for quay\.io\/acme\/billing:0\.9\.1 is refused/,
    );
    assert.match(
      scan.stdout,
      /remediation #1 \(pending\) for .*\/shop: ghcr\.io\/acme\/shop:1\.4\.2 -> ghcr\.io\/acme\/shop:1\.4\.3 \[scan-report\]/,
    );
    assert.match(scan.stdout, /approve with: devops-agent workloads approve 1/);
    assert.equal(await image('shop'), 'ghcr.io/acme/shop:1.4.2', 'nothing changes before approval');

    const json = await cli(['workloads', 'scan', '--config', config, '--format', 'json', '--preview']);
    const billing = JSON.parse(json.stdout).findings.find(
      (finding: { workload: string }) => finding.workload === 'billing',
    );
    assert.equal(billing.plan, null);
    assert.match(billing.planError, /0\.9\.2: registry quay\.io is not in workloads\.policy\.allowed_registries/);

    const show = await cli(['workloads', 'show', '1', '--config', config]);
    assert.match(show.stdout, /#1 pending: .*\/shop container app/);
    assert.match(show.stdout, /CVEs: CVE-2024-5535/);
    const approve = await cli(['workloads', 'approve', '1', '--config', config]);
    assert.equal(approve.code, 0, approve.stderr);
    assert.match(approve.stdout, /approved by cli \(tester\).*now runs ghcr\.io\/acme\/shop:1\.4\.3/);
    assert.equal(await image('shop'), 'ghcr.io/acme/shop:1.4.3');
    const live = await admin.getDeployment(namespace, 'shop');
    const annotations = (live.metadata as { annotations: Record<string, string> }).annotations;
    assert.equal(annotations.team, 'checkout', 'the strategic merge keeps other annotations');
    assert.deepEqual(JSON.parse(annotations[PREVIOUS_IMAGES_ANNOTATION]), { app: 'ghcr.io/acme/shop:1.4.2' });
  });

  it('rolls back from the annotation when the database does not know the deployment', async () => {
    const config = writeConfig('fresh', 'fresh.db', {});
    const rollback = await cli(['workloads', 'rollback', `${namespace}/shop`, '--config', config]);
    assert.equal(rollback.code, 0, rollback.stderr);
    assert.match(
      rollback.stdout,
      /rolled back: .*\/shop container app: ghcr\.io\/acme\/shop:1\.4\.3 -> ghcr\.io\/acme\/shop:1\.4\.2/,
    );
    assert.equal(await image('shop'), 'ghcr.io/acme/shop:1.4.2');
    const nothing = await cli(['workloads', 'rollback', `${namespace}/billing`, '--config', config]);
    assert.equal(nothing.code, 1);
    assert.match(nothing.stderr, /no applied remediation .* and no devops-agent\.io\/previous-images annotation/);
    const bad = await cli(['workloads', 'rollback', 'not a target', '--config', config]);
    assert.equal(bad.code, 2);
  });

  it('applies without a person only when workloads.auto_patch is on', async () => {
    const config = writeConfig('auto', 'auto.db', { auto_patch: true });
    const scan = await cli(['workloads', 'scan', '--config', config, '--format', 'json']);
    assert.equal(scan.code, 0, scan.stderr);
    const result = JSON.parse(scan.stdout);
    assert.deepEqual(
      result.autoPatched.map((entry: { decision: string }) => entry.decision),
      ['applied'],
    );
    assert.equal(await image('shop'), 'ghcr.io/acme/shop:1.4.3');
    const list = await cli(['workloads', 'list', '--config', config, '--format', 'json']);
    const [remediation] = JSON.parse(list.stdout).remediations;
    assert.equal(remediation.status, 'applied');
    assert.equal(remediation.decidedBy, 'policy (workloads.auto_patch)');

    // The new image cannot be pulled: the finding says how to undo the agent's change.
    await admin.podStatus(namespace, shopPods[0], {
      phase: 'Pending',
      containerStatuses: [
        containerStatus('app', 'ghcr.io/acme/shop:1.4.3', {
          state: { waiting: { reason: 'ErrImagePull', message: 'not found' } },
        }),
      ],
    });
    const after = await cli(['workloads', 'scan', '--config', config, '--format', 'json', '--preview']);
    const pull = JSON.parse(after.stdout).findings.find((finding: { kind: string }) => finding.kind === 'image-pull');
    assert.match(
      pull.hint,
      new RegExp(
        `changed app from ghcr.io/acme/shop:1.4.2 \\(remediation applied\\); undo with: devops-agent workloads rollback ${namespace}/shop`,
      ),
    );
  });
});

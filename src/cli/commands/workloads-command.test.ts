import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { stringify } from 'yaml';
import { openStore } from '../../store/store.ts';
import { recordRemediation } from '../../workload-guard/remediation-approvals.ts';
import { runCliInProcess } from '../testing/run-cli.ts';

// The API server only refuses an image with leading or trailing whitespace: anyone who may edit a deployment in a
// watched namespace can put a terminal escape in the middle of its image, and the plan's diff repeats it.
test('workloads show prints a stored plan with the image and diff control characters made visible', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'workloads-show-'));
  const database = join(directory, 'agent.db');
  const audit = join(directory, 'audit.jsonl');
  const evil = 'registry.example/shop:1.0\u001b]52;c;cm0gLXJmIH4=\u0007\u001b[2K';
  const store = openStore(database, audit);
  recordRemediation(
    store,
    {
      namespace: 'shop',
      deployment: 'web',
      container: 'app',
      currentImage: evil,
      targetImage: 'registry.example/shop:1.1',
      patchType: 'json',
      patch: [],
      diff: `--- deployment\n+++ deployment\n-        image: ${evil}\n+        image: registry.example/shop:1.1\n`,
      planHash: 'a'.repeat(64),
    },
    { source: 'trivy', finding: { kinds: ['vulnerability'], cves: [] }, expirySeconds: 3600 },
  );
  store.close();
  const config = join(directory, 'config.yaml');
  writeFileSync(config, stringify({ database: { path: database }, audit: { path: audit } }));
  const run = await runCliInProcess(['workloads', 'show', '1', '--config', config], { USER: 'tester' });
  assert.equal(run.code, 0, run.stderr);
  assert.doesNotMatch(run.stdout, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/, 'no raw control character');
  assert.match(run.stdout, /shop:1\.0\\x1b\]52;c;cm0gLXJmIH4=\\x07\\x1b\[2K -> registry\.example\/shop:1\.1/);
  assert.match(run.stdout, /^- {8}image: registry\.example\/shop:1\.0\\x1b\]52/m, 'the diff keeps its lines');
});

test('workloads show names the kind and how the patch reaches pods; rollback --kind takes only patched kinds', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'workloads-kind-'));
  const database = join(directory, 'agent.db');
  const audit = join(directory, 'audit.jsonl');
  const store = openStore(database, audit);
  const note = 'updateStrategy OnDelete: no pod is restarted; each pod keeps the old image until it is deleted';
  recordRemediation(
    store,
    {
      kind: 'StatefulSet',
      namespace: 'argocd',
      deployment: 'argocd-application-controller',
      container: 'argocd-application-controller',
      currentImage: 'quay.io/argoproj/argocd:v3.5.1',
      targetImage: 'quay.io/argoproj/argocd:v3.5.2',
      patchType: 'json',
      patch: [],
      diff: '',
      planHash: 'b'.repeat(64),
      rolloutNote: note,
    },
    { source: 'trivy', finding: { kinds: ['vulnerability'], cves: [] }, expirySeconds: 3600 },
  );
  store.close();
  const config = join(directory, 'config.yaml');
  writeFileSync(config, stringify({ database: { path: database }, audit: { path: audit } }));
  const show = await runCliInProcess(['workloads', 'show', '1', '--config', config], { USER: 'tester' });
  assert.equal(show.code, 0, show.stderr);
  assert.match(show.stdout, /^#1 pending: StatefulSet argocd\/argocd-application-controller container /);
  assert.ok(show.stdout.includes(`rollout: ${note}\n`), show.stdout);
  const list = await runCliInProcess(['workloads', 'list', '--config', config], { USER: 'tester' });
  assert.match(list.stdout, /WORKLOAD[\s\S]*StatefulSet argocd\/argocd-application-controller/);
  const job = await runCliInProcess(['workloads', 'rollback', 'batch/nightly', '--kind', 'Job', '--config', config], {
    USER: 'tester',
  });
  assert.notEqual(job.code, 0);
  assert.match(job.stderr, /--kind: expected one of Deployment, StatefulSet, DaemonSet, CronJob/);
});

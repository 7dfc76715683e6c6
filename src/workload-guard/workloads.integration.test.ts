// The workload guard against the testbed's real kube-apiserver, running AS THE RESTRICTED USER with only
// deploy/kubernetes/workload-guard-rbac.yaml bound: finds every failure state and the vulnerabilities, plans the image
// patch (server dry run), waits for approval, applies it after a correctly signed Slack callback (real HTTP POST),
// refuses forged, stale and replayed callbacks, approves through a signed Teams link, and rolls back.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { getRequestListener } from '@hono/node-server';
import { ensureTestbed } from '../../testbed/testbed-env.ts';
import { runCliInProcess } from '../cli/testing/run-cli.ts';
import { loadConfig } from '../config/load-config.ts';
import { tempConfig } from '../config/testing/temp-config.ts';
import { createHttpApp } from '../http/http-app.ts';
import { RequestGuard } from '../http/request-guard.ts';
import { KubernetesApiError } from '../kubernetes/kubernetes-api-error.ts';
import { type LoopbackServer, startLoopbackServer } from '../notifiers/loopback-http-server.ts';
import { openStore, type Store } from '../store/store.ts';
import { SLACK_INTERACTIONS_PATH, workloadApprovalRoutes } from './approval-routes.ts';
import { PREVIOUS_IMAGES_ANNOTATION } from './image-patch.ts';
import { getRemediation, listPendingRemediations, type WorkloadRuntime } from './remediation-approvals.ts';
import { slackSignature } from './slack-interaction.ts';
import { containerStatus, eventually, WorkloadTestCluster } from './testing/workload-test-cluster.ts';
import { WorkloadCluster } from './workload-cluster.ts';

const SIGNING_SECRET = 'slack-signing-secret-for-the-test';
const LINK_SECRET = 'link-secret-with-at-least-32-characters!';
const RESTRICTED_USER = 'restricted';
const fixture = (name: string) => new URL(`./__fixtures__/${name}`, import.meta.url).pathname;

const cli = (args: string[]) => runCliInProcess(args, { ...process.env, USER: 'tester' });

interface JsonFinding {
  kind: string;
  namespace: string;
  workload: string;
  severity: string;
  detail: string;
  plan: {
    remediationId: number;
    targetImage: string;
    currentImage: string;
    diff: string;
    status: string;
    fixes: string[];
    unfixed: string[];
  } | null;
  planError?: string;
  vulnerabilities?: Array<{
    id: string;
    severity: string;
    package: string;
    installedVersion: string;
    fixedVersion: string;
  }>;
}

describe('workload guard as the restricted user on a real kube-apiserver', { timeout: 180_000 }, () => {
  let admin: WorkloadTestCluster;
  let namespace: string;
  let directory: string;
  let configPath: string;
  let chat: LoopbackServer;
  let approvals: Server;
  let approvalsUrl: string;
  let runtime: WorkloadRuntime;
  let store: Store;
  let _webReplicaSet: string;

  before(async () => {
    const env = await ensureTestbed();
    admin = new WorkloadTestCluster(env.kubeconfig);
    await admin.installTrivyCrd();
    namespace = await admin.namespace('workloads');

    // Each failure state, with its owner chain, and statuses as the kubelet/controllers would report them.
    const web = await admin.deployment(namespace, 'web', 'nginx:1.25.3', { container: 'web' });
    _webReplicaSet = web.replicaSet;
    const api = await admin.deployment(namespace, 'api', 'ghcr.io/shop/api:2.4.0', { pods: 2 });
    const worker = await admin.deployment(namespace, 'worker', 'ghcr.io/shop/worker:9.9.9-missing');
    const batch = await admin.deployment(namespace, 'batch', 'ghcr.io/shop/batch:1.0.0');
    const flaky = await admin.deployment(namespace, 'flaky', 'ghcr.io/shop/flaky:3.1.0');
    const queue = await admin.deployment(namespace, 'queue', 'ghcr.io/shop/queue:1.2.0');
    const cache = await admin.deployment(namespace, 'cache', 'redis:7.2.3-alpine', { container: 'cache' });

    const running = (name: string, image: string) => ({
      phase: 'Running',
      containerStatuses: [containerStatus(name, image, { ready: true, state: { running: {} } })],
    });
    await admin.podStatus(namespace, web.pods[0], running('web', 'nginx:1.25.3'));
    await admin.podStatus(namespace, cache.pods[0], running('cache', 'redis:7.2.3-alpine'));
    for (const pod of api.pods) {
      await admin.podStatus(namespace, pod, {
        phase: 'Running',
        containerStatuses: [
          containerStatus('app', 'ghcr.io/shop/api:2.4.0', {
            restartCount: 12,
            state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 5m0s restarting failed container' } },
            lastState: { terminated: { reason: 'Error', exitCode: 1 } },
          }),
        ],
      });
    }
    await admin.podStatus(namespace, worker.pods[0], {
      phase: 'Pending',
      containerStatuses: [
        containerStatus('app', 'ghcr.io/shop/worker:9.9.9-missing', {
          state: { waiting: { reason: 'ImagePullBackOff', message: 'manifest unknown' } },
        }),
      ],
    });
    await admin.podStatus(namespace, batch.pods[0], {
      phase: 'Running',
      containerStatuses: [
        containerStatus('app', 'ghcr.io/shop/batch:1.0.0', {
          restartCount: 2,
          state: { running: {} },
          lastState: { terminated: { reason: 'OOMKilled', exitCode: 137 } },
        }),
      ],
    });
    await admin.podStatus(namespace, flaky.pods[0], {
      phase: 'Running',
      containerStatuses: [
        containerStatus('app', 'ghcr.io/shop/flaky:3.1.0', { restartCount: 8, ready: true, state: { running: {} } }),
      ],
    });
    await admin.podStatus(namespace, queue.pods[0], {
      phase: 'Pending',
      conditions: [
        { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/3 nodes are available' },
      ],
    });
    await admin.deploymentStatus(namespace, 'api', { replicas: 2, availableReplicas: 0, unavailableReplicas: 2 });
    await admin.vulnerabilityReport(namespace, web.replicaSet);

    chat = await startLoopbackServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.end('ok');
    });
    approvals = createServer();
    await new Promise<void>((resolve) => approvals.listen(0, '127.0.0.1', resolve));
    approvalsUrl = `http://127.0.0.1:${(approvals.address() as AddressInfo).port}`;
    ({ directory, config: configPath } = tempConfig('devops-agent-workloads-', () => ({
      mode: 'review',
      kubernetes: { kubeconfig: env.kubeconfigRestricted, request_attempts: 2 },
      workloads: {
        namespaces: [namespace],
        pending_timeout: '0s',
        vulnerabilities: { report_files: [fixture('trivy-image-redis.json')] },
        approval: { slack_signing_secret: SIGNING_SECRET, link_secret: LINK_SECRET, public_url: approvalsUrl },
      },
      // Slack buttons need the interaction endpoint, which only the web server serves (here: the test's server).
      web: { enabled: true },
      notifications: {
        channels: [
          { kind: 'slack', name: 'ops-slack', webhook_url: `${chat.url}/slack`, max_retries: 0 },
          { kind: 'teams', name: 'ops-teams', webhook_url: `${chat.url}/teams`, max_retries: 0 },
        ],
      },
    })));
    const loaded = loadConfig({ path: configPath, env: {} });
    assert.ok(loaded.config, loaded.errors.join('\n'));
    store = openStore(loaded.config.database.path, loaded.config.audit.path);
    // The loopback chat server stands in for Slack's https hooks: allowed here, never by the production code.
    runtime = { config: loaded.config, store, slackResponseUrlAllowed: (url) => url.startsWith(`${chat.url}/`) };
    // The approval routes on the one HTTP stack, as the web server mounts them (Host check, body limit, headers).
    const app = createHttpApp({
      routes: workloadApprovalRoutes(runtime),
      guard: new RequestGuard({ loopbackOnly: true }),
    });
    approvals.on('request', getRequestListener(app.fetch, { overrideGlobalObjects: false }));
  });

  after(async () => {
    store?.close();
    await chat?.close();
    approvals?.closeAllConnections();
    await new Promise<void>((resolve) => (approvals ? approvals.close(() => resolve()) : resolve()));
    if (directory) rmSync(directory, { recursive: true, force: true });
  });

  it('without the Role, the scan fails with an error naming the refused request and the RBAC file', async () => {
    const result = await cli(['workloads', 'scan', '--config', configPath, '--format', 'json']);
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /forbidden: user "restricted" may not list (pods|replicasets\.apps|deployments\.apps) in namespace workloads-/,
    );
    assert.match(result.stderr, /deploy\/kubernetes\/workload-guard-rbac\.yaml/);
  });

  it('with the Role bound, finds every failure state and the vulnerabilities, and plans the patches', async () => {
    await admin.grantWorkloadGuard(RESTRICTED_USER, namespace);
    const result = await eventually(async () => {
      const attempt = await cli(['workloads', 'scan', '--config', configPath, '--format', 'json']);
      assert.equal(attempt.code, 0, attempt.stderr);
      return attempt;
    });
    const { findings } = JSON.parse(result.stdout) as { findings: JsonFinding[] };
    const find = (kind: string, workload: string) => {
      const found = findings.find((finding) => finding.kind === kind && finding.workload === workload);
      assert.ok(
        found,
        `expected ${kind} on ${workload}; got ${findings.map((f) => `${f.kind}/${f.workload}`).join(', ')}`,
      );
      assert.equal(found.namespace, namespace);
      return found;
    };
    const crash = find('crash-loop', 'api') as JsonFinding & { logError?: string; logExcerpt?: string };
    assert.match(
      crash.detail,
      /CrashLoopBackOff \(last run exited with code 1 \(Error\)\): back-off 5m0s.* in 2 pods; 12 restarts/,
    );
    // pods/log is granted and read (the testbed has no kubelet, so the API server answers 204: an empty excerpt).
    assert.equal(crash.logError, undefined);
    assert.equal(crash.logExcerpt, '');
    assert.match(find('unavailable-replicas', 'api').detail, /2 of 2 replicas unavailable/);
    assert.match(find('image-pull', 'worker').detail, /ImagePullBackOff: manifest unknown/);
    assert.match(find('oom-killed', 'batch').detail, /OOMKilled/);
    assert.match(find('restarts', 'flaky').detail, /8 restarts/);
    assert.match(find('pending', 'queue').detail, /Unschedulable: 0\/3 nodes are available/);

    const web = find('vulnerabilities', 'web');
    assert.equal(web.severity, 'CRITICAL', 'the unfixed CRITICAL zlib CVE is listed; only HIGH and above are');
    assert.deepEqual(
      web.vulnerabilities?.map((entry) => entry.id),
      ['CVE-2023-45853', 'CVE-2024-24989', 'CVE-2024-7347'].sort(),
    );
    assert.ok(web.plan, web.planError);
    assert.equal(web.plan.currentImage, 'nginx:1.25.3');
    assert.equal(web.plan.targetImage, 'nginx:1.25.5');
    assert.equal(web.plan.status, 'pending');
    assert.deepEqual(web.plan.fixes.sort(), ['CVE-2024-24989', 'CVE-2024-7347'], 'the plan names the CVEs it fixes');
    assert.match(web.plan.diff, /\n- +(- )?image: nginx:1\.25\.3\n/);
    assert.match(web.plan.diff, /\n\+ +(- )?image: nginx:1\.25\.5\n/);
    assert.match(web.plan.diff, /devops-agent\.io\/previous-images/);

    const cache = find('vulnerabilities', 'cache');
    assert.ok(cache.plan, cache.planError);
    assert.equal(cache.plan.targetImage, 'redis:7.2.6-alpine');

    // The dry runs changed nothing; both plans wait for a person.
    const live = await admin.getDeployment(namespace, 'web');
    assert.equal(
      (live.spec as { template: { spec: { containers: Array<{ image: string }> } } }).template.spec.containers[0].image,
      'nginx:1.25.3',
    );
    assert.deepEqual(
      listPendingRemediations(store)
        .map((entry) => entry.deployment)
        .sort(),
      ['cache', 'web'],
    );

    // One Slack message with buttons and one Teams card with the signed link, per remediation.
    const posted = (path: string) =>
      chat.requests.filter((request) => request.path === path).map((request) => JSON.parse(request.body));
    const isApproval = (message: { blocks?: Array<{ type: string }>; attachments?: Array<{ content: object }> }) =>
      Boolean(
        message.blocks?.some((block) => block.type === 'actions') ||
          (message.attachments?.[0]?.content && 'actions' in message.attachments[0].content),
      );
    const slack = posted('/slack').filter(isApproval);
    const teams = posted('/teams').filter(isApproval);
    assert.equal(slack.length, 2);
    assert.equal(teams.length, 2);
    // Findings without a plan are announced as alerts, once: six health findings on each channel.
    const alerts = posted('/slack').filter((message) => !isApproval(message));
    assert.deepEqual(alerts.map((message) => message.blocks[0].text.text.replace(namespace, 'NS')).sort(), [
      'Container OOM-killed: NS/batch',
      'Container restarting: NS/flaky',
      'Crash loop: NS/api',
      'Image cannot be pulled: NS/worker',
      'Pod stuck Pending: NS/queue',
      'Replicas unavailable: NS/api',
    ]);
    assert.equal(posted('/teams').length, 8);
    const sentBefore = chat.requests.length;
    const webMessage = slack.find((message) => message.text.includes('/web?'));
    assert.ok(webMessage);
    assert.match(JSON.stringify(webMessage.blocks), /Fixes: CVE-2024-(24989|7347), CVE-2024-(24989|7347)/);
    const buttons = webMessage.blocks.find((block: { type: string }) => block.type === 'actions').elements;
    assert.deepEqual(
      buttons.map((button: { action_id: string }) => button.action_id),
      ['workloads_approve', 'workloads_reject'],
    );

    // A second scan does not ask again.
    const again = await cli(['workloads', 'scan', '--config', configPath, '--format', 'json']);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(
      chat.requests.length,
      sentBefore,
      'no second approval request and no repeated alert within the cooldown',
    );
  });

  const webRemediation = () => listPendingRemediations(store).find((entry) => entry.deployment === 'web')!;
  const slackBody = (id: number, hash: string, actionTs: string) =>
    `payload=${encodeURIComponent(
      JSON.stringify({
        type: 'block_actions',
        user: { id: 'U024BE7LH', username: 'alice' },
        actions: [
          {
            action_id: 'workloads_approve',
            value: JSON.stringify({ id, hash: hash.slice(0, 16) }),
            action_ts: actionTs,
          },
        ],
        response_url: `${chat.url}/response`,
      }),
    )}`;
  const postSlack = (body: string, timestamp: string, signature: string) =>
    fetch(`${approvalsUrl}${SLACK_INTERACTIONS_PATH}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-slack-request-timestamp': timestamp,
        'x-slack-signature': signature,
      },
      body,
    });
  let signedApproval: { body: string; timestamp: string; signature: string };
  let webId = 0;

  it('refuses a forged signature and a stale timestamp, leaving the deployment alone', async () => {
    const remediation = webRemediation();
    const body = slackBody(remediation.id, remediation.planHash, '1763800000.000100');
    const now = String(Math.floor(Date.now() / 1000));
    const forged = await postSlack(body, now, slackSignature('not-the-signing-secret', now, body));
    assert.equal(forged.status, 401);
    assert.match(await forged.text(), /bad signature/);
    const old = String(Math.floor(Date.now() / 1000) - 6 * 60);
    const stale = await postSlack(body, old, slackSignature(SIGNING_SECRET, old, body));
    assert.equal(stale.status, 401);
    assert.match(await stale.text(), /more than 5 minutes/);
    assert.equal(getRemediation(store, remediation.id)?.status, 'pending');
    signedApproval = { body, timestamp: now, signature: slackSignature(SIGNING_SECRET, now, body) };
  });

  it('applies the patch after a correctly signed Slack approval, as the restricted user', async () => {
    const remediation = webRemediation();
    webId = remediation.id;
    const response = await postSlack(signedApproval.body, signedApproval.timestamp, signedApproval.signature);
    const text = await response.text();
    assert.equal(response.status, 200, text);
    assert.match(text, /approved by slack:alice \(U024BE7LH\).*now runs nginx:1\.25\.5/);
    const live = await admin.getDeployment(namespace, 'web');
    const spec = live.spec as { template: { spec: { containers: Array<{ image: string }> } } };
    assert.equal(spec.template.spec.containers[0].image, 'nginx:1.25.5');
    const annotations = (live.metadata as { annotations: Record<string, string> }).annotations;
    assert.deepEqual(JSON.parse(annotations[PREVIOUS_IMAGES_ANNOTATION]), { web: 'nginx:1.25.3' });
    const stored = getRemediation(store, remediation.id)!;
    assert.equal(stored.status, 'applied');
    assert.equal(stored.decidedBy, 'slack:alice (U024BE7LH)');
    const update = chat.requests.find((request) => request.path === '/response');
    assert.ok(update, 'the Slack message is updated through response_url');
    assert.equal(JSON.parse(update.body).replace_original, true);
  });

  it('refuses the same request replayed', async () => {
    const replay = await postSlack(signedApproval.body, signedApproval.timestamp, signedApproval.signature);
    assert.equal(replay.status, 409);
    assert.match(await replay.text(), /replay/);
    // A fresh signature over a new timestamp but the same button press is refused too (action id remembered).
    const now = String(Math.floor(Date.now() / 1000) + 1);
    const again = await postSlack(signedApproval.body, now, slackSignature(SIGNING_SECRET, now, signedApproval.body));
    assert.equal(again.status, 409);
    assert.match(await again.text(), /already handled/);
  });

  it('approves through the signed Teams link: GET shows the plan, POST applies it once', async () => {
    const teams = chat.requests
      .filter((request) => request.path === '/teams')
      .map((request) => JSON.parse(request.body))
      .find((card) => JSON.stringify(card).includes('redis:7.2.6-alpine'));
    const action = teams.attachments[0].content.actions[0];
    assert.equal(action.type, 'Action.OpenUrl');
    const link = new URL(action.url);
    const page = await fetch(link);
    const html = await page.text();
    assert.equal(page.status, 200);
    assert.match(html, /redis:7\.2\.3-alpine -&#62; redis:7\.2\.6-alpine/);
    const tampered = new URLSearchParams(link.searchParams);
    tampered.set('expires', String(Number(tampered.get('expires')) + 3600));
    tampered.set('decision', 'approve');
    const refused = await fetch(link.origin + link.pathname, { method: 'POST', body: tampered });
    assert.equal(refused.status, 403);
    const form = new URLSearchParams(link.searchParams);
    form.set('decision', 'approve');
    form.set('by', 'bob');
    const approved = await fetch(link.origin + link.pathname, { method: 'POST', body: form });
    assert.equal(approved.status, 200, await approved.clone().text());
    assert.match(await approved.text(), /now runs redis:7\.2\.6-alpine/);
    const reused = await fetch(link.origin + link.pathname, { method: 'POST', body: form });
    assert.equal(reused.status, 409);
    const live = await admin.getDeployment(namespace, 'cache');
    const spec = live.spec as { template: { spec: { containers: Array<{ image: string }> } } };
    assert.equal(spec.template.spec.containers[0].image, 'redis:7.2.6-alpine');
  });

  it('a forbidden operation (delete a deployment, patch a ConfigMap) is a clear error', async () => {
    const cluster = WorkloadCluster.fromConfig(runtime.config);
    const deletion = cluster.call({ verb: 'delete', resource: 'deployments.apps', namespace, name: 'web' }, (options) =>
      cluster.clients.apps.deleteNamespacedDeployment({ name: 'web', namespace }, options),
    );
    await assert.rejects(deletion, (error: unknown) => {
      assert.ok(error instanceof KubernetesApiError);
      assert.equal(error.reason, 'forbidden');
      assert.match(
        error.message,
        new RegExp(`forbidden: user "restricted" may not delete deployments.apps/web in namespace ${namespace}`),
      );
      return true;
    });
    const patch = cluster.call({ verb: 'patch', resource: 'configmaps', namespace, name: 'settings' }, (options) =>
      cluster.clients.core.patchNamespacedConfigMap(
        { name: 'settings', namespace, body: { data: { a: 'b' } } },
        options,
      ),
    );
    await assert.rejects(patch, /forbidden: user "restricted" may not patch configmaps\/settings/);
    assert.ok(await admin.getDeployment(namespace, 'web'), 'the deployment is still there');
  });

  it('rolls back to the previous image with one command, and the audit chain verifies', async () => {
    const rollback = await cli(['workloads', 'rollback', `${namespace}/web`, '--config', configPath]);
    assert.equal(rollback.code, 0, rollback.stderr);
    assert.match(rollback.stdout, /rolled back: .*\/web container web: nginx:1\.25\.5 -> nginx:1\.25\.3/);
    const live = await admin.getDeployment(namespace, 'web');
    const spec = live.spec as { template: { spec: { containers: Array<{ image: string }> } } };
    assert.equal(spec.template.spec.containers[0].image, 'nginx:1.25.3');
    const list = await cli(['workloads', 'list', '--config', configPath, '--format', 'json']);
    const { remediations } = JSON.parse(list.stdout) as { remediations: Array<{ deployment: string; status: string }> };
    assert.equal(remediations.find((entry) => entry.deployment === 'web')?.status, 'rolled_back');
    assert.equal(remediations.find((entry) => entry.deployment === 'cache')?.status, 'applied');
    const twice = await cli(['workloads', 'approve', String(webId), '--config', configPath]);
    assert.equal(twice.code, 1);
    assert.match(twice.stderr, /not pending/);
    const verify = await cli(['audit', 'verify', '--config', configPath]);
    assert.equal(verify.code, 0, verify.stderr + verify.stdout);
  });
});

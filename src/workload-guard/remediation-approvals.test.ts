import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { defaultConfig, loadConfig } from '../config/load-config.ts';
import { openStore } from '../store/store.ts';
import { hashPatch, type ImagePatchPlan } from './image-patch.ts';
import {
  approveRemediation,
  getRemediation,
  listPendingRemediations,
  recordRemediation,
  rejectRemediation,
  type WorkloadRuntime,
} from './remediation-approvals.ts';
import { handleSlackInteraction, slackSignature } from './slack-interaction.ts';

const directory = mkdtempSync(join(tmpdir(), 'workloads-approvals-'));
const store = openStore(join(directory, 'agent.db'), join(directory, 'audit.jsonl'));
after(() => {
  store.close();
  rmSync(directory, { recursive: true, force: true });
});

function plan(deployment: string, target = 'nginx:1.25.5'): ImagePatchPlan {
  const patch = [{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: target }];
  return {
    namespace: 'shop',
    deployment,
    container: 'web',
    currentImage: 'nginx:1.25.3',
    targetImage: target,
    patchType: 'json',
    patch,
    diff: '- image: nginx:1.25.3\n+ image: nginx:1.25.5\n',
    planHash: hashPatch(patch),
  };
}
const details = { source: 'fixed-version', finding: { kinds: ['vulnerabilities'], cves: [] }, expirySeconds: 3600 };
// No cluster: every decision below is settled before any Kubernetes call (a call would fail on the missing kubeconfig).
const runtime = (now: Date, workloads: Record<string, unknown> = {}): WorkloadRuntime => ({
  config: defaultConfig({
    'kubernetes.kubeconfig': join(directory, 'missing-kubeconfig'),
    // The Slack interaction endpoint is served by the web server: a signing secret requires it.
    'web.enabled': true,
    ...Object.fromEntries(Object.entries(workloads).map(([key, value]) => [`workloads.${key}`, value])),
  }),
  store,
  now: () => now,
});

describe('remediation approvals in SQLite', () => {
  const start = new Date('2026-11-22T10:00:00Z');

  it('a plan changing more containers is another plan, stored with every change', () => {
    const single = recordRemediation(store, plan('argocd-repo-server'), details, start);
    const changes = [
      { container: 'web', currentImage: 'nginx:1.25.3', targetImage: 'nginx:1.25.5' },
      { container: 'copy', currentImage: 'nginx:1.25.3', targetImage: 'nginx:1.25.5' },
    ];
    const both = recordRemediation(store, { ...plan('argocd-repo-server'), changes }, details, start);
    assert.equal(single.created, true);
    assert.equal(both.created, true);
    assert.deepEqual(getRemediation(store, both.remediation.id)?.changes, changes);
    assert.equal(getRemediation(store, single.remediation.id)?.changes, undefined);
    assert.equal(recordRemediation(store, { ...plan('argocd-repo-server'), changes }, details, start).created, false);
    for (const { remediation } of [single, both]) rejectRemediation(runtime(start), remediation.id, 'tester');
  });

  it('stores a plan once while it is pending', () => {
    const first = recordRemediation(store, plan('web'), details, start);
    const again = recordRemediation(store, plan('web'), details, start);
    assert.equal(first.created, true);
    assert.equal(again.created, false);
    assert.equal(again.remediation.id, first.remediation.id);
    const other = recordRemediation(store, plan('web', 'nginx:1.26.0'), details, start);
    assert.notEqual(other.remediation.id, first.remediation.id);
    assert.equal(listPendingRemediations(store, start).length, 2);
  });

  it('refuses a decision bound to another plan, an unknown id, and a second decision', async () => {
    const { remediation } = recordRemediation(store, plan('api'), details, start);
    const mismatch = await approveRemediation(runtime(start), remediation.id, 'tester', '0123456789abcdef');
    assert.equal(mismatch.status, 'hash_mismatch');
    assert.equal((await approveRemediation(runtime(start), 99999, 'tester')).status, 'not_found');
    const rejected = rejectRemediation(runtime(start), remediation.id, 'tester', 'not during the sale');
    assert.equal(rejected.status, 'rejected');
    assert.equal(getRemediation(store, remediation.id)?.decisionNote, 'not during the sale');
    const late = await approveRemediation(runtime(start), remediation.id, 'tester');
    assert.equal(late.status, 'not_pending');
    assert.match((late as { error: string }).error, /is rejected, not pending/);
  });

  it('expires pending remediations', async () => {
    const { remediation } = recordRemediation(store, plan('cart'), details, start);
    const later = new Date(start.getTime() + 3601_000);
    const decision = await approveRemediation(runtime(later), remediation.id, 'tester');
    assert.equal(decision.status, 'expired');
    assert.equal(listPendingRemediations(store, later).length, 0);
  });
});

describe('Slack callback policy checks', () => {
  const secret = 'unit-test-signing-secret';
  const now = new Date();
  const call = async (userId: string, actionTs: string, workloads: Record<string, unknown>) => {
    const { remediation } = recordRemediation(store, plan(`slack-${actionTs}`), details, now);
    const body = `payload=${encodeURIComponent(
      JSON.stringify({
        type: 'block_actions',
        user: { id: userId, username: 'mallory' },
        actions: [
          {
            action_id: 'workloads_approve',
            value: JSON.stringify({ id: remediation.id, hash: remediation.planHash.slice(0, 16) }),
            action_ts: actionTs,
          },
        ],
      }),
    )}`;
    const timestamp = String(Math.floor(now.getTime() / 1000));
    const headers = {
      'x-slack-request-timestamp': timestamp,
      'x-slack-signature': slackSignature(secret, timestamp, body),
    };
    return { remediation, answer: await handleSlackInteraction(body, headers, runtime(now, workloads)) };
  };

  it('refuses users outside workloads.approval.slack_approvers', async () => {
    const { remediation, answer } = await call('U0MALLORY', '1.1', {
      'approval.slack_signing_secret': secret,
      'approval.slack_approvers': ['U024BE7LH'],
    });
    assert.equal(answer.status, 403);
    assert.match(answer.body, /slack_approvers/);
    assert.equal(getRemediation(store, remediation.id)?.status, 'pending');
  });

  it('answers 503 when no signing secret is configured, without touching anything', async () => {
    const { remediation, answer } = await call('U024BE7LH', '1.2', {});
    assert.equal(answer.status, 503);
    assert.equal(getRemediation(store, remediation.id)?.status, 'pending');
  });

  it('rejects through the button, bound to the plan hash', async () => {
    const { remediation } = recordRemediation(store, plan('reject-me'), details, now);
    const body = `payload=${encodeURIComponent(
      JSON.stringify({
        type: 'block_actions',
        user: { id: 'U024BE7LH', username: 'alice' },
        actions: [
          {
            action_id: 'workloads_reject',
            value: JSON.stringify({ id: remediation.id, hash: remediation.planHash.slice(0, 16) }),
            action_ts: '2.1',
          },
        ],
      }),
    )}`;
    const timestamp = String(Math.floor(now.getTime() / 1000));
    const headers = {
      'x-slack-request-timestamp': timestamp,
      'x-slack-signature': slackSignature(secret, timestamp, body),
    };
    const answer = await handleSlackInteraction(
      body,
      headers,
      runtime(now, { 'approval.slack_signing_secret': secret }),
    );
    assert.equal(answer.status, 200);
    assert.match(answer.body, /rejected by slack:alice/);
    assert.equal(getRemediation(store, remediation.id)?.status, 'rejected');
  });
});

describe('Slack response_url', () => {
  const secret = 'unit-test-signing-secret';
  const rejectBody = (id: number, hash: string, actionTs: string, responseUrl: string) =>
    `payload=${encodeURIComponent(
      JSON.stringify({
        type: 'block_actions',
        user: { id: 'U024BE7LH', username: 'alice' },
        actions: [
          {
            action_id: 'workloads_reject',
            value: JSON.stringify({ id, hash: hash.slice(0, 16) }),
            action_ts: actionTs,
          },
        ],
        response_url: responseUrl,
      }),
    )}`;
  const press = async (actionTs: string, responseUrl: string, inject?: (url: string) => boolean) => {
    const now = new Date();
    const { remediation } = recordRemediation(store, plan(`response-${actionTs}`), details, now);
    const body = rejectBody(remediation.id, remediation.planHash, actionTs, responseUrl);
    const timestamp = String(Math.floor(now.getTime() / 1000));
    const headers = {
      'x-slack-request-timestamp': timestamp,
      'x-slack-signature': slackSignature(secret, timestamp, body),
    };
    const posted: string[] = [];
    const realFetch = globalThis.fetch;
    // Records where the outcome would be posted instead of sending it (no server in a unit test).
    globalThis.fetch = (async (url: string | URL) => {
      posted.push(String(url));
      return new Response('ok');
    }) as typeof fetch;
    try {
      const base = runtime(now, { 'approval.slack_signing_secret': secret });
      const answer = await handleSlackInteraction(body, headers, { ...base, slackResponseUrlAllowed: inject });
      assert.equal(answer.status, 200, answer.body);
    } finally {
      globalThis.fetch = realFetch;
    }
    return posted;
  };

  it('production code posts only to https:// (a plain http://127.0.0.1 is not trusted)', async () => {
    assert.deepEqual(await press('9.1', 'http://127.0.0.1:9/response'), []);
    assert.deepEqual(await press('9.2', 'https://hooks.slack.com/actions/T1/2/abc'), [
      'https://hooks.slack.com/actions/T1/2/abc',
    ]);
  });
  it("posts only to Slack's own hooks host: a signed payload naming another https host is not followed", async () => {
    assert.deepEqual(await press('9.4', 'https://169.254.169.254/latest/meta-data/iam'), []);
    assert.deepEqual(await press('9.5', 'https://hooks.slack.com.attacker.example/actions/T1/2/abc'), []);
    assert.deepEqual(await press('9.6', 'https://user@hooks.slack.com:8443/actions/T1/2/abc'), []);
    assert.deepEqual(await press('9.7', 'https://hooks.slack-gov.com/actions/T1/2/abc'), [
      'https://hooks.slack-gov.com/actions/T1/2/abc',
    ]);
  });
  it('a test may inject which response_url is allowed', async () => {
    const url = 'http://127.0.0.1:9/response';
    assert.deepEqual(await press('9.3', url, (candidate) => candidate === url), [url]);
  });
});

describe('Slack buttons need the web server', () => {
  it('refuses at config load a signing secret without web.enabled, naming both settings', () => {
    const result = loadConfig({ overrides: { 'workloads.approval.slack_signing_secret': 'x' }, env: {} });
    assert.equal(result.config, undefined);
    assert.match(result.errors.join('\n'), /workloads\.approval\.slack_signing_secret: .*web\.enabled: true/);
  });
  it('accepts it when the web server runs (web.enabled or --serve-spa)', () => {
    const result = loadConfig({
      overrides: { 'workloads.approval.slack_signing_secret': 'x', 'web.enabled': true },
      env: {},
    });
    assert.deepEqual(result.errors, []);
  });
});

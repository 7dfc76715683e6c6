import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { requestCommandApproval } from '../command-runner/command-approvals.ts';
import { LlmExchangeStore } from '../llm/llm-exchange-store.ts';
import { scanEvents, startWebFixture, type WebFixture } from './web-test-setup.ts';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: test assertions walk arbitrary JSON
  json: any;
}

const WRITE_HEADERS = { 'Content-Type': 'application/json', 'X-Requested-With': 'devops-agent' };

/** node:http rather than fetch: the tests must set Host, Origin and Sec-Fetch-Site exactly as a browser would. */
function call(
  base: string,
  method: string,
  path: string,
  options: { body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const url = new URL(path, base);
  const payload = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      url,
      {
        method,
        headers: {
          ...(method === 'GET' ? {} : WRITE_HEADERS),
          ...(payload === undefined ? {} : { 'Content-Length': String(Buffer.byteLength(payload)) }),
          ...options.headers,
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: response.statusCode ?? 0, headers: response.headers, text, json });
        });
      },
    );
    request.on('error', reject);
    if (payload !== undefined) request.write(payload);
    request.end();
  });
}

describe('review API over HTTP (review mode, incidents replayed through the NetworkGuard)', () => {
  let fixture: WebFixture;
  let base: string;
  const ids: Record<string, number> = {};

  before(async () => {
    fixture = await startWebFixture();
    base = fixture.server.url;
    for (const [index, ip] of ['203.0.113.20', '203.0.113.21', '203.0.113.22', '203.0.113.23'].entries()) {
      const [incident] = await fixture.replay(scanEvents(ip, { start: Date.parse('2026-11-01T10:00:00Z') + index }));
      ids[ip] = incident.id;
      // distinct updated_at so "newest first" is observable
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  });
  after(() => fixture.close());

  test('lists pending incidents newest first, with counts and paging', async () => {
    const all = await call(base, 'GET', '/api/incidents?status=pending');
    assert.equal(all.status, 200);
    assert.equal(all.json.counts.pending, 4);
    assert.equal(all.json.total, 4);
    assert.equal(all.json.mode, 'review');
    assert.deepEqual(
      all.json.incidents.map((incident: { ip: string }) => incident.ip),
      ['203.0.113.23', '203.0.113.22', '203.0.113.21', '203.0.113.20'],
    );
    assert.equal(all.json.incidents[0].sensitiveHits, 12);
    const page = await call(base, 'GET', '/api/incidents?limit=2&offset=2');
    assert.deepEqual(
      page.json.incidents.map((incident: { ip: string }) => incident.ip),
      ['203.0.113.21', '203.0.113.20'],
    );
    for (const bad of ['status=nonsense', 'limit=0', 'limit=abc', 'limit=1000', 'offset=-1']) {
      const reply = await call(base, 'GET', `/api/incidents?${bad}`);
      assert.equal(reply.status, 400, bad);
      assert.equal(typeof reply.json.error, 'string');
    }
  });

  test('detail carries evidence, status reason and the planned action with its diff', async () => {
    const id = ids['203.0.113.20'];
    const reply = await call(base, 'GET', `/api/incidents/${id}`);
    assert.equal(reply.status, 200);
    assert.equal(reply.json.ip, '203.0.113.20');
    assert.equal(reply.json.statusReason, 'awaiting review');
    assert.equal(reply.json.evidence.requests, 12);
    assert.equal(reply.json.evidence.samples.length > 0, true);
    assert.equal(Object.values(reply.json.evidence.perMinute as Record<string, number>).length >= 1, true);
    assert.equal(reply.json.allowlist, null);
    assert.equal(reply.json.canApprove, true);
    assert.equal(reply.json.actions.length, 1);
    assert.equal(reply.json.actions[0].status, 'planned');
    assert.match(reply.json.actions[0].plan.diff, /\+ +- 203\.0\.113\.20/);
    assert.equal((await call(base, 'GET', '/api/incidents/abc')).status, 400);
    assert.equal((await call(base, 'GET', '/api/incidents/0')).status, 400);
    assert.equal((await call(base, 'GET', '/api/incidents/1e3')).status, 400);
    const missing = await call(base, 'GET', '/api/incidents/9999');
    assert.equal(missing.status, 404);
    assert.equal(missing.json.error, 'incident 9999 does not exist');
  });

  test('recommendation shows the current plan, the policy verdict and the LLM opinion once there is one', async () => {
    const id = ids['203.0.113.21'];
    const before = await call(base, 'GET', `/api/incidents/${id}/recommendation`);
    assert.equal(before.status, 200);
    assert.equal(before.json.llmOpinion, null);
    assert.equal(before.json.canApprove, true);
    assert.deepEqual(before.json.policy, { allowed: true });
    assert.equal(before.json.action.target, '203.0.113.21');
    assert.match(before.json.currentPlan.diff, /\+ +- 203\.0\.113\.21/);
    assert.equal(before.json.plannedAction.status, 'planned');
    fixture.runtime.store.incidents.setLlmOpinion(id, {
      verdict: 'secrets_scanning',
      confidence: 0.92,
      summary: 'probing for credential files; header Authorization: Bearer abcdefghijklmnop',
    });
    const after = await call(base, 'GET', `/api/incidents/${id}/recommendation`);
    assert.equal(after.json.llmOpinion.verdict, 'secrets_scanning');
    assert.match(after.json.llmOpinion.summary, /\[REDACTED\]/);
    assert.doesNotMatch(after.json.llmOpinion.summary, /abcdefghijklmnop/);
  });

  test('state-changing requests need JSON, the custom header and a same-origin browser context', async () => {
    const id = ids['203.0.113.22'];
    const path = `/api/incidents/${id}/approve`;
    const noHeader = await call(base, 'POST', path, { body: {}, headers: { 'X-Requested-With': '' } });
    assert.equal(noHeader.status, 403);
    const form = await call(base, 'POST', path, {
      rawBody: 'a=b',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(form.status, 415);
    const crossOrigin = await call(base, 'POST', path, { body: {}, headers: { Origin: 'https://evil.example' } });
    assert.equal(crossOrigin.status, 403);
    assert.match(crossOrigin.json.error, /Origin/);
    const crossSite = await call(base, 'POST', path, { body: {}, headers: { 'Sec-Fetch-Site': 'cross-site' } });
    assert.equal(crossSite.status, 403);
    const rebound = await call(base, 'GET', '/api/incidents', { headers: { Host: 'attacker.example:8080' } });
    assert.equal(rebound.status, 421);
    assert.equal(fixture.runtime.store.incidents.get(id)?.status, 'pending');
  });

  test('bad bodies get 400/413, unknown routes 404, wrong methods 405 with Allow, never a stack trace', async () => {
    const id = ids['203.0.113.22'];
    const invalid = await call(base, 'POST', `/api/incidents/${id}/reject`, { rawBody: '{"reason":' });
    assert.equal(invalid.status, 400);
    assert.equal(invalid.json.error, 'request body is not valid JSON');
    const array = await call(base, 'POST', `/api/incidents/${id}/reject`, { rawBody: '["x"]' });
    assert.equal(array.status, 400);
    const wrongType = await call(base, 'POST', `/api/incidents/${id}/reject`, { body: { reason: 42 } });
    assert.equal(wrongType.status, 400);
    assert.equal(wrongType.json.error, 'reason: expected a string');
    const noReason = await call(base, 'POST', `/api/incidents/${id}/reject`, { body: { reason: '   ' } });
    assert.equal(noReason.status, 400);
    assert.equal(noReason.json.error, 'reason: required');
    const huge = await call(base, 'POST', `/api/incidents/${id}/reject`, {
      body: { reason: 'x'.repeat(100_000) },
    });
    assert.equal(huge.status, 413);
    const unknown = await call(base, 'GET', '/api/nothing-here');
    assert.equal(unknown.status, 404);
    const method = await call(base, 'DELETE', `/api/incidents/${id}`, { body: {} });
    assert.equal(method.status, 405);
    assert.equal(method.headers.allow, 'GET');
    const badEncoding = await call(base, 'GET', '/api/incidents/%E0%A4%A');
    assert.equal(badEncoding.status, 400);
    for (const reply of [invalid, array, wrongType, noReason, huge, unknown, method, badEncoding]) {
      assert.doesNotMatch(reply.text, /\n\s+at /);
    }
    assert.equal(fixture.runtime.store.incidents.get(id)?.status, 'pending');
  });

  test('approve blocks once; approving again or rejecting afterwards is a 409 and adds nothing', async () => {
    const id = ids['203.0.113.22'];
    const approved = await call(base, 'POST', `/api/incidents/${id}/approve`, {
      body: { by: 'alice' },
      headers: { Origin: base, 'Sec-Fetch-Site': 'same-origin' },
    });
    assert.equal(approved.status, 200);
    assert.equal(approved.json.outcome.status, 'blocked');
    assert.equal(approved.json.incident.status, 'blocked');
    assert.match(readFileSync(fixture.denylist, 'utf8'), /ipDenyList:\n(\s+- .*\n)*\s+- 203\.0\.113\.22/);
    const applied = approved.json.incident.actions.find((action: { status: string }) => action.status === 'applied');
    assert.equal(applied.approvedBy, 'web (alice)');
    const again = await call(base, 'POST', `/api/incidents/${id}/approve`, { body: {} });
    assert.equal(again.status, 409);
    assert.equal(again.json.error, `incident ${id} cannot be approved: already blocked`);
    const reject = await call(base, 'POST', `/api/incidents/${id}/reject`, { body: { reason: 'too late' } });
    assert.equal(reject.status, 409);
    const blocks = fixture.runtime.store.blocks.findActive('203.0.113.22');
    assert.equal(blocks.length, 1);
    assert.equal((readFileSync(fixture.denylist, 'utf8').match(/203\.0\.113\.22/g) ?? []).length, 1);
  });

  test('reject records the reason; approving a rejected incident is a 409', async () => {
    const id = ids['203.0.113.23'];
    const rejected = await call(base, 'POST', `/api/incidents/${id}/reject`, {
      body: { reason: 'our own pentest', by: 'bob' },
    });
    assert.equal(rejected.status, 200);
    assert.equal(rejected.json.incident.status, 'rejected');
    assert.equal(rejected.json.incident.statusReason, 'our own pentest');
    const approve = await call(base, 'POST', `/api/incidents/${id}/approve`, { body: {} });
    assert.equal(approve.status, 409);
    assert.match(approve.json.error, /it was rejected/);
    assert.doesNotMatch(readFileSync(fixture.denylist, 'utf8'), /203\.0\.113\.23/);
  });

  test('two approvals at once make one block: one 200, one 409', async () => {
    const [incident] = await fixture.replay(scanEvents('203.0.113.30'));
    const replies = await Promise.all([
      call(base, 'POST', `/api/incidents/${incident.id}/approve`, { body: {} }),
      call(base, 'POST', `/api/incidents/${incident.id}/approve`, { body: {} }),
    ]);
    assert.deepEqual(replies.map((reply) => reply.status).sort(), [200, 409]);
    assert.equal(fixture.runtime.store.blocks.findActive('203.0.113.30').length, 1);
    const applied = fixture.runtime.store.actions
      .forIncident(incident.id)
      .filter((action) => action.status === 'applied');
    assert.equal(applied.length, 1);
  });

  test('approval while the deny list cannot be written is a 502; a later approval applies it once', async () => {
    const [incident] = await fixture.replay(scanEvents('203.0.113.40'));
    const denylistDir = join(fixture.dir, 'dynamic');
    const saved = readFileSync(fixture.denylist, 'utf8');
    rmSync(denylistDir, { recursive: true });
    writeFileSync(denylistDir, 'not a directory'); // the backend is now unusable
    const failed = await call(base, 'POST', `/api/incidents/${incident.id}/approve`, { body: {} });
    assert.equal(failed.status, 502);
    assert.match(failed.json.error, /^the block could not be applied: cannot update/);
    assert.equal(failed.json.incident.status, 'failed');
    assert.equal(fixture.runtime.store.blocks.findActive('203.0.113.40').length, 0);
    rmSync(denylistDir);
    mkdirSync(denylistDir);
    writeFileSync(fixture.denylist, saved);
    const retried = await call(base, 'POST', `/api/incidents/${incident.id}/approve`, { body: {} });
    assert.equal(retried.status, 200);
    assert.equal(retried.json.incident.status, 'blocked');
    assert.equal((readFileSync(fixture.denylist, 'utf8').match(/203\.0\.113\.40/g) ?? []).length, 1);
    const statuses = fixture.runtime.store.actions.forIncident(incident.id).map((action) => action.status);
    assert.deepEqual(statuses, ['planned', 'failed', 'applied']);
  });

  test('unblock removes only the agent’s own block', async () => {
    assert.equal((await call(base, 'POST', '/api/unblock', { body: { target: 'not-an-ip' } })).status, 400);
    assert.equal((await call(base, 'POST', '/api/unblock', { body: {} })).status, 400);
    const notOurs = await call(base, 'POST', '/api/unblock', { body: { target: '192.0.2.99' } });
    assert.equal(notOurs.status, 409);
    assert.match(notOurs.json.error, /not blocked by devops-agent/);
    const done = await call(base, 'POST', '/api/unblock', { body: { target: '203.0.113.22', reason: 'false alarm' } });
    assert.equal(done.status, 200);
    assert.equal(done.json.outcome.status, 'unblocked');
    assert.doesNotMatch(readFileSync(fixture.denylist, 'utf8'), /203\.0\.113\.22/);
    assert.equal(fixture.runtime.store.incidents.get(ids['203.0.113.22'])?.status, 'resolved');
    const blocks = await call(base, 'GET', '/api/blocks');
    assert.equal(
      blocks.json.blocks.some((block: { target: string }) => block.target === '203.0.113.22'),
      false,
    );
  });

  test('site profile: the public paths the guard learned, from SQLite', async () => {
    const { SiteProfile } = await import('../network-guard/detection/site-profile.ts');
    const { SiteProfileStore } = await import('../network-guard/detection/site-profile-store.ts');
    const profile = new SiteProfile(fixture.runtime.config.detection.site_profile);
    for (let i = 0; i < 12; i++) profile.observe('shop.example', '/config.js', `198.51.100.${i}`, 200, Date.now(), 900);
    new SiteProfileStore(fixture.runtime.store.db).save(profile);
    const site = await call(base, 'GET', '/api/site/paths?host=shop.example');
    assert.equal(site.status, 200);
    assert.deepEqual(
      site.json.paths.map((row: { path: string; public: boolean }) => [row.path, row.public]),
      [['/config.js', true]],
    );
  });

  test('allowlist: add, list, remove; bad input is a 400 naming the field', async () => {
    const bad = await call(base, 'POST', '/api/allowlist', { body: { ipOrCidr: '300.1.1.1' } });
    assert.equal(bad.status, 400);
    assert.match(bad.json.error, /^ipOrCidr: /);
    const past = await call(base, 'POST', '/api/allowlist', {
      body: { ipOrCidr: '198.51.100.0/24', expiresAt: '2001-01-01T00:00:00Z' },
    });
    assert.equal(past.status, 400);
    const added = await call(base, 'POST', '/api/allowlist', {
      body: { ipOrCidr: '198.51.100.0/24', description: 'office' },
    });
    assert.equal(added.status, 201);
    assert.equal(added.json.entry.ipOrCidr, '198.51.100.0/24');
    const listed = await call(base, 'GET', '/api/allowlist');
    assert.deepEqual(
      listed.json.entries.map((entry: { ipOrCidr: string }) => entry.ipOrCidr),
      ['198.51.100.0/24'],
    );
    const [incident] = await fixture.replay(scanEvents('198.51.100.7'));
    assert.equal(incident.status, 'allowed');
    const detail = await call(base, 'GET', `/api/incidents/${incident.id}`);
    assert.equal(detail.json.allowlist.description, 'office');
    assert.equal(detail.json.canApprove, false);
    const removed = await call(base, 'DELETE', '/api/allowlist', { body: { ipOrCidr: '198.51.100.0/24' } });
    assert.equal(removed.status, 200);
    const again = await call(base, 'DELETE', '/api/allowlist', { body: { ipOrCidr: '198.51.100.0/24' } });
    assert.equal(again.status, 404);
  });

  test('/metrics renders counters and gauges computed from the store', async () => {
    const exchanges = new LlmExchangeStore(fixture.runtime.store);
    for (const [validation, inputTokens] of [
      ['valid', 1200],
      ['valid', 800],
      ['invalid', 500],
    ] as const) {
      exchanges.recordExchange({
        purpose: 'incident_advice',
        model: 'ollama/llama3',
        prompt: 'fenced evidence',
        validation,
        inputTokens,
        outputTokens: 100,
        latencyMs: 30,
      });
    }
    const reply = await call(base, 'GET', '/metrics');
    assert.equal(reply.status, 200);
    assert.match(String(reply.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    const counts = fixture.runtime.store.incidents.countsByStatus();
    assert.match(
      reply.text,
      new RegExp(`devops_agent_incidents\\{status="pending",threat_type="secrets_scanning"\\} ${counts.pending}\\n`),
    );
    assert.match(reply.text, /devops_agent_actions\{action_type="block_ip",status="applied"\} 3\n/);
    assert.match(reply.text, /# TYPE devops_agent_actions_total counter/);
    assert.match(reply.text, /# HELP devops_agent_incidents_total /);
    assert.match(reply.text, /devops_agent_active_blocks\{blocker="traefik-file"\} 2\n/);
    assert.match(
      reply.text,
      /devops_agent_http_requests_total\{code="200",method="GET",route="\/api\/incidents"\} \d+/,
    );
    // prom-client: process and Node.js metrics, and the two latency histograms the blocks above fed.
    assert.match(reply.text, /^process_cpu_user_seconds_total \d/m);
    assert.match(reply.text, /^nodejs_heap_size_used_bytes \d/m);
    assert.match(reply.text, /devops_agent_detection_lag_seconds_count\{threat_type="secrets_scanning"\} [1-9]/);
    assert.match(
      reply.text,
      /devops_agent_block_latency_seconds_count\{blocker="traefik-file",status="applied"\} [1-9]/,
    );
    assert.match(reply.text, /devops_agent_llm_tokens_recorded_total\{kind="input",model="ollama\/llama3"\} 2500\n/);
  });

  test('security headers on the page and the API; health is public', async () => {
    for (const path of ['/', '/app.js', '/api/incidents', '/api/health']) {
      const reply = await call(base, 'GET', path);
      assert.equal(reply.status, 200, path);
      assert.equal(
        reply.headers['content-security-policy'],
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
      );
      assert.equal(reply.headers['x-content-type-options'], 'nosniff');
      assert.equal(reply.headers['referrer-policy'], 'no-referrer');
    }
    const page = await call(base, 'GET', '/');
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.match(page.text, /<script src="\/app\.js" defer><\/script>/);
    const health = await call(base, 'GET', '/api/health');
    assert.equal(health.json.status, 'ok');
  });

  test('pending shell-command approvals are listed and decided against the exact command hash', async () => {
    const pending = requestCommandApproval(fixture.runtime.store, {
      command: 'systemctl restart traefik',
      task: 'restart the proxy',
      level: 'HIGH',
      rule: 'service-restart',
      reason: 'restarts a service',
      effect: {
        programs: [{ program: 'systemctl', args: ['restart', 'traefik'] }],
        redirectTargets: [],
        outsidePaths: [],
      },
    });
    const listed = await call(base, 'GET', '/api/commands/pending');
    assert.equal(listed.json.available, true);
    assert.deepEqual(
      listed.json.approvals.map((approval: { command: string }) => approval.command),
      ['systemctl restart traefik'],
    );
    const wrongHash = await call(base, 'POST', `/api/commands/${pending.id}/approve`, {
      body: { commandHash: 'a'.repeat(64) },
    });
    assert.equal(wrongHash.status, 409);
    const badHash = await call(base, 'POST', `/api/commands/${pending.id}/approve`, { body: { commandHash: 'xyz' } });
    assert.equal(badHash.status, 400);
    const approved = await call(base, 'POST', `/api/commands/${pending.id}/approve`, {
      body: { commandHash: pending.commandHash, by: 'carol' },
    });
    assert.equal(approved.status, 200);
    assert.equal(approved.json.result.approval.approver, 'web (carol)');
    const twice = await call(base, 'POST', `/api/commands/${pending.id}/reject`, {
      body: { commandHash: pending.commandHash, reason: 'changed my mind' },
    });
    assert.equal(twice.status, 409);
    assert.equal((await call(base, 'GET', '/api/commands/pending')).json.approvals.length, 0);
  });

  test('the audit chain is intact after all of this', () => {
    assert.equal(fixture.runtime.store.audit.verify().ok, true);
  });
});

describe('bearer token', () => {
  let fixture: WebFixture;
  before(async () => {
    fixture = await startWebFixture({ token: 's3cret-token-for-tests' });
  });
  after(() => fixture.close());

  test('API and /metrics need the token; the static page and health do not', async () => {
    const base = fixture.server.url;
    const none = await call(base, 'GET', '/api/incidents');
    assert.equal(none.status, 401);
    assert.equal(none.headers['www-authenticate'], 'Bearer');
    const wrong = await call(base, 'GET', '/api/incidents', { headers: { Authorization: 'Bearer nope' } });
    assert.equal(wrong.status, 401);
    const right = await call(base, 'GET', '/api/incidents', {
      headers: { Authorization: 'Bearer s3cret-token-for-tests' },
    });
    assert.equal(right.status, 200);
    assert.equal((await call(base, 'GET', '/metrics')).status, 401);
    assert.equal(
      (await call(base, 'GET', '/metrics', { headers: { Authorization: 'Bearer s3cret-token-for-tests' } })).status,
      200,
    );
    const post = await call(base, 'POST', '/api/unblock', { body: { target: '203.0.113.1' } });
    assert.equal(post.status, 401);
    assert.equal((await call(base, 'GET', '/')).status, 200);
    assert.equal((await call(base, 'GET', '/api/health')).status, 200);
  });
});

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { ConfigOverrides } from '../../config/load-config.ts';
import { VERDICT_JSON } from '../../llm/testing/incident-fixture.ts';
import { PROVIDER_SETUPS } from '../../llm/testing/llm-test-setup.ts';
import { ScriptedLlmServer } from '../../llm/testing/scripted-llm-server.ts';
import { type FileTailDaemon, scannerLines, startFileTailDaemon } from './testing/file-tail-daemon.ts';

const BENIGN_JSON = JSON.stringify({
  verdict: 'benign',
  confidence: 0.8,
  reasons: ['a security audit the site owner announced', 'only six requests'],
  recommended_action: 'none',
});

function auditEntries(daemon: FileTailDaemon): Array<{ type: string; data: Record<string, unknown> }> {
  return readFileSync(daemon.config.audit.path, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
}

/**
 * The daemon's file path end to end (tailed Traefik log -> detector -> incident -> background investigation over
 * HTTP -> confirmation -> traefik-file block) against a loopback server speaking OpenAI's chat completions.
 */
describe('file tail: confirmation before an automatic block', () => {
  const server = new ScriptedLlmServer();
  let base = '';
  const daemons: FileTailDaemon[] = [];
  before(async () => {
    base = await server.start();
  });
  after(async () => {
    for (const daemon of daemons) await daemon.stop();
    await server.close();
  });
  const start = async (overrides: ConfigOverrides = {}) => {
    server.clearScript();
    const daemon = await startFileTailDaemon({ ...PROVIDER_SETUPS.openai.overrides(base), ...overrides });
    daemons.push(daemon);
    return daemon;
  };
  const incidentOf = (daemon: FileTailDaemon, ip: string) =>
    daemon.runtime.store.incidents.findActive(ip, 'secrets_scanning');

  it('a benign verdict leaves the incident pending for review, with the model reasons and the planned change', async () => {
    const daemon = await start();
    server.script({ kind: 'text', text: BENIGN_JSON });
    daemon.append(scannerLines('203.0.113.21'));
    const incident = await daemon.until(() => incidentOf(daemon, '203.0.113.21'), 10_000, 'the incident');
    await daemon.until(() => daemon.investigations.get(incident.id)?.confirmation !== 'waiting', 10_000, 'a verdict');
    const row = daemon.investigations.get(incident.id)!;
    assert.equal(row.confirmation, 'not_scanning');
    assert.match(row.confirmationDetail ?? '', /security audit/);
    const current = daemon.runtime.store.incidents.get(incident.id)!;
    assert.equal(current.status, 'pending');
    assert.match(
      daemon.runtime.store.incidents.statusReason(incident.id) ?? '',
      /not secrets scanning.*security audit/,
    );
    assert.deepEqual(
      [
        (current.llmOpinion as { verdict: string }).verdict,
        (current.llmOpinion as { confirmation: string }).confirmation,
      ],
      ['benign', 'not_scanning'],
      'the opinion shown with the incident says what the verdict did',
    );
    assert.equal(daemon.runtime.store.actions.forIncident(incident.id)[0]?.status, 'planned');
    assert.doesNotMatch(daemon.denylist(), /203\.0\.113\.21/);
    const request = server.requests.at(-1)!.body as { tools?: Array<{ function: { name: string } }> };
    assert.deepEqual(
      request.tools?.map((tool) => tool.function.name),
      ['query_logs', 'check_allowlist', 'apply_block'],
      'the tools configured for a file source (no Kubernetes: no inspect_patterns)',
    );
    assert.ok(auditEntries(daemon).some((entry) => entry.type === 'block_confirmation'));
  });

  it('a scanning verdict blocks, after the model looked at the recent log events', async () => {
    const daemon = await start();
    server.script(
      {
        kind: 'tool_calls',
        calls: [{ name: 'query_logs', arguments: { client: '203.0.113.22', statuses: [404], limit: 3 } }],
      },
      { kind: 'text', text: VERDICT_JSON },
    );
    daemon.append(scannerLines('203.0.113.22'));
    const incident = await daemon.until(() => incidentOf(daemon, '203.0.113.22'), 10_000, 'the incident');
    await daemon.until(
      () => daemon.runtime.store.incidents.get(incident.id)?.status === 'blocked',
      10_000,
      'the block',
    );
    assert.equal(daemon.investigations.get(incident.id)?.confirmation, 'scanning');
    assert.match(daemon.denylist(), /203\.0\.113\.22/);
    const toolResult = JSON.stringify(server.requests.at(-1)!.body);
    assert.match(toolResult, /\\"matched\\": ?6/, 'query_logs answered from the file source: 6 matching events');
  });

  it('a hanging model: the block happens once llm.confirm_timeout passes, and detection goes on meanwhile', async () => {
    const daemon = await start({ 'llm.confirm_timeout': '1s', 'llm.timeout': '4s', 'llm.max_retries': 0 });
    server.script({ kind: 'hang' }, { kind: 'hang' });
    daemon.append(scannerLines('203.0.113.23'));
    const incident = await daemon.until(() => incidentOf(daemon, '203.0.113.23'), 10_000, 'the incident');
    const created = Date.now();
    daemon.append(scannerLines('203.0.113.24'));
    const second = await daemon.until(() => incidentOf(daemon, '203.0.113.24'), 10_000, 'the second incident');
    assert.equal(daemon.runtime.store.incidents.get(incident.id)?.status, 'pending', 'still waiting for the model');
    assert.ok(second.id > incident.id, 'the tail went on while the model hung');
    await daemon.until(() => daemon.runtime.store.incidents.get(incident.id)?.status === 'blocked', 5_000, 'the block');
    const waited = Date.now() - created;
    assert.ok(waited >= 700 && waited < 3_000, `blocked ${waited} ms after detection`);
    assert.equal(daemon.investigations.get(incident.id)?.confirmation, 'timeout');
    assert.match(daemon.denylist(), /203\.0\.113\.23/);
    // once the model call times out the incident says why it has no verdict, and when it will be tried again
    await daemon.until(() => daemon.investigations.get(incident.id)?.state === 'not_investigated', 8_000, 'the mark');
    const row = daemon.investigations.get(incident.id)!;
    assert.equal(row.reason, 'llm_unavailable');
    assert.ok(row.retryAt, 'retried later');
    const opinion = daemon.runtime.store.incidents.get(incident.id)?.llmOpinion as Record<string, string>;
    assert.deepEqual(
      [opinion.status, opinion.reason, opinion.confirmation],
      ['not_investigated', 'llm_unavailable', 'timeout'],
    );
  });

  it('apply_block on an allowlisted, trusted-proxy or never-seen address is refused and audited', async () => {
    const daemon = await start({ trusted_proxies: ['198.51.100.7'] });
    daemon.runtime.store.allowlist.add('203.0.113.50', 'office');
    server.script(
      {
        kind: 'tool_calls',
        calls: [
          { name: 'apply_block', arguments: { target: '203.0.113.50', reason: 'allowlisted office' } },
          { name: 'apply_block', arguments: { target: '198.51.100.7', reason: 'the proxy' } },
          { name: 'apply_block', arguments: { target: '192.0.2.200', reason: 'never seen' } },
          { name: 'check_allowlist', arguments: { ip: '203.0.113.50' } },
        ],
      },
      { kind: 'text', text: BENIGN_JSON },
    );
    daemon.append(scannerLines('203.0.113.25'));
    const incident = await daemon.until(() => incidentOf(daemon, '203.0.113.25'), 10_000, 'the incident');
    await daemon.until(() => daemon.investigations.get(incident.id)?.state === 'done', 10_000, 'the investigation');
    const refused = auditEntries(daemon).filter((entry) => entry.type === 'llm_block_refused');
    assert.deepEqual(
      refused.map((entry) => [entry.data.target, entry.data.rule, entry.data.incidentId]),
      [
        ['203.0.113.50', 'allowlisted', incident.id],
        ['198.51.100.7', 'trusted_proxy', incident.id],
        ['192.0.2.200', 'no_evidence', incident.id],
      ],
    );
    const calls = auditEntries(daemon).filter((entry) => entry.type === 'llm_tool_call');
    assert.deepEqual(
      calls.map((entry) => entry.data.status),
      ['refused', 'refused', 'refused', 'ok'],
    );
    assert.equal(daemon.denylist().match(/203\.0\.113\.50|198\.51\.100\.7|192\.0\.2\.200/), null, 'nothing blocked');
    assert.equal(
      daemon.runtime.store.incidents.get(incident.id)?.status,
      'pending',
      'the benign verdict downgraded it',
    );
  });

  it('200 incidents in one window: detection never waits, each is investigated or marked with why, then retried', async () => {
    const daemon = await start({
      'llm.investigation_queue_size': 50,
      'llm.investigation_concurrency': 4,
      'llm.investigation_retry_interval': '1s',
      'llm.confirm_timeout': '30s',
    });
    const slowVerdict = { kind: 'text' as const, text: VERDICT_JSON, delayMs: 100 };
    server.script(...Array.from({ length: 260 }, () => slowVerdict));
    const ips = Array.from(
      { length: 200 },
      (_, index) => `198.51.${100 + Math.floor(index / 250)}.${(index % 250) + 1}`,
    );
    const requestsBefore = server.requests.length;
    const started = Date.now();
    daemon.append(ips.flatMap((ip) => scannerLines(ip)));
    await daemon.until(
      () => daemon.runtime.store.incidents.list({ limit: 1000 }).length >= 200,
      10_000,
      '200 incidents',
    );
    const detectionMs = Date.now() - started;
    const answered = server.requests.length - requestsBefore;
    assert.ok(
      answered < 50,
      `all 200 incidents existed after ${detectionMs} ms, when the model had had ${answered} requests`,
    );
    const incidents = daemon.runtime.store.incidents.list({ limit: 1000 });
    // at once: 50 wait in the queue, the rest are marked queue_full and blocked without waiting (the veto is lost, not the block)
    const marked = incidents.filter((incident) => daemon.investigations.get(incident.id)?.reason === 'queue_full');
    assert.ok(marked.length >= 140, `${marked.length} marked queue_full`);
    for (const incident of marked) {
      assert.equal(daemon.investigations.get(incident.id)?.confirmation, 'queue_full');
      assert.ok(daemon.investigations.get(incident.id)?.retryAt);
    }
    for (const incident of incidents) {
      const row = daemon.investigations.get(incident.id);
      assert.ok(row, `incident ${incident.id} is known to the queue`);
      assert.ok(
        row.state !== 'not_investigated' || row.reason,
        `incident ${incident.id} says why it was not investigated`,
      );
    }
    // the retries get to every one of them
    await daemon.until(() => daemon.investigations.countsByState().done === 200, 40_000, 'every investigation done');
    for (const incident of daemon.runtime.store.incidents.list({ limit: 1000 })) {
      assert.equal(incident.status, 'blocked');
      assert.equal((incident.llmOpinion as { verdict: string }).verdict, 'secrets_scanning');
    }
  });
});

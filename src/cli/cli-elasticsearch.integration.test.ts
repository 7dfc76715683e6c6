import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ensureTestbed } from '../../testbed/testbed-env.ts';
import { PROBE_PATHS } from '../core/testing/log-events.ts';

const BIN = new URL('../../bin/devops-agent.js', import.meta.url).pathname;
const PROBES = PROBE_PATHS.slice(0, 7);

function cli(args: string[], cwd: string) {
  const result = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

test('scan --since backfills from a real Elasticsearch with the same JSON as the file scan; unreachable is exit 3', async () => {
  const { esUrl } = await ensureTestbed();
  const index = `traefik-logs-cli-${Date.now()}`;
  const mapping = {
    ClientHost: 'keyword',
    RequestMethod: 'keyword',
    RequestPath: 'keyword',
    DownstreamStatus: 'integer',
    StartUTC: 'date',
    'request_User-Agent': 'keyword',
  };
  const created = await fetch(`${esUrl}/${index}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      mappings: { properties: Object.fromEntries(Object.entries(mapping).map(([field, type]) => [field, { type }])) },
    }),
  });
  assert.equal(created.status, 200, await created.text());
  const now = Date.now();
  const documents = [
    ...Array.from({ length: 70 }, (_, i) => ({
      ClientHost: '203.0.113.77',
      RequestMethod: 'GET',
      RequestPath: PROBES[i % PROBES.length],
      DownstreamStatus: 404,
      StartUTC: new Date(now - 30 * 60000 + i * 1000).toISOString(),
      'request_User-Agent': 'trufflehog/3.63',
    })),
    ...Array.from({ length: 50 }, (_, i) => ({
      ClientHost: '198.51.100.44',
      RequestMethod: 'GET',
      RequestPath: '/index.html',
      DownstreamStatus: 200,
      StartUTC: new Date(now - 20 * 60000 + i * 1000).toISOString(),
      'request_User-Agent': 'Mozilla/5.0',
    })),
  ];
  const body = `${documents.map((document) => `${JSON.stringify({ index: { _index: index } })}\n${JSON.stringify(document)}`).join('\n')}\n`;
  const bulk = await fetch(`${esUrl}/_bulk?refresh=true`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-ndjson' },
    body,
  });
  assert.equal(((await bulk.json()) as { errors: boolean }).errors, false);

  const dir = mkdtempSync(join(tmpdir(), 'cli-es-'));
  const config = (url: string) => {
    const path = join(dir, 'config.yaml');
    writeFileSync(
      path,
      [
        'mode: review',
        `elasticsearch: { url: "${url}", index_pattern: "${index}" }`,
        `database: { path: ${join(dir, 'agent.db')} }`,
        `audit: { path: ${join(dir, 'audit.jsonl')} }`,
        `blocking: { traefik_file: { path: ${join(dir, 'deny.yaml')} } }`,
      ].join('\n'),
    );
    return path;
  };
  const first = cli(['scan', '--since', '2h', '--format', 'json', '--config', config(esUrl)], dir);
  assert.equal(first.code, 0, first.stderr);
  const result = JSON.parse(first.stdout) as {
    incidents: Array<{ ip: string; threatType: string; decision: string; evidence: { sensitiveHits: number } }>;
    stats: { lines: number };
  };
  assert.deepEqual(
    result.incidents.map((incident) => [
      incident.ip,
      incident.threatType,
      incident.decision,
      incident.evidence.sensitiveHits,
    ]),
    [['203.0.113.77', 'secrets_scanning', 'recommended', 70]],
  );
  assert.equal(result.stats.lines, 120);
  const again = JSON.parse(cli(['scan', '--since', '2h', '--format', 'json', '--config', config(esUrl)], dir).stdout);
  assert.deepEqual(
    again.incidents.map((incident: { ip: string; threatType: string }) => [incident.ip, incident.threatType]),
    [['203.0.113.77', 'secrets_scanning']],
    'a rescan of the same range reports the same incidents, whatever an earlier scan already stored',
  );
  assert.equal(again.incidents[0].id, 1, 'the same incident is updated, not duplicated');
  assert.equal(again.incidents[0].evidence.sensitiveHits, 70, 'recomputed, not added twice');

  // The same fixed range twice: identical windows, identical evidence. The second scan still reports the incident.
  const range = ['--from', new Date(now - 2 * 3600_000).toISOString(), '--to', new Date(now).toISOString()];
  const fixed = () => JSON.parse(cli(['scan', ...range, '--format', 'json', '--config', config(esUrl)], dir).stdout);
  const firstFixed = fixed();
  assert.deepEqual(fixed().incidents, firstFixed.incidents, 'a rescan of one range gives the same answer');
  assert.equal(firstFixed.incidents.length, 1);

  const down = cli(['scan', '--since', '2h', '--config', config('http://127.0.0.1:9')], dir);
  assert.equal(down.code, 3);
  assert.match(down.stderr, /elasticsearch: .*cannot connect/);
  assert.equal(cli(['scan', '--since', 'yesterday', '--config', config(esUrl)], dir).code, 2);
});

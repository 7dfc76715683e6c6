import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseDuration } from './duration.ts';
import { loadConfig } from './load-config.ts';

const specConfig = new URL('./__fixtures__/spec-config.yaml', import.meta.url).pathname;
const env = { ES_USER: 'elastic', ES_PASSWORD: 'changeme', KUBE_CONTEXT: 'prod' };

function writeConfig(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'config-')), 'config.yaml');
  writeFileSync(path, text);
  return path;
}

test('the spec configuration loads unchanged, with ${VAR} interpolation', () => {
  const result = loadConfig({ path: specConfig, env });
  assert.deepEqual(result.errors, []);
  assert.equal(result.config?.llm.url, 'http://localhost:11434/api/generate');
  assert.equal(result.config?.mode, 'review');
  assert.equal(result.config?.elasticsearch?.username, 'elastic');
  assert.equal(result.config?.elasticsearch?.index_pattern, 'traefik-logs-*');
  assert.equal(result.config?.kubernetes?.context, 'prod');
  assert.equal(result.config?.guardrails.input_policy, 'sanitize');
  assert.equal(result.config?.detection.rate_per_window, 50);
});

test('a missing environment variable is named with its key path', () => {
  const result = loadConfig({ path: specConfig, env: { ES_USER: 'x', KUBE_CONTEXT: 'y' } });
  assert.equal(result.config, undefined);
  assert.deepEqual(result.errors, ['elasticsearch.password: environment variable ES_PASSWORD is not set']);
});

test('${VAR:-default} falls back', () => {
  const result = loadConfig({ path: writeConfig('mode: "${MODE:-disabled}"\n'), env: {} });
  assert.equal(result.config?.mode, 'disabled');
});

test('every problem is reported once, with its key path', () => {
  const path = writeConfig(
    [
      'mode: sometimes',
      'detection:',
      '  window: soon',
      '  rate_per_windw: 3',
      'trusted_proxies: [10.0.0.1, not-an-ip]',
      'colour: blue',
    ].join('\n'),
  );
  const result = loadConfig({ path, env: {} });
  assert.equal(result.config, undefined);
  assert.ok(result.errors.includes('mode: expected one of "auto", "review", "disabled"'), result.errors.join('\n'));
  assert.ok(
    result.errors.includes('detection.window: expected a duration like 60s, 5m, 1h or 7d'),
    result.errors.join('\n'),
  );
  assert.ok(result.errors.includes('detection.rate_per_windw: unknown key'), result.errors.join('\n'));
  assert.ok(result.errors.includes('colour: unknown key'), result.errors.join('\n'));
});

test('cross-field rules: bad proxies, api_key without provider, public listen without opt-in', () => {
  const path = writeConfig(
    ['trusted_proxies: ["10.0.0.0/33"]', 'llm:', '  service_type: api_key', 'web:', '  listen: 0.0.0.0:8080'].join(
      '\n',
    ),
  );
  const result = loadConfig({ path, env: {} });
  assert.deepEqual(result.errors, [
    'trusted_proxies.0: expected an IP address or CIDR, got "10.0.0.0/33"',
    'llm.provider: required when llm.service_type is "api_key" (openai, anthropic, groq...)',
    'web.listen: 0.0.0.0 is not a loopback address; set web.allow_remote: true to expose the review page',
  ]);
});

test('remote listen without a token loads with a warning', () => {
  const result = loadConfig({ path: writeConfig('web:\n  listen: 0.0.0.0:8080\n  allow_remote: true\n'), env: {} });
  assert.equal(result.errors.length, 0);
  assert.match(result.warnings[0], /no token/);
});

test('overrides (CLI flags) win over the file', () => {
  const result = loadConfig({ path: specConfig, env, overrides: { mode: 'auto', 'database.path': '/tmp/x.db' } });
  assert.equal(result.config?.mode, 'auto');
  assert.equal(result.config?.database.path, '/tmp/x.db');
});

test('unreadable file and broken YAML give one clear error', () => {
  assert.match(loadConfig({ path: '/nonexistent/config.yaml' }).errors[0], /cannot read config file/);
  assert.match(loadConfig({ path: writeConfig('mode: [unclosed\n'), env: {} }).errors[0], /config\.yaml: /);
});

test('durations', () => {
  assert.equal(parseDuration('90s'), 90);
  assert.equal(parseDuration('1h30m'), 5400);
  assert.equal(parseDuration('7d'), 604800);
  assert.equal(parseDuration(15), 15);
  assert.equal(parseDuration('soon'), undefined);
  assert.equal(parseDuration('5x'), undefined);
});

test('the audit log sits beside its database unless audit.path names one', () => {
  const beside = (overrides: Record<string, unknown>) => loadConfig({ env: {}, overrides }).config?.audit.path;
  assert.equal(beside({}), join('data', 'devops-agent.audit.jsonl'));
  assert.equal(beside({ 'database.path': '/srv/agent/prod.db' }), '/srv/agent/prod.audit.jsonl');
  assert.equal(beside({ 'database.path': '/srv/agent/state' }), '/srv/agent/state.audit.jsonl');
  assert.equal(beside({ 'database.path': '/srv/a.db', 'audit.path': '/var/log/audit.jsonl' }), '/var/log/audit.jsonl');
  const empty = loadConfig({ env: {}, overrides: { 'audit.path': '' } });
  assert.match(empty.errors.join('\n'), /^audit\.path: /m);
});

test('kibana_url: only http(s), no credentials; a missing kibana_data_view is warned about', () => {
  const base = 'elasticsearch:\n  url: https://es.example.com:9200\n';
  for (const [url, message] of [
    ['javascript:alert(1)//', 'elasticsearch.kibana_url: expected an http or https URL, got javascript:'],
    [
      'https://elastic:changeme@kibana.example.com',
      'elasticsearch.kibana_url: must not carry credentials (they would be copied into every Discover link)',
    ],
  ]) {
    const result = loadConfig({ path: writeConfig(`${base}  kibana_url: "${url}"\n`), env: {} });
    assert.ok(result.errors.includes(message), result.errors.join('\n'));
  }
  const pattern = loadConfig({ path: writeConfig(`${base}  kibana_url: https://kibana.example.com\n`), env: {} });
  assert.deepEqual(pattern.errors, []);
  assert.ok(
    pattern.warnings.some((warning) => warning.startsWith('elasticsearch.kibana_data_view: not set')),
    pattern.warnings.join('\n'),
  );
  const id = loadConfig({
    path: writeConfig(`${base}  kibana_url: https://kibana.example.com\n  kibana_data_view: c367b774\n`),
    env: {},
  });
  assert.ok(
    !id.warnings.some((warning) => warning.startsWith('elasticsearch.kibana_data_view')),
    id.warnings.join('\n'),
  );
});

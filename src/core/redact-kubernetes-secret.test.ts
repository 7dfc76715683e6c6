import assert from 'node:assert/strict';
import { test } from 'node:test';
import { redactSecrets } from './redact.ts';

test('a Secret loses its data values, whatever their keys, in YAML and in JSON', () => {
  const yaml = [
    'apiVersion: v1',
    'kind: Secret',
    'type: kubernetes.io/dockerconfigjson',
    'data:',
    '  .dockerconfigjson: eyJhdXRocyI6e30=',
    '  # a comment stays',
    '  ca.crt: |',
    '    LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t',
    'stringData:',
    '  extra: plain-text-value',
    'metadata:',
    '  name: pull-secret',
  ].join('\n');
  const redacted = redactSecrets(yaml);
  for (const secret of ['eyJhdXRocyI6e30=', 'LS0tLS1CRUdJTiBDRVJU', 'plain-text-value'])
    assert.ok(!redacted.includes(secret), redacted);
  assert.match(redacted, /# a comment stays/);
  assert.match(redacted, /name: pull-secret/);

  const json = '{"apiVersion": "v1", "data": {\n  "password": "cGFzcw==",\n  "tls.key": "LS0t"\n}, "kind": "Secret"}';
  assert.equal(
    redactSecrets(json),
    '{"apiVersion": "v1", "data": {\n  "password": "[REDACTED]",\n  "tls.key": "[REDACTED]"\n}, "kind": "Secret"}',
  );
});

test("a ConfigMap's data stays, also next to a Secret in the same stream", () => {
  const configMap =
    'apiVersion: v1\nkind: ConfigMap\ndata:\n  mode: production\n  nginx.conf: |\n    server { listen 80; }';
  assert.equal(redactSecrets(configMap), configMap);
  const both = `${configMap}\n---\napiVersion: v1\nkind: Secret\ndata:\n  token: QUJDREVGR0g=\n`;
  assert.equal(redactSecrets(both), `${configMap}\n---\napiVersion: v1\nkind: Secret\ndata:\n  token: [REDACTED]\n`);
});

test('empty values and template placeholders in a Secret stay: they hold nothing', () => {
  const manifest = "kind: Secret\ndata:\n  htpasswd: ''\n  tls.crt: {{ .Values.cert }}";
  assert.equal(redactSecrets(manifest), manifest);
});

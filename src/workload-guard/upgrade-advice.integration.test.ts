// The model may pick among the tags the policy allowed and explain; it cannot introduce an image. Runs the real LLM
// client (guardrails, provider package, HTTP) against a loopback server speaking Ollama's /api/generate.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { defaultConfig } from '../config/load-config.ts';
import { createLlmClient } from '../llm/create-llm-client.ts';
import { ollamaGenerateOverrides, openTestStore } from '../llm/testing/llm-test-setup.ts';
import { ScriptedLlmServer } from '../llm/testing/scripted-llm-server.ts';
import type { ImagePolicy, UpgradeChoice } from './image-policy.ts';
import { imagePolicy } from './testing/image-policy.ts';
import { adviseOnUpgrade } from './upgrade-advice.ts';
import { chooseUpgrade } from './upgrade-choice.ts';
import type { Vulnerability } from './workload-finding.ts';

const env = openTestStore();
const server = new ScriptedLlmServer();
let base: string;

before(async () => {
  base = await server.start();
});
after(async () => {
  await server.close();
  env.cleanup();
});

const policy: ImagePolicy = imagePolicy();
const vulnerabilities: Vulnerability[] = [
  {
    id: 'CVE-2024-7347',
    severity: 'HIGH',
    package: 'nginx',
    installedVersion: '1.25.3',
    fixedVersion: '1.25.5, 1.26.2',
  },
  { id: 'CVE-2024-24989', severity: 'HIGH', package: 'nginx', installedVersion: '1.25.3', fixedVersion: '1.25.4' },
];

function llm() {
  const client = createLlmClient(defaultConfig(ollamaGenerateOverrides(base, env)), env.store);
  assert.ok(client);
  return client;
}

const deterministic = () => {
  const choice = chooseUpgrade('nginx:1.25.3', vulnerabilities, policy);
  assert.ok('target' in choice);
  return choice as UpgradeChoice;
};
const says = (tag: string, explanation: string) => ({
  kind: 'text' as const,
  text: JSON.stringify({ tag, explanation }),
});

test('a pick among the allowed tags is taken, with its explanation, and its fixes recomputed', async () => {
  server.script(says('1.26.2', 'Moves to the stable 1.26 branch, which carries both fixes.'));
  const advice = await adviseOnUpgrade(llm(), deterministic(), vulnerabilities, policy);
  assert.equal(advice.choice.target, 'nginx:1.26.2');
  assert.equal(advice.choice.source, 'llm');
  assert.deepEqual(advice.choice.fixes.sort(), ['CVE-2024-24989', 'CVE-2024-7347']);
  assert.equal(advice.explanation, 'Moves to the stable 1.26 branch, which carries both fixes.');
});

test('an invented image or a tag the policy refuses is discarded; the deterministic choice stands', async () => {
  const cases: Array<[string, RegExp]> = [
    ['2.0.0', /major upgrade/],
    ['evil.example.com/nginx:1.25.6', /different repository: evil.example.com\/nginx/],
    ['1.25.9', /not one of the allowed candidates/],
    ['1.25.3', /not newer/],
  ];
  for (const [tag, reason] of cases) {
    server.script(says(tag, 'Trust me.'));
    const advice = await adviseOnUpgrade(llm(), deterministic(), vulnerabilities, policy);
    assert.equal(advice.choice.target, 'nginx:1.25.5', tag);
    assert.equal(advice.choice.source, 'fixed-version');
    assert.equal(advice.explanation, undefined);
    assert.match(advice.note ?? '', reason, tag);
  }
});

test('a model that is down leaves the deterministic plan untouched', async () => {
  server.script({ kind: 'status', status: 500, message: 'model crashed' });
  const advice = await adviseOnUpgrade(llm(), deterministic(), vulnerabilities, policy);
  assert.equal(advice.choice.target, 'nginx:1.25.5');
  assert.match(advice.note ?? '', /unavailable/);
});

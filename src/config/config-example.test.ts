import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import { parse, stringify } from 'yaml';
import { z } from 'zod';
import { resolveProvider } from '../llm/providers/provider-registry.ts';
import { NOTIFIER_KINDS, notifierSettings } from '../notifiers/create-notifier.ts';
import { loadConfig } from './load-config.ts';
import { configSchema } from './schema.ts';

// The reference configuration must stay true: valid, complete (every key of the schema), and showing the defaults.
const examplePath = new URL('../../config.yaml.example', import.meta.url).pathname;
const defaultPath = new URL('../../config/default.yaml', import.meta.url).pathname;
const exampleText = readFileSync(examplePath, 'utf8');
const exampleYaml = parse(exampleText) as Tree;
const env = dummyEnv(exampleText);

const SPEC_SECTIONS = ['llm', 'mode', 'elasticsearch', 'kubernetes', 'database', 'guardrails'];
const OPTIONAL_SECTIONS = ['elasticsearch', 'kubernetes', 'monitor', 'notifications', 'workloads'];
/** Keys whose example value is deliberately not the default (each channel is compared with its own defaults). */
const DELIBERATE_NON_DEFAULTS = new Set(['notifications.channels']);
/** Keys left commented out in the example because their default is derived from another key (audit beside database). */
const DERIVED_DEFAULTS = new Set(['audit.path']);
/** Keys holding secrets (a webhook URL embeds its token): only `${VAR}` may appear there. */
const SECRET_KEY = /password|token|secret|api_key|webhook_url/;

type Tree = Record<string, unknown>;
interface JsonSchemaNode {
  properties?: Record<string, JsonSchemaNode>;
  items?: JsonSchemaNode;
  anyOf?: JsonSchemaNode[];
  oneOf?: JsonSchemaNode[];
}

const isMapping = (value: unknown): value is Tree =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Every `${VAR}` the file mentions (comments included), with a dummy value valid wherever it is used. */
function dummyEnv(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [, name] of text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-[^}]*)?\}/g)) {
    values[name] = name.endsWith('_URL')
      ? `https://${name.toLowerCase().replaceAll('_', '-')}.example.test/hook`
      : `dummy-${name.toLowerCase()}-0123456789abcdef0123456789abcdef`;
  }
  return values;
}

function loadExample() {
  const result = loadConfig({ path: examplePath, env });
  assert.deepEqual(result.errors, []);
  assert.ok(result.config);
  return { config: result.config, warnings: result.warnings };
}

/** Key paths of the loaded config that the file does not write out. Empty maps and lists count as written. */
function unwrittenKeys(output: unknown, written: unknown, path: string[]): string[] {
  if (Array.isArray(output)) {
    if (!Array.isArray(written)) return [];
    return output.flatMap((item, index) =>
      isMapping(item) ? unwrittenKeys(item, written[index], [...path, String(index)]) : [],
    );
  }
  if (!isMapping(output)) return [];
  return Object.entries(output).flatMap(([key, value]) => {
    if (value === undefined) return [];
    const keyPath = [...path, key];
    if (DERIVED_DEFAULTS.has(keyPath.join('.'))) return [];
    if (!isMapping(written) || !(key in written)) return [keyPath.join('.')];
    return unwrittenKeys(value, written[key], keyPath);
  });
}

/** Leaves present in both trees whose values differ, as `path: example vs default`. */
function differences(actual: unknown, expected: unknown, path: string[], allowed = new Set<string>()): string[] {
  if (allowed.has(path.join('.'))) return [];
  // an empty default (a map such as exec.policy.programs) is compared whole, so example entries are caught
  if (isMapping(actual) && isMapping(expected) && Object.keys(expected).length > 0) {
    return Object.keys(actual)
      .filter((key) => key in expected)
      .flatMap((key) => differences(actual[key], expected[key], [...path, key], allowed));
  }
  return isDeepStrictEqual(actual, expected)
    ? []
    : [`${path.join('.')}: ${JSON.stringify(actual)} in the example, default ${JSON.stringify(expected)}`];
}

/** Every key path the schema declares, optional ones included (map keys chosen by the user are not declared). */
function declaredPaths(node: JsonSchemaNode, path: string[]): string[][] {
  const paths: string[][] = [];
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    paths.push([...path, key], ...declaredPaths(child, [...path, key]));
  }
  if (node.items) paths.push(...declaredPaths(node.items, path));
  for (const alternative of [...(node.anyOf ?? []), ...(node.oneOf ?? [])]) {
    paths.push(...declaredPaths(alternative, path));
  }
  return paths;
}

/** The text of one top-level section, from its key to the next top-level key (comments included). */
function sectionText(name: string): string {
  const lines = exampleText.split('\n');
  const start = lines.findIndex((line) => line.startsWith(`${name}:`));
  if (start < 0) return '';
  const end = lines.findIndex((line, index) => index > start && /^[A-Za-z_]+:/.test(line));
  return lines.slice(start, end < 0 ? undefined : end).join('\n');
}

function secretsInClear(value: unknown, path: string[]): string[] {
  if (Array.isArray(value)) return value.flatMap((item, index) => secretsInClear(item, [...path, String(index)]));
  if (!isMapping(value)) return [];
  return Object.entries(value).flatMap(([key, item]) => {
    const keyPath = [...path, key];
    if (typeof item === 'string' && SECRET_KEY.test(key) && !/^\$\{[A-Z][A-Z0-9_]*\}$/.test(item)) {
      return [`${keyPath.join('.')}: ${JSON.stringify(item)}`];
    }
    return secretsInClear(item, keyPath);
  });
}

test('config.yaml.example loads without errors or warnings once its ${VAR}s are set', () => {
  assert.ok(Object.keys(env).length >= 8, `few variables found: ${Object.keys(env).join(', ')}`);
  const { warnings } = loadExample();
  assert.deepEqual(warnings, []);
});

test('config.yaml.example values round-trip through loadConfig', () => {
  const { config } = loadExample();
  assert.equal(config.mode, 'review');
  assert.equal(config.llm.service_type, 'url');
  assert.equal(config.llm.url, 'http://localhost:11434/api/generate');
  assert.deepEqual(resolveProvider(config.llm), { kind: 'ollama', baseURL: 'http://localhost:11434/api' });
  assert.equal(config.elasticsearch?.index_pattern, 'traefik-logs-*');
  assert.equal(config.elasticsearch?.password, env.ES_PASSWORD);
  assert.equal(config.elasticsearch?.llm_queries.max_range, 7 * 86400);
  assert.equal(config.kubernetes?.context, env.KUBE_CONTEXT);
  assert.equal(config.database.path, './data/devops-agent.db');
  assert.equal(config.guardrails.input_policy, 'sanitize');
  assert.equal(config.detection.rate_per_window, 50);
  assert.equal(config.detection.window, 60);
  assert.equal(config.exec.retry.base_delay, 0.5);
  assert.equal(config.monitor?.daily_recap_time, '20:00');
  assert.equal(config.monitor?.interval, 300);
  assert.deepEqual(config.monitor?.quiet_hours, { start: '22:00', end: '07:00' });
  assert.deepEqual(config.notifications?.channels.map((channel) => channel.kind).sort(), [...NOTIFIER_KINDS].sort());
  // Commented out in the example: Slack buttons need web.enabled, which the example leaves off.
  assert.equal(config.workloads?.approval.slack_signing_secret, undefined);
});

test('config.yaml.example starts with the spec sections and writes out every key of the loaded config', () => {
  assert.deepEqual(Object.keys(exampleYaml).slice(0, SPEC_SECTIONS.length), SPEC_SECTIONS);
  const { config } = loadExample();
  assert.deepEqual(unwrittenKeys(config, exampleYaml, []), []);
});

test('config.yaml.example mentions every key the schema declares, optional ones at least in a comment', () => {
  const schema = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchemaNode;
  const paths = declaredPaths(schema, []);
  assert.ok(paths.length > 250, `only ${paths.length} key paths found in the schema`);
  const missing = new Set<string>();
  for (const path of paths) {
    const key = path.at(-1) as string;
    const found =
      path.length === 1
        ? new RegExp(`^${key}:`, 'm').test(exampleText)
        : new RegExp(`(?<![\\w-])${key}:`).test(sectionText(path[0]));
    if (!found) missing.add(path.join('.'));
  }
  assert.deepEqual([...missing], []);
});

test('config.yaml.example shows the default value of every key that has one', () => {
  const { config } = loadExample();
  const defaults = configSchema.parse({
    elasticsearch: { url: config.elasticsearch?.url },
    kubernetes: {},
    monitor: {},
    notifications: {},
    workloads: {},
  });
  assert.deepEqual(differences(config, defaults, [], DELIBERATE_NON_DEFAULTS), []);
  const channelDifferences = (config.notifications?.channels ?? []).flatMap((channel, index) => {
    const required = Object.fromEntries(
      Object.entries(channel).filter(([key]) =>
        ['kind', 'webhook_url', 'url', 'token', 'media_player_entity_id'].includes(key),
      ),
    );
    return differences(channel, notifierSettings.parse(required), ['notifications', 'channels', String(index)]);
  });
  assert.deepEqual(channelDifferences, []);
});

test('config.yaml.example has a comment on the line of every key with a value, and secrets only as ${VAR}', () => {
  const lines = exampleText.split('\n');
  const undocumented = lines.flatMap((line, index) => {
    const key = /^\s*(?:- )?([A-Za-z_][\w-]*):(.*)$/.exec(line);
    if (!key || key[2].trim() === '') return []; // a block opener: its keys carry the comments
    return line.includes(' # ') ? [] : [`line ${index + 1}: ${line.trim()}`];
  });
  assert.deepEqual(undocumented, []);
  assert.deepEqual(secretsInClear(exampleYaml, []), []);
});

test('each optional section of config.yaml.example can be removed', () => {
  const directory = mkdtempSync(join(tmpdir(), 'config-example-'));
  for (const section of OPTIONAL_SECTIONS) {
    const { [section]: removed, ...rest } = exampleYaml;
    assert.ok(removed, `${section} is not shown in the example`);
    const path = join(directory, `without-${section}.yaml`);
    writeFileSync(path, stringify(rest));
    const result = loadConfig({ path, env });
    assert.deepEqual(result.errors, [], `without ${section}`);
  }
});

test('config/default.yaml loads without errors or warnings', () => {
  const result = loadConfig({ path: defaultPath, env: {} });
  assert.deepEqual(result.errors, []);
  assert.deepEqual(result.warnings, []);
  assert.equal(result.config?.mode, 'review');
});

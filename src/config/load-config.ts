import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { parseCidr } from '../core/ip-address.ts';
import { lazyModule } from '../core/lazy-module.ts';
import { type Config, configSchema } from './schema.ts';

/** Only a config file needs the YAML parser. */
const yaml = lazyModule<typeof import('yaml')>('yaml');

export interface ConfigResult {
  config?: Config;
  warnings: string[];
  /** One message per problem, each starting with the key path (`detection.window: ...`). */
  errors: string[];
}

/** Dotted key path -> value, applied after the file and before validation (CLI flags). */
export type ConfigOverrides = Record<string, unknown>;

export interface LoadOptions {
  path?: string;
  overrides?: ConfigOverrides;
  env?: NodeJS.ProcessEnv;
}

/** Reads YAML, interpolates `${VAR}` / `${VAR:-default}` from the environment, applies overrides, validates. */
export function loadConfig(options: LoadOptions = {}): ConfigResult {
  const errors: string[] = [];
  let raw: unknown = {};
  if (options.path) {
    let text: string;
    try {
      text = readFileSync(options.path, 'utf8');
    } catch (error) {
      return { warnings: [], errors: [`${options.path}: cannot read config file (${(error as Error).message})`] };
    }
    const document = yaml().parseDocument(text);
    if (document.errors.length > 0) {
      return { warnings: [], errors: document.errors.map((error) => `${options.path}: ${error.message}`) };
    }
    raw = document.toJS() ?? {};
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { warnings: [], errors: [`${options.path}: expected a mapping of sections at the top level`] };
  }
  raw = interpolate(raw, options.env ?? process.env, [], errors);
  for (const [path, value] of Object.entries(options.overrides ?? {})) {
    if (value !== undefined) setPath(raw as Record<string, unknown>, path.split('.'), value);
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) errors.push(...parsed.error.issues.map(formatIssue));
  if (errors.length > 0 || !parsed.success) return { warnings: [], errors };
  const config = parsed.data;
  errors.push(...crossFieldErrors(config));
  return errors.length > 0 ? { warnings: [], errors } : { config, warnings: crossFieldWarnings(config), errors };
}

/** Loads the config or throws nothing: returns it with the default file-less values (used by tests). */
export function defaultConfig(overrides: ConfigOverrides = {}): Config {
  const result = loadConfig({ overrides, env: {} });
  if (!result.config) throw new Error(`default config is invalid: ${result.errors.join('; ')}`);
  return result.config;
}

function interpolate(value: unknown, env: NodeJS.ProcessEnv, path: string[], errors: string[]): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (_match, name: string, fallback?: string) => {
      const found = env[name];
      if (found !== undefined && found !== '') return found;
      if (fallback !== undefined) return fallback;
      errors.push(`${path.join('.')}: environment variable ${name} is not set`);
      return '';
    });
  }
  if (Array.isArray(value)) return value.map((item, index) => interpolate(item, env, [...path, String(index)], errors));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, interpolate(item, env, [...path, key], errors)]),
    );
  }
  return value;
}

function setPath(target: Record<string, unknown>, keys: string[], value: unknown): void {
  const [head, ...rest] = keys;
  if (rest.length === 0) {
    target[head] = value;
    return;
  }
  const next = target[head];
  const child = next && typeof next === 'object' && !Array.isArray(next) ? (next as Record<string, unknown>) : {};
  target[head] = child;
  setPath(child, rest, value);
}

function formatIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.join('.') || '(top level)';
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => `${path === '(top level)' ? key : `${path}.${key}`}: unknown key`).join('\n');
  }
  if (issue.code === 'invalid_value' && 'values' in issue) {
    return `${path}: expected one of ${issue.values.map((value) => JSON.stringify(value)).join(', ')}`;
  }
  if (issue.code === 'invalid_type' && issue.message.includes('received undefined')) return `${path}: required`;
  return `${path}: ${issue.message}`;
}

function crossFieldErrors(config: Config): string[] {
  const errors: string[] = [];
  const checkCidrs = (key: string, list: string[]) =>
    list.forEach((entry, index) => {
      if (!parseCidr(entry))
        errors.push(`${key}.${index}: expected an IP address or CIDR, got ${JSON.stringify(entry)}`);
    });
  checkCidrs('trusted_proxies', config.trusted_proxies);
  checkCidrs('blocking.protected_ranges', config.blocking.protected_ranges);
  if (config.llm.service_type === 'url' && config.llm.api_key && !config.llm.url) {
    errors.push('llm.url: required when llm.service_type is "url" (or set service_type: api_key with a provider)');
  }
  if (config.llm.service_type === 'api_key' && !config.llm.provider) {
    errors.push('llm.provider: required when llm.service_type is "api_key" (openai, anthropic, groq...)');
  }
  if (config.llm.service_type === 'api_key' && config.llm.provider && !config.llm.api_key) {
    errors.push('llm.api_key: required when llm.service_type is "api_key"');
  }
  if (config.workloads?.approval.slack_signing_secret && config.workloads.enabled && !config.web.enabled) {
    // Buttons would be sent, but their callback (the interaction endpoint) is served only by the web server.
    errors.push(
      'workloads.approval.slack_signing_secret: Slack approval buttons need the interaction endpoint, which only the web server serves: set web.enabled: true (or --serve-spa), or remove slack_signing_secret',
    );
  }
  const [host] = splitListen(config.web.listen);
  if (!host) errors.push(`web.listen: expected host:port, got ${JSON.stringify(config.web.listen)}`);
  else if (!isLoopback(host) && !config.web.allow_remote) {
    errors.push(`web.listen: ${host} is not a loopback address; set web.allow_remote: true to expose the review page`);
  }
  return errors;
}

function crossFieldWarnings(config: Config): string[] {
  const warnings: string[] = [];
  const [host] = splitListen(config.web.listen);
  if (host && !isLoopback(host) && !config.web.token) {
    warnings.push(
      `web.listen: the review page on ${host} has no token (web.token); anyone who can reach it can approve blocks`,
    );
  }
  const elasticsearch = config.elasticsearch;
  if (elasticsearch?.kibana_url && !elasticsearch.kibana_data_view) {
    warnings.push(
      `elasticsearch.kibana_data_view: not set, so Discover links name the data view id ${JSON.stringify(elasticsearch.index_pattern)}; Kibana looks data views up by id, not by index pattern, and shows its default data view when none has that id`,
    );
  }
  return warnings;
}

export function splitListen(listen: string): [string, number] | [] {
  const match = /^\[?([^\]]*?)\]?:(\d{1,5})$/.exec(listen.trim());
  if (!match) return [];
  const port = Number(match[2]);
  return port <= 65535 ? [match[1], port] : [];
}

/** Whether a listen host is this machine only (the review page then needs no token or `allow_remote`). */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type ConfigOverrides, loadConfig } from '../config/load-config.ts';
import type { Config } from '../config/schema.ts';
import { ConfigError, UsageError } from '../core/errors.ts';
import type { CliIo, OptionSpec } from './command.ts';

/** The spec's flags, accepted by every command. */
export const GLOBAL_OPTIONS = {
  config: { type: 'string', short: 'c' },
  mode: { type: 'string' },
  'serve-spa': { type: 'boolean' },
  listen: { type: 'string' },
  'llm-url': { type: 'string' },
  'llm-provider': { type: 'string' },
  'llm-api-key': { type: 'string' },
  'llm-model': { type: 'string' },
  db: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies OptionSpec;

/**
 * Parses a command's arguments together with the global flags. An unknown flag is a usage error, and so are more
 * than `maxPositionals` positionals: a word the command does not read (the second file of a shell glob) is never
 * dropped silently.
 */
export function parseCommandArgs<T extends OptionSpec>(
  args: string[],
  options: T,
  usage: string,
  maxPositionals = Number.POSITIVE_INFINITY,
) {
  const parsed = parseOrExplain(args, options, usage);
  const extra = parsed.positionals.slice(maxPositionals);
  if (extra.length > 0)
    throw new UsageError(`unexpected argument${extra.length > 1 ? 's' : ''}: ${extra.join(' ')}\n\n${usage}`);
  return parsed;
}

function parseOrExplain<T extends OptionSpec>(args: string[], options: T, usage: string) {
  try {
    return parseArgs({ args, options: { ...GLOBAL_OPTIONS, ...options }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n\n${usage}`);
  }
}

type GlobalValues = {
  [K in keyof typeof GLOBAL_OPTIONS]?: (typeof GLOBAL_OPTIONS)[K]['type'] extends 'boolean' ? boolean : string;
};

/** Loads the config named by --config (or ./config.yaml), applies CLI overrides, prints warnings; throws ConfigError. */
export function loadCliConfig(values: GlobalValues, io: CliIo): Config {
  const path = values.config ?? (existsSync('config.yaml') ? 'config.yaml' : undefined);
  const overrides: ConfigOverrides = {
    mode: values.mode,
    'database.path': values.db,
    'web.listen': values.listen,
    'web.enabled': values['serve-spa'] ? true : undefined,
    'llm.model': values['llm-model'],
  };
  if (values['llm-url']) {
    overrides['llm.service_type'] = 'url';
    overrides['llm.url'] = values['llm-url'];
  }
  if (values['llm-provider'] || values['llm-api-key']) {
    overrides['llm.service_type'] = 'api_key';
    overrides['llm.provider'] = values['llm-provider'];
    overrides['llm.api_key'] = values['llm-api-key'];
  }
  const result = loadConfig({ path, overrides, env: io.env });
  if (!result.config) throw new ConfigError(result.errors.map((error) => (path ? `${path}: ${error}` : error)));
  for (const warning of result.warnings) io.stderr.write(`warning: ${warning}\n`);
  return result.config;
}

#!/usr/bin/env node
import { enableCompileCache } from 'node:module';
import { ConfigError, IntegrationError, UsageError } from '../core/errors.ts';
import { redactSecrets } from '../core/redact.ts';
import type { CliIo } from './command.ts';
import { COMMANDS } from './commands/index.ts';
import { GLOBAL_USAGE } from './global-usage.ts';

const DEFAULT_COMMAND = 'run';

function helpText(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  const lines = COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`);
  return `devops-agent: watches Traefik logs, Kubernetes workloads and a host; blocks and fixes under an explicit policy.

Usage: devops-agent [command] [options]      (no command: run the daemon)

Commands:
${lines.join('\n')}

${GLOBAL_USAGE}

Run \`devops-agent <command> --help\` for a command's own options.
`;
}

/** Runs one CLI invocation; the single place that maps errors to exit codes (2 usage/config, 3 integration, 1 other). */
export async function main(argv: string[], io: CliIo): Promise<number> {
  const [first, ...rest] = argv;
  if (first === 'help' || (first === '--help' && rest.length === 0) || first === '-h') {
    io.stdout.write(helpText());
    return 0;
  }
  const explicit = first !== undefined && !first.startsWith('-');
  const name = explicit ? first : DEFAULT_COMMAND;
  const entry = COMMANDS.find((candidate) => candidate.name === name);
  try {
    if (!entry)
      throw new UsageError(`unknown command "${name}"; known commands: ${COMMANDS.map((c) => c.name).join(', ')}`);
    const args = explicit ? rest : argv;
    if (args.includes('--help') || args.includes('-h')) {
      io.stdout.write(`${await entry.usage()}\n`);
      return 0;
    }
    return await (await entry.load()).run(args, io);
  } catch (error) {
    // Messages name URLs from the config (`http://user:password@es:9200`) and answers from services: redacted.
    const report = (text: string) => io.stderr.write(redactSecrets(text));
    if (error instanceof ConfigError) {
      for (const problem of error.problems) report(`config error: ${problem}\n`);
      return 2;
    }
    if (error instanceof UsageError) {
      report(`usage error: ${error.message}\n`);
      return 2;
    }
    if (error instanceof IntegrationError) {
      report(
        `error: ${error.message}${error.cause ? ` (${String((error.cause as Error).message ?? error.cause)})` : ''}\n`,
      );
      return 3;
    }
    report(`internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 1;
  }
}

if (import.meta.main) {
  enableCompileCache(); // as bin/devops-agent.js does: the command modules, loaded lazily, come from the cache
  const io: CliIo = {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    interactive: Boolean(process.stdin.isTTY),
  };
  main(process.argv.slice(2), io).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(redactSecrets(`internal error: ${String(error)}\n`));
      process.exitCode = 1;
    },
  );
}

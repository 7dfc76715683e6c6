import type { ParseArgsConfig } from 'node:util';

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  /** True when stdin is an interactive terminal (approval prompts are possible). */
  interactive: boolean;
}

/** One `devops-agent <name>` command (its summary and help text live in commands/index.ts and <name>-usage.ts). Returns the exit code; throws ConfigError/UsageError for bad input. */
export interface Command {
  name: string;
  run(args: string[], io: CliIo): Promise<number>;
}

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

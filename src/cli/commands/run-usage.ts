// `devops-agent run --help`: kept apart from the command so that help loads nothing the command needs to run.
import { GLOBAL_USAGE } from '../global-usage.ts';

export const USAGE = `Usage: devops-agent [run] [--config <file>] [--mode auto|review|disabled] [--serve-spa] [--listen host:port] ...

Runs the network guard: follows the Traefik access log (or Elasticsearch when configured), detects secrets scanning,
records incidents and blocks or asks for review according to the mode. Stops cleanly on Ctrl-C / SIGTERM.

${GLOBAL_USAGE}`;

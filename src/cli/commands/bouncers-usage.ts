// `devops-agent bouncers --help`: kept apart from the command so that help loads nothing the command needs to run.
export const USAGE = `Usage:
  devops-agent bouncers ls [--format table|json]
  devops-agent bouncers add <name> [--key <key>]     prints the new API key once (only its hash is stored)
  devops-agent bouncers rm <name>

API keys for CrowdSec bouncers (firewall, Traefik plugin, nginx, ...) that pull our blocks from the daemon's
/v1/decisions endpoints. Give the key to the bouncer as its api_key, and the daemon's web address as its api_url.
\`ls\` also shows what each bouncer reports through /v1/usage-metrics: its version, and what it dropped (summed).`;

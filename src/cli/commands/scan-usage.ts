// `devops-agent scan --help`: kept apart from the command so that help loads nothing the command needs to run.
export const USAGE = `Usage: devops-agent scan --log-file <path> [--threads N] [--format table|json] [--config <file>] [--db <path>] [--mode ...]
       devops-agent scan --since 24h | --from <ISO time> [--to <ISO time>]   (Elasticsearch, when configured)

Replays a Traefik access log (JSON or Common Log Format), or backfills a time range from Elasticsearch, through the
same detector, allowlist, mode and blockers as the daemon, then exits. In auto mode it blocks. Progress goes to
stderr on long inputs.

  --threads N   worker threads that read, prefilter and parse a large log file (default: the CPU count; 1 reads on
                the main thread). One detector consumes their batches in file order: the findings do not depend on N.`;

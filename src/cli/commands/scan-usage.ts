// `devops-agent scan --help`: kept apart from the command so that help loads nothing the command needs to run.
export const USAGE = `Usage: devops-agent scan [--log-file] <path|-> [--threads N] [--format table|json] [--config <file>] [--db <path>] [--mode ...]
       devops-agent scan --since 24h | --from <ISO time> [--to <ISO time>]   (Elasticsearch, when configured)

Replays a Traefik access log (JSON or Common Log Format), or backfills a time range from Elasticsearch, through the
same detector, allowlist, mode and blockers as the daemon, then exits. In auto mode it blocks. Progress goes to
stderr on long inputs. A compressed log (logrotate's gzip, or zstd) is read as it is, and \`--log-file -\` reads
standard input (\`xz -dc access.log.2.xz | devops-agent scan --log-file -\`): both are decompressed or copied into a
temporary file first (TMPDIR, removed at the end), so they need its size in free space.

  --threads N   worker threads that read, prefilter and parse a large log file (default: the CPU count; 1 reads on
                the main thread). One detector consumes their batches in file order: the findings do not depend on N.`;

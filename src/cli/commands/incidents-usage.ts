// `devops-agent incidents --help`: kept apart from the command so that help loads nothing the command needs to run.
export const USAGE = `Usage:
  devops-agent incidents ls [--status pending] [--limit 50] [--format table|json]
  devops-agent incidents show <id> [--format table|json]
  devops-agent incidents approve <id> [--by <name>]
  devops-agent incidents reject <id> --reason "<why>" [--by <name>]`;

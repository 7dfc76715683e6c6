// `devops-agent allowlist --help`: kept apart from the command so that help loads nothing the command needs to run.
export const USAGE = `Usage:
  devops-agent allowlist ls [--all] [--format table|json]
  devops-agent allowlist add <ip-or-cidr> [--description "office VPN"] [--expires 30d]
  devops-agent allowlist rm <ip-or-cidr>`;

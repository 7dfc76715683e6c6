// `devops-agent k8s --help`: kept apart from the command so that help loads nothing the command needs to run.
export const USAGE = `Usage:
  devops-agent k8s patterns [--format table|json]   what the cluster uses to block IPs, and what the agent would use
  devops-agent k8s plan <ip-or-cidr> [--format table|json]   the exact change a block would make (server dry run)`;

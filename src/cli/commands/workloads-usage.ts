// `devops-agent workloads --help`: kept apart from the command so that help loads nothing the command needs to run.
export const USAGE = `Usage:
  devops-agent workloads scan [--namespace N] [--format table|json] [--preview]
      pod/deployment health and Trivy vulnerabilities, with the image patch planned for each Deployment,
      StatefulSet, DaemonSet and CronJob (server dry run);
      plans are stored as pending remediations and sent for approval (--preview: only show them)
  devops-agent workloads list [--status pending|applied|...] [--format table|json]
  devops-agent workloads show <id>                 the plan of one remediation, with its diff
  devops-agent workloads approve <id>              approve and apply a pending remediation
  devops-agent workloads reject <id> [--reason R]
  devops-agent workloads rollback <namespace>/<name> [--kind Deployment|StatefulSet|DaemonSet|CronJob] [--container C] [--force]
      put back the image the workload (a Deployment unless --kind) ran before the agent's last patch`;

// `devops-agent unblock --help`: kept apart from the command so that help loads nothing the command needs to run.
export const USAGE = 'Usage: devops-agent unblock <ip-or-cidr> [--reason "<why>"] [--by <name>]';

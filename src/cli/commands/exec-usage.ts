// `devops-agent exec --help`: kept apart from the command so that help loads nothing the command needs to run.
export const USAGE = `Usage: devops-agent exec "<task>" [--command "<cmd>"]... [--dry-run] [--yes-medium] [--yes-high]
                         [--format text|json] [--workdir <dir>] [--timeout <duration>] [--sandbox auto|required|off]

Plans shell commands for a task with the configured LLM (or takes them from --command, repeatable), classifies each
one by parsing it (SAFE/LOW run, MEDIUM/HIGH need approval, CRITICAL never runs), runs the allowed ones in a sandbox
with a time limit, and records everything in the hash-chained audit log.

  --command <cmd>     run this command instead of asking the LLM (repeatable; still classified)
  --dry-run           plan and classify only
  --yes-medium        approve MEDIUM commands without asking (config exec.auto_approve.medium)
  --yes-high          approve HIGH commands without asking (config exec.auto_approve.high)
  --format text|json  json prints one document {"task", "commands":[{"command","level","decision","rule","exitCode",...}]}
  --workdir <dir>     where commands run (default: exec.working_directory or the current directory)
  --timeout <dur>     per-command time limit (default exec.timeout, 30s)
  --sandbox <mode>    auto (bubblewrap when usable) | required | off

Without a terminal, MEDIUM/HIGH commands are recorded as pending approvals bound to the command's sha256; once a
reviewer approves one, running the same command again uses (and consumes) that approval.
Exit codes: 0 all commands succeeded (dry run: none denied), 1 otherwise, 2 usage/config, 3 LLM unavailable.

Approvals from the command line (until the review page does it):
  devops-agent exec --pending                               list pending approvals with their sha256
  devops-agent exec --approve <id> --sha256 <hash> [--approver <name>]
  devops-agent exec --reject <id> --sha256 <hash> [--approver <name>]`;

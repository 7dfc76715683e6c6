// `devops-agent monitor --help`: kept apart from the command so that help loads nothing the command needs to run.
import { GLOBAL_USAGE } from '../global-usage.ts';

export const USAGE = `Usage: devops-agent monitor [--once] [--format text|json] [--no-notify] [--no-llm] [--config <file>] ...

Watches this host: auth.log/syslog (or journald), CPU/GPU temperatures, ping, nmap, required processes and Docker
containers. Rules and baselines find anomalies; the LLM (when configured) weighs borderline cases within fixed
bounds; high severity alerts go to Discord and Home Assistant voice; a daily recap lists everything.

Options:
  --once              run one cycle (nmap included), print what was collected and concluded, and exit
  --format text|json  output of --once (default text)
  --no-notify         collect and conclude, but send nothing (no alerts, no recap)
  --no-llm            rules only, even when an LLM is configured

Exit codes: 0 ok; with --once, 1 when a high severity anomaly was found; 2 bad usage or config.

${GLOBAL_USAGE}`;

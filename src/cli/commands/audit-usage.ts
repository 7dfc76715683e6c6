// `devops-agent audit --help`: kept apart from the command so that help loads nothing the command needs to run.
export const USAGE = `Usage: devops-agent audit verify [--path <audit.jsonl>] [--format text|json]

Checks the hash chain of the audit log (config audit.path unless --path is given): every entry's hash, its link to
the previous entry and its sequence number, and, using the chain head kept in the database, that nothing was cut
from the end. Exits 0 when intact, 1 with the first broken line otherwise.`;

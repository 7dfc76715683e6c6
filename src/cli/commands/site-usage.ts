// `devops-agent site --help`: kept apart from the command so that help loads nothing the command needs to run.
export const USAGE = `Usage: devops-agent site paths [--host <RequestHost>] [--public] [--format table|json]

What the agent learned of each site (kept in SQLite): the sensitive-looking paths a host answered 2xx/3xx, to how
many distinct clients, and whether that made them public content (not sensitive, not an exposure); the fallback
response sizes (the SPA index page served for unknown paths). detection.public_paths and detection.always_sensitive
override it.`;

import type { Command } from '../command.ts';

/** A command as `help` lists it; its module (and what that imports) loads only when the command runs. */
export interface CommandEntry {
  name: string;
  summary: string;
  /** The `--help` text, from a module that imports nothing (help stays instant whatever the command loads). */
  usage(): Promise<string>;
  load(): Promise<Command>;
}

/** Every CLI command; add a command by adding its file and one entry here. */
export const COMMANDS: CommandEntry[] = [
  {
    name: 'run',
    summary: 'run the daemon (the default when no command is given)',
    usage: async () => (await import('./run-usage.ts')).USAGE,
    load: async () => (await import('./run-command.ts')).runCommand,
  },
  {
    name: 'allowlist',
    summary: 'list, add or remove IPs/CIDRs that are never blocked',
    usage: async () => (await import('./allowlist-usage.ts')).USAGE,
    load: async () => (await import('./allowlist-command.ts')).allowlistCommand,
  },
  {
    name: 'incidents',
    summary: 'list, show, approve or reject incidents (review mode)',
    usage: async () => (await import('./incidents-usage.ts')).USAGE,
    load: async () => (await import('./incidents-command.ts')).incidentsCommand,
  },
  {
    name: 'monitor',
    summary: 'watch this host (logs, temperatures, network, processes, Docker) and alert on anomalies',
    usage: async () => (await import('./monitor-usage.ts')).USAGE,
    load: async () => (await import('./monitor-command.ts')).monitorCommand,
  },
  {
    name: 'scan',
    summary: 'replay a Traefik access log once and report (and act on) what it finds',
    usage: async () => (await import('./scan-usage.ts')).USAGE,
    load: async () => (await import('./scan-command.ts')).scanCommand,
  },
  {
    name: 'site',
    summary: 'show the learned site profile: public paths per host, fallback sizes',
    usage: async () => (await import('./site-usage.ts')).USAGE,
    load: async () => (await import('./site-command.ts')).siteCommand,
  },
  {
    name: 'unblock',
    summary: 'remove a block the agent made (entries added by hand are never touched)',
    usage: async () => (await import('./unblock-usage.ts')).USAGE,
    load: async () => (await import('./unblock-command.ts')).unblockCommand,
  },
  {
    name: 'bouncers',
    summary: 'list, add or remove API keys for CrowdSec bouncers that enforce our blocks',
    usage: async () => (await import('./bouncers-usage.ts')).USAGE,
    load: async () => (await import('./bouncers-command.ts')).bouncersCommand,
  },
  {
    name: 'exec',
    summary: 'plan and run shell commands for a task under danger levels, approvals, a sandbox and the audit',
    usage: async () => (await import('./exec-usage.ts')).USAGE,
    load: async () => (await import('./exec-command.ts')).execCommand,
  },
  {
    name: 'audit',
    summary: 'verify the hash-chained audit log (audit verify)',
    usage: async () => (await import('./audit-usage.ts')).USAGE,
    load: async () => (await import('./audit-command.ts')).auditCommand,
  },
  {
    name: 'k8s',
    summary: 'inspect how the cluster blocks IPs with Traefik, and preview a block',
    usage: async () => (await import('./k8s-usage.ts')).USAGE,
    load: async () => (await import('./k8s-command.ts')).k8sCommand,
  },
  {
    name: 'workloads',
    summary: 'Kubernetes workload health and vulnerabilities; approve, apply and roll back image patches',
    usage: async () => (await import('./workloads-usage.ts')).USAGE,
    load: async () => (await import('./workloads-command.ts')).workloadsCommand,
  },
];

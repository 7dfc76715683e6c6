/** What one monitor cycle collected. Every string that came from a log or a tool is untrusted data. */

export const AUTH_EVENT_TYPES = [
  /** `Failed <method>` for any method but none: password, publickey, keyboard-interactive/pam, hostbased... */
  'failed_password',
  'invalid_user',
  'accepted',
  'pam_auth_failure',
  /** The limit line (and its `Too many authentication failures` disconnect): one per connection. */
  'max_auth_attempts',
  'failed_login',
  /** DenyUsers / AllowUsers / DenyGroups / AllowGroups / not in any group, ROOT LOGIN REFUSED. */
  'refused',
  /** `Failed none`: a client asking which methods exist; sshd itself does not count it as a failure. */
  'failed_none',
  /** Connection closed / Disconnected / Received disconnect / reset / login grace timeout. */
  'disconnected',
  /** Unable to negotiate, banner exchange errors, bad or missing identification: a probe, not a login. */
  'negotiation_failed',
] as const;
export type AuthEventType = (typeof AUTH_EVENT_TYPES)[number];

/** Counts as a failed attempt for burst detection (after dedupeAttempts removed the repeats of one attempt). */
export const FAILURE_EVENT_TYPES: ReadonlySet<AuthEventType> = new Set([
  'failed_password',
  'invalid_user',
  'pam_auth_failure',
  'max_auth_attempts',
  'failed_login',
  'refused',
]);

export interface SyslogRecord {
  /** ISO time when the line carried one we could read. */
  time?: string;
  host?: string;
  program: string;
  pid?: number;
  message: string;
  /**
   * How many identical messages this line stands for (1 when absent): rsyslog's RepeatedMsgReduction (on in Ubuntu's
   * default rsyslog.conf) writes a message once, then the N identical ones that followed it as one line
   * `message repeated N times: [ <message>]`, read here as the message with `occurrences: N`.
   */
  occurrences?: number;
  /**
   * The sender is the program, but it ran for an unprivileged caller (a setuid sudo or su under its caller's uid, as
   * journald records it), which any user can imitate in a user namespace: its events never carry an address.
   */
  addressless?: boolean;
}

export interface AuthEvent {
  time?: string;
  host?: string;
  program: string;
  type: AuthEventType;
  user?: string;
  sourceIp?: string;
  port?: number;
  /** `publickey`, `password`, `keyboard-interactive/pam`... for accepted logins. */
  method?: string;
  invalidUser?: boolean;
}

export interface TemperatureReading {
  sensor: string;
  kind: 'cpu' | 'gpu' | 'other';
  celsius: number;
  source: 'sensors' | 'hwmon' | 'thermal' | 'nvidia-smi';
  high?: number;
  critical?: number;
}

export interface PingResult {
  target: string;
  transmitted: number;
  received: number;
  lossPercent: number;
  rttMinMs?: number;
  rttAvgMs?: number;
  rttMaxMs?: number;
  /** ICMP errors ping printed (`From <router> icmp_seq=N Destination Host Unreachable`), by sender and message. */
  icmpErrors?: PingIcmpError[];
  /** Ping could not send (no route on this host) or the name did not resolve: what it said. */
  failure?: { kind: 'no-route' | 'unresolved'; message: string };
}

export interface PingIcmpError {
  /** The address that answered: a router on the way, not the target. */
  from: string;
  message: string;
  count: number;
}

export interface NmapPort {
  protocol: string;
  port: number;
  state: string;
  service?: string;
  product?: string;
  version?: string;
}

export interface NmapHost {
  address: string;
  hostnames: string[];
  status: string;
  ports: NmapPort[];
  /** The hardware address nmap saw (hosts on the scanner's own segment only), upper case. */
  mac?: string;
  /** nmap gave up on this host (`--host-timeout`): its ports were not listed. */
  timedOut?: boolean;
}

export interface NmapScan {
  target: string;
  hosts: NmapHost[];
}

export interface NmapChange {
  target: string;
  host: string;
  change: 'host-appeared' | 'host-disappeared' | 'port-opened' | 'port-closed' | 'mac-changed';
  port?: NmapPort;
  /** For `mac-changed`: the hardware address in the previous scan and now. */
  previousMac?: string;
  mac?: string;
}

export interface ProcessStatus {
  name: string;
  running: boolean;
  pids: number[];
  /** The processes that matched, as the kernel shows them: `exe` is /proc/<pid>/exe (` (deleted)` included). */
  matches?: ProcessMatch[];
}

export interface ProcessMatch {
  pid: number;
  uid?: number;
  exe?: string;
  /** The executed file has no link left (st_nlink 0): removed or replaced since the process started. */
  deleted?: boolean;
}

export interface ContainerStatus {
  id: string;
  name: string;
  image: string;
  state: string;
  running: boolean;
  restarting: boolean;
  /** `healthy`, `unhealthy`, `starting`, or undefined when the image has no health check. */
  health?: string;
  failingStreak?: number;
  restartCount: number;
  oomKilled: boolean;
  exitCode: number;
  /** False for containers the config names that Docker does not know. */
  exists: boolean;
}

export type CollectorStatus = 'ok' | 'skipped' | 'failed';

export interface CollectorReport {
  name: string;
  status: CollectorStatus;
  detail?: string;
  items?: number;
}

export interface Observations {
  at: number;
  collectors: CollectorReport[];
  authEvents: AuthEvent[];
  /** Syslog lines at warning level or worse (errors, OOM killer...), capped. */
  syslogProblems: SyslogRecord[];
  syslogLines: number;
  skippedLines: number;
  temperatures: TemperatureReading[];
  pings: PingResult[];
  nmapScans: NmapScan[];
  nmapChanges: NmapChange[];
  processes: ProcessStatus[];
  containers: ContainerStatus[];
}

export function emptyObservations(at: number): Observations {
  return {
    at,
    collectors: [],
    authEvents: [],
    syslogProblems: [],
    syslogLines: 0,
    skippedLines: 0,
    temperatures: [],
    pings: [],
    nmapScans: [],
    nmapChanges: [],
    processes: [],
    containers: [],
  };
}

/** True when the named collector ran and succeeded this cycle, so absence of its findings means "resolved". */
export function collectorSucceeded(observations: Observations, name: string): boolean {
  return observations.collectors.some((report) => report.name === name && report.status === 'ok');
}

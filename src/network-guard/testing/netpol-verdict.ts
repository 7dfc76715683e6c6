// Test helper: asks the testbed's NetworkPolicy verdict tool (testbed/netpol, cyclonus' matcher) whether traffic is
// allowed under a set of NetworkPolicies, the way a CNI that enforces NetworkPolicy would decide.
import { spawnSync } from 'node:child_process';

/** A traffic end: an address outside the cluster (`ip` only) or a pod (`namespace` and `labels` too). */
export interface TrafficPeer {
  ip: string;
  namespace?: string;
  labels?: Record<string, string>;
}

export interface TrafficCase {
  name: string;
  source: TrafficPeer;
  destination: TrafficPeer;
  port: number;
  portName?: string;
  protocol?: 'TCP' | 'UDP' | 'SCTP';
}

export interface TrafficVerdict {
  name: string;
  allowed: boolean;
  /** `namespace/name` of the policies whose rules allowed / did not allow the traffic, per direction. */
  ingress: { allowedBy: string[]; deniedBy: string[] };
  egress: { allowedBy: string[]; deniedBy: string[] };
}

/** Verdicts per case, in order. `namespaces` gives namespace labels beyond kubernetes.io/metadata.name. */
export function judgeTraffic(
  bin: string,
  input: {
    policies: readonly unknown[];
    cases: readonly TrafficCase[];
    namespaces?: Record<string, Record<string, string>>;
  },
): TrafficVerdict[] {
  const run = spawnSync(bin, [], { input: JSON.stringify({ namespaces: {}, ...input }), encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`netpol-verdict failed (${run.status ?? run.signal}): ${run.stderr}`);
  return (JSON.parse(run.stdout) as { verdicts: TrafficVerdict[] }).verdicts;
}

import type { V1DeploymentCondition, V1ReplicaSetCondition } from '@kubernetes/client-node';
import { message } from './container-failures.ts';
import type { OwnerResolver, WorkloadInventory } from './pod-health.ts';
import type { WorkloadFinding, WorkloadReference } from './workload-finding.ts';

/**
 * Rollout failures the controllers write on Deployments and ReplicaSets: a rollout past its progress deadline, a
 * ReplicaSet that cannot create pods (quota, admission, missing service account) or delete them, and unavailable
 * replicas.
 */
export function detectRolloutProblems(
  inventory: Pick<WorkloadInventory, 'deployments' | 'replicaSets'>,
  owners: OwnerResolver,
): WorkloadFinding[] {
  const findings: WorkloadFinding[] = [];
  const replicaFailures = new Map<string, { workload: WorkloadReference; reasons: Set<string> }>();
  const addReplicaFailure = (workload: WorkloadReference, condition: V1DeploymentCondition | V1ReplicaSetCondition) => {
    const key = `${workload.namespace}/${workload.kind}/${workload.name}`;
    const entry = replicaFailures.get(key) ?? { workload, reasons: new Set<string>() };
    entry.reasons.add(
      `${replicaFailureWhat(condition.reason)}: ${condition.reason || 'ReplicaFailure'}${message(condition.message)}`,
    );
    replicaFailures.set(key, entry);
  };

  for (const deployment of inventory.deployments) {
    const workload: WorkloadReference = {
      namespace: deployment.metadata?.namespace ?? 'default',
      kind: 'Deployment',
      name: deployment.metadata?.name ?? '?',
    };
    const conditions = deployment.status?.conditions ?? [];
    const progressing = conditions.find((condition) => condition.type === 'Progressing');
    if (progressing?.status === 'False' && progressing.reason === 'ProgressDeadlineExceeded') {
      findings.push({
        kind: 'rollout-stuck',
        workload,
        severity: 'HIGH',
        detail: `rollout stuck: ProgressDeadlineExceeded${message(progressing.message)}`,
      });
    }
    const failure = conditions.find((condition) => condition.type === 'ReplicaFailure');
    if (failure && failure.status !== 'False') addReplicaFailure(workload, failure);
    const unavailable = deployment.status?.unavailableReplicas ?? 0;
    if (unavailable > 0) {
      const desired = deployment.spec?.replicas ?? 1;
      const available = deployment.status?.availableReplicas ?? 0;
      findings.push({
        kind: 'unavailable-replicas',
        workload,
        severity: available === 0 ? 'HIGH' : 'MEDIUM',
        detail: `${unavailable} of ${desired} replicas unavailable (${available} available)`,
      });
    }
  }

  // The ReplicaSet carries the condition first (the Deployment copies it later): report it on the owning Deployment.
  for (const replicaSet of inventory.replicaSets) {
    const failure = replicaSet.status?.conditions?.find((condition) => condition.type === 'ReplicaFailure');
    if (!failure || failure.status === 'False') continue;
    const namespace = replicaSet.metadata?.namespace ?? 'default';
    addReplicaFailure(owners.workloadOf(namespace, 'ReplicaSet', replicaSet.metadata?.name ?? '?'), failure);
  }
  for (const { workload, reasons } of replicaFailures.values()) {
    findings.push({
      kind: 'replica-failure',
      workload,
      severity: 'HIGH',
      detail: [...reasons].join('; '),
    });
  }
  return findings;
}

/**
 * What a ReplicaFailure condition says the controller cannot do: the ReplicaSet controller writes `FailedCreate` when
 * it cannot create a pod (quota, admission, a missing service account) and `FailedDelete` when it cannot delete one
 * on scale-down; another reason is named as it stands.
 */
function replicaFailureWhat(reason: string | undefined): string {
  if (reason === 'FailedCreate') return 'cannot create pods';
  if (reason === 'FailedDelete') return 'cannot delete pods';
  return 'replica failure';
}

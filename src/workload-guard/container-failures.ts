import type { V1ContainerStateTerminated, V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import type { Severity, WorkloadFindingKind } from './workload-finding.ts';

/** One reason a container is failing, in words a person can act on. */
export interface ContainerFailure {
  kind: WorkloadFindingKind;
  severity: Severity;
  reason: string;
}

/**
 * Waiting reasons the kubelet reports for a container that cannot run (pkg/kubelet/images and kuberuntime), by the
 * finding kind they belong to. The same set a well-known cluster analyzer treats as failures, plus the image ones it
 * leaves to events (RegistryUnavailable, SignatureValidationFailed) and PostStartHookError.
 */
const WAITING_KINDS: Record<string, WorkloadFindingKind> = {
  CrashLoopBackOff: 'crash-loop',
  ImagePullBackOff: 'image-pull',
  ErrImagePull: 'image-pull',
  InvalidImageName: 'image-pull',
  ErrImageNeverPull: 'image-pull',
  ImageInspectError: 'image-pull',
  RegistryUnavailable: 'image-pull',
  SignatureValidationFailed: 'image-pull',
  CreateContainerConfigError: 'config-error',
  CreateContainerError: 'create-error',
  RunContainerError: 'run-error',
  PreCreateHookError: 'hook-error',
  PreStartHookError: 'hook-error',
  PostStartHookError: 'hook-error',
};

/** Waiting reasons of a container that is on its way: only a pod stuck in them for long is news (the pending check). */
const STARTING_REASONS = new Set(['ContainerCreating', 'PodInitializing']);

export interface ContainerCheckContext {
  pod: V1Pod;
  /** An init container: it must exit 0, and it has no readiness to report. */
  init: boolean;
  restartThreshold: number;
  /** Seconds a running container may stay unready before it is reported. */
  notReadyTimeout: number;
  now: Date;
}

/** Every failure one container status shows; empty for a healthy (or still starting) container. */
export function containerFailures(status: V1ContainerStatus, context: ContainerCheckContext): ContainerFailure[] {
  const failures: ContainerFailure[] = [];
  const waiting = status.state?.waiting;
  const current = status.state?.terminated;
  const last = status.lastState?.terminated;
  if (waiting?.reason && !STARTING_REASONS.has(waiting.reason)) {
    const kind = WAITING_KINDS[waiting.reason] ?? 'container-error';
    const lastRun = kind === 'crash-loop' && last ? ` (last run ${describeExit(last)})` : '';
    failures.push({
      kind,
      severity: kind === 'container-error' ? 'MEDIUM' : 'HIGH',
      reason: `${waiting.reason}${lastRun}${message(waiting.message)}`,
    });
  }
  if (current?.reason === 'OOMKilled' || (!current && last?.reason === 'OOMKilled')) {
    failures.push({ kind: 'oom-killed', severity: 'HIGH', reason: 'OOMKilled (exceeded its memory limit)' });
  } else if (current && (current.exitCode ?? 0) !== 0) {
    failures.push({ kind: 'exited', severity: 'HIGH', reason: describeExit(current) });
  }
  // Restarts are the program's only when its last run ended by itself: a run the runtime lost (the node or
  // containerd restarted under it) says nothing about the program, and a node that reboots daily counts one a day.
  const lostLastRun = lostByRuntime(last) && status.state?.running !== undefined;
  // An init container that has completed did its job: its earlier runs (a wait-for-db that failed until the database
  // came up, re-runs after the pod's sandbox was recreated) are history, not a failing program.
  const initDone = context.init && current !== undefined && (current.exitCode ?? 0) === 0;
  if (failures.length === 0 && !lostLastRun && !initDone && (status.restartCount ?? 0) >= context.restartThreshold) {
    const lastRun = last ? ` (last run ${describeExit(last)})` : '';
    failures.push({ kind: 'restarts', severity: 'MEDIUM', reason: `${status.restartCount} restarts${lastRun}` });
  }
  if (failures.length === 0 && !context.init) {
    const unready = unreadyReason(status, context);
    if (unready) failures.push({ kind: 'not-ready', severity: 'MEDIUM', reason: unready });
  }
  return failures;
}

/**
 * A running container that is not ready: its readiness (or startup) probe fails. Reported only after the timeout,
 * counted from when the pod last became unready, so a container that has just started is not news.
 */
function unreadyReason(status: V1ContainerStatus, context: ContainerCheckContext): string | undefined {
  const running = status.state?.running;
  if (status.ready || context.pod.status?.phase !== 'Running' || status.state?.waiting || status.state?.terminated) {
    return undefined;
  }
  const conditions = context.pod.status?.conditions ?? [];
  const condition =
    conditions.find((entry) => entry.type === 'ContainersReady' && entry.status !== 'True') ??
    conditions.find((entry) => entry.type === 'Ready' && entry.status !== 'True');
  // Neither running nor said unready by the pod: nothing the status shows.
  if (!running && !condition) return undefined;
  const since = toTime(condition?.lastTransitionTime) ?? toTime(running?.startedAt);
  const seconds = since === undefined ? undefined : (context.now.getTime() - since) / 1000;
  // A status without any time cannot show a container that has just started: it is judged as it stands.
  if (seconds !== undefined && seconds < context.notReadyTimeout) return undefined;
  const probe = status.started === false ? 'startup probe not passed' : 'readiness probe failing';
  const why = condition ? `; ${condition.reason ?? condition.type}${message(condition.message)}` : '';
  return `not ready${seconds === undefined ? '' : ` for ${formatAge(seconds)}`} (${probe}${why})`;
}

/**
 * containerd's mark for a container whose task it could not find after it (or its node) restarted: exit code 255
 * with reason `Unknown`. A program exiting 255 by itself is reported with reason `Error`.
 */
export function lostByRuntime(terminated: V1ContainerStateTerminated | undefined): boolean {
  return terminated?.reason === 'Unknown' && terminated.exitCode === 255;
}

/** `exit code 1 (Error): message`; signals are named because 137 and 143 mean killed, not a bug in the program. */
export function describeExit(terminated: V1ContainerStateTerminated): string {
  if (lostByRuntime(terminated)) {
    return `lost by the container runtime (exit code 255, Unknown: its node or containerd restarted)${message(terminated.message)}`;
  }
  // The kubelet writes this state itself, exit code 137 included, for a container the runtime no longer knows of: it
  // says nothing was seen, not that a signal killed the program.
  if (terminated.reason === 'ContainerStatusUnknown') {
    return `not found by the kubelet (ContainerStatusUnknown, its exit code ${terminated.exitCode ?? 137} written by the kubelet)${message(terminated.message)}`;
  }
  const code = terminated.exitCode ?? 0;
  const signal = terminated.signal ?? (code > 128 && code < 160 ? code - 128 : undefined);
  const signalName = signal === 9 ? ', SIGKILL' : signal === 15 ? ', SIGTERM' : signal ? `, signal ${signal}` : '';
  const reason = terminated.reason ? ` ${terminated.reason}` : '';
  return `exited with code ${code}${reason || signalName ? ` (${`${reason}${signalName}`.trim()})` : ''}${message(terminated.message)}`;
}

export function message(text: string | undefined): string {
  if (!text) return '';
  const line = text.replace(/\s+/g, ' ').trim();
  if (!line) return '';
  // Runtime errors put the cause last ("... exec: /app/start.sh: no such file"): keep both ends of a long one.
  return line.length <= 300 ? `: ${line}` : `: ${line.slice(0, 140)} … ${line.slice(-150)}`;
}

export function toTime(value: Date | string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const time = value instanceof Date ? value.getTime() : Date.parse(value);
  return Number.isFinite(time) ? time : undefined;
}

export function formatAge(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)}s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)}m`;
  return `${Math.round(seconds / 3600)}h`;
}

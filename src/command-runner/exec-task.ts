import type { LlmClient } from '../llm/llm-client.ts';
import type { Notifier } from '../notifiers/notifier.ts';
import {
  type ApprovalStore,
  type CommandEffect,
  commandHash,
  consumeApprovedCommand,
  requestCommandApproval,
} from './command-approvals.ts';
import type { CommandClassification, CommandClassifier } from './command-classifier.ts';
import { planCommands } from './command-planner.ts';
import type { ExecConfig } from './command-policy.ts';
import { type RunResult, runCommand, scrubEnvironment } from './command-runner.ts';
import { alertCriticalCommand } from './critical-command-alert.ts';
import type { DangerLevel, Decision } from './danger-level.ts';
import { probeBubblewrap } from './sandbox.ts';

export type CommandStatus =
  | 'succeeded'
  | 'failed'
  | 'timed_out'
  | 'denied'
  | 'rejected'
  | 'pending_approval'
  | 'planned'
  | 'not_run';

export interface CommandOutcome {
  command: string;
  purpose: string;
  level: DangerLevel;
  decision: Decision;
  rule: string;
  reason: string;
  classification: CommandClassification;
  status: CommandStatus;
  /** Who let a MEDIUM/HIGH command run: `--yes-medium`, `config exec.auto_approve.high`, `terminal`, a reviewer. */
  approver?: string;
  approvalId?: number;
  result?: RunResult;
  attempts: number;
  note?: string;
}

export interface SandboxState {
  mode: 'auto' | 'required' | 'off';
  active: boolean;
  description: string;
}

export interface ExecReport {
  task: string;
  llm: string;
  source: 'llm' | 'user';
  auditPath: string;
  sandbox: SandboxState;
  dryRun: boolean;
  commands: CommandOutcome[];
  droppedEnvironment: string[];
  /** Tokens and time the plan cost, when an LLM planned. */
  llmUsage?: { inputTokens: number; outputTokens: number; latencyMs: number };
}

/** Receives progress so the CLI can print each command as it finishes. */
export interface ExecProgress {
  started?(report: ExecReport): void;
  planned?(commands: Array<{ command: string; purpose: string }>): void;
  finished?(outcome: CommandOutcome, index: number, total: number): void;
}

export interface ExecTaskOptions {
  task: string;
  /** Commands the user gave (`--command`); when empty the LLM plans them. */
  commands: string[];
  llm?: LlmClient;
  classifier: CommandClassifier;
  store: ApprovalStore;
  exec: ExecConfig;
  workingDirectory: string;
  env: NodeJS.ProcessEnv;
  dryRun: boolean;
  approveMedium: boolean;
  approveHigh: boolean;
  /** Asks the person at the terminal; undefined when nobody is there (approvals are then recorded for review). */
  prompt?: (classification: CommandClassification, hash: string) => Promise<boolean>;
  /** Who sits at the terminal, recorded as the approver of prompted commands. */
  terminalUser?: string;
  progress?: ExecProgress;
  sleep?: (ms: number) => Promise<void>;
  /** Channels told about every CRITICAL command (config `notifications.channels`). */
  notifiers?: readonly Notifier[];
}

export class PlanUnavailableError extends Error {
  readonly status: string;
  constructor(status: string, message: string) {
    super(message);
    this.name = 'PlanUnavailableError';
    this.status = status;
  }
}

const TRANSIENT_SPAWN = new Set(['EAGAIN', 'EMFILE', 'ENFILE', 'EBUSY', 'ETXTBSY', 'ENOMEM']);
const TRANSIENT_TEXT =
  /temporar(il)?y unavailable|try again|resource busy|text file busy|connection (reset|refused|timed out)|could not resolve|i\/o timeout|too many open files|database is locked/i;

/** Whether running the same command again could succeed (never after our own timeout: that would multiply it). */
export function isTransientFailure(result: RunResult): boolean {
  if (result.timedOut) return false;
  if (result.spawnError) return TRANSIENT_SPAWN.has(result.spawnError.code);
  if (result.exitCode === 0) return false;
  return result.exitCode === 75 || TRANSIENT_TEXT.test(result.stderr);
}

function sandboxState(exec: ExecConfig, env: NodeJS.ProcessEnv): SandboxState & { path?: string } {
  if (exec.sandbox.mode === 'off') return { mode: 'off', active: false, description: 'off (exec.sandbox.mode)' };
  const probe = probeBubblewrap(env);
  if (probe.available)
    return {
      mode: exec.sandbox.mode,
      active: true,
      path: probe.path,
      description: `bubblewrap (read-only root, private /tmp, ${exec.sandbox.network ? 'network allowed' : 'no network'})`,
    };
  return {
    mode: exec.sandbox.mode,
    active: false,
    description:
      exec.sandbox.mode === 'required'
        ? `REQUIRED but unavailable: ${probe.reason}; nothing will run`
        : `unavailable, commands run unsandboxed: ${probe.reason}`,
  };
}

function effectOf(classification: CommandClassification): CommandEffect {
  return {
    programs: classification.programs,
    redirectTargets: classification.redirectTargets,
    outsidePaths: classification.outsidePaths,
  };
}

/** Plan (LLM or user) -> classify -> approve -> run (sandboxed, capped, retried when safe) -> audit, per command. */
export async function execTask(options: ExecTaskOptions): Promise<ExecReport> {
  const { exec, store } = options;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const sandbox = sandboxState(exec, options.env);
  const scrubbed = scrubEnvironment(options.env, exec.env_deny_pattern);
  const report: ExecReport = {
    task: options.task,
    llm: options.commands.length > 0 ? 'none (commands given with --command)' : (options.llm?.description ?? 'none'),
    source: options.commands.length > 0 ? 'user' : 'llm',
    auditPath: store.audit.path,
    sandbox: { mode: sandbox.mode, active: sandbox.active, description: sandbox.description },
    dryRun: options.dryRun,
    commands: [],
    droppedEnvironment: scrubbed.dropped,
  };
  options.progress?.started?.(report);

  let planned: Array<{ command: string; purpose: string }>;
  if (options.commands.length > 0)
    planned = options.commands.map((command) => ({ command, purpose: 'given by the user' }));
  else {
    if (!options.llm) throw new PlanUnavailableError('unavailable', 'no LLM is configured');
    const plan = await planCommands(options.llm, options.task, exec.max_commands);
    if (plan.status !== 'ok') {
      store.audit.append('exec.plan', { task: options.task, source: 'llm', status: plan.status, error: plan.error });
      throw new PlanUnavailableError(
        plan.status,
        `the LLM did not produce a usable plan (${plan.status}): ${plan.error}`,
      );
    }
    planned = plan.commands;
    report.llm = `${options.llm.description} (${plan.model})`;
    report.llmUsage = plan.usage;
  }
  store.audit.append('exec.plan', {
    task: options.task,
    source: report.source,
    llm: report.llm,
    dryRun: options.dryRun,
    sandbox: sandbox.description,
    commands: planned.map((item) => item.command),
  });
  options.progress?.planned?.(planned);

  for (const [index, item] of planned.entries()) {
    const classification = options.classifier.classify(item.command);
    const outcome: CommandOutcome = {
      command: item.command,
      purpose: item.purpose,
      level: classification.level,
      decision: classification.decision,
      rule: classification.rule,
      reason: classification.reason,
      classification,
      status: 'not_run',
      attempts: 0,
    };
    await decideAndRun(outcome, options, sandbox, scrubbed.env, sleep);
    if (classification.level === 'CRITICAL') {
      const alert = await alertCriticalCommand(
        store.db,
        options.notifiers ?? [],
        options.task,
        report.source,
        classification,
      );
      store.audit.append('exec.critical_alert', {
        commandHash: commandHash(item.command),
        rule: classification.rule,
        ...alert,
      });
    }
    report.commands.push(outcome);
    store.audit.append('exec.command', auditRecord(options.task, report.source, outcome, sandbox.active));
    options.progress?.finished?.(outcome, index, planned.length);
  }
  store.audit.append('exec.report', {
    task: options.task,
    commands: report.commands.length,
    succeeded: report.commands.filter((outcome) => outcome.status === 'succeeded').length,
    denied: report.commands.filter((outcome) => outcome.status === 'denied').length,
    pending: report.commands.filter((outcome) => outcome.status === 'pending_approval').length,
  });
  return report;
}

async function decideAndRun(
  outcome: CommandOutcome,
  options: ExecTaskOptions,
  sandbox: SandboxState & { path?: string },
  env: NodeJS.ProcessEnv,
  sleep: (ms: number) => Promise<void>,
): Promise<void> {
  const { classification } = outcome;
  if (classification.decision === 'deny') {
    outcome.status = 'denied';
    return;
  }
  if (options.dryRun) {
    outcome.status = 'planned';
    return;
  }
  if (classification.decision === 'ask') {
    const approved = await approve(outcome, options);
    if (!approved) return;
  }
  if (!sandbox.active && sandbox.mode === 'required') {
    outcome.status = 'not_run';
    outcome.note = 'sandbox required but unavailable';
    return;
  }
  const retriable = classification.level === 'SAFE' || classification.level === 'LOW';
  const maxAttempts = retriable ? options.exec.retry.max_retries + 1 : 1;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    outcome.attempts = attempt;
    outcome.result = await runCommand({
      command: outcome.command,
      argv: classification.argv,
      workingDirectory: options.workingDirectory,
      timeoutMs: options.exec.timeout * 1000,
      maxOutputBytes: options.exec.max_output_bytes,
      env,
      sandbox:
        sandbox.active && sandbox.path
          ? {
              bwrapPath: sandbox.path,
              workingDirectory: options.workingDirectory,
              network: options.exec.sandbox.network,
              writablePaths: options.exec.sandbox.writable_paths,
            }
          : undefined,
    });
    if (!isTransientFailure(outcome.result) || attempt === maxAttempts) break;
    await sleep(options.exec.retry.base_delay * 1000 * 2 ** (attempt - 1));
  }
  const result = outcome.result;
  if (!result) return;
  outcome.status = result.timedOut ? 'timed_out' : result.exitCode === 0 ? 'succeeded' : 'failed';
  if (result.spawnError) outcome.note = `could not start: ${result.spawnError.message}`;
}

/** MEDIUM/HIGH: a recorded review approval for this exact command, a flag or config, the terminal, or a pending request. */
async function approve(outcome: CommandOutcome, options: ExecTaskOptions): Promise<boolean> {
  const { classification } = outcome;
  const reviewed = consumeApprovedCommand(options.store, outcome.command, options.exec.approval_ttl);
  if (reviewed) {
    outcome.approver = reviewed.approver;
    outcome.approvalId = reviewed.id;
    return true;
  }
  if (classification.level === 'MEDIUM' && options.approveMedium) {
    outcome.approver = 'auto-approve (medium)';
    return true;
  }
  if (classification.level === 'HIGH' && options.approveHigh) {
    outcome.approver = 'auto-approve (high)';
    return true;
  }
  if (options.prompt) {
    const yes = await options.prompt(classification, commandHash(outcome.command));
    outcome.approver = options.terminalUser ? `terminal:${options.terminalUser}` : 'terminal';
    if (!yes) outcome.status = 'rejected';
    return yes;
  }
  const pending = requestCommandApproval(options.store, {
    command: outcome.command,
    task: options.task,
    level: classification.level,
    rule: classification.rule,
    reason: classification.reason,
    effect: effectOf(classification),
  });
  outcome.status = 'pending_approval';
  outcome.approvalId = pending.id;
  return false;
}

function auditRecord(
  task: string,
  source: string,
  outcome: CommandOutcome,
  sandboxed: boolean,
): Record<string, unknown> {
  const result = outcome.result;
  return {
    task,
    source,
    command: outcome.command,
    commandHash: commandHash(outcome.command),
    purpose: outcome.purpose,
    programs: outcome.classification.programs.map((program) => [program.program, ...program.args].join(' ')),
    level: outcome.level,
    rule: outcome.rule,
    reason: outcome.reason,
    decision: outcome.decision,
    status: outcome.status,
    approver: outcome.approver ?? null,
    approvalId: outcome.approvalId ?? null,
    exitCode: result?.exitCode ?? null,
    signal: result?.signal ?? null,
    timedOut: result?.timedOut ?? false,
    durationMs: result?.durationMs ?? null,
    attempts: outcome.attempts,
    outputDigest: result?.outputDigest ?? null,
    stdoutBytes: result?.stdoutBytes ?? null,
    stderrBytes: result?.stderrBytes ?? null,
    sandboxed: result ? sandboxed : null,
    note: outcome.note ?? null,
  };
}

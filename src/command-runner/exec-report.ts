import type { CommandClassification } from './command-classifier.ts';
import { DANGER_LEVELS } from './danger-level.ts';
import type { CommandOutcome, ExecProgress, ExecReport } from './exec-task.ts';

const RULE = '='.repeat(60);
const STEP = '='.repeat(50);

const ICONS: Record<CommandOutcome['status'], string> = {
  succeeded: '✅',
  failed: '❌',
  timed_out: '⏱️',
  denied: '⛔',
  rejected: '🚫',
  pending_approval: '⏳',
  planned: '📝',
  not_run: '⏭️',
};

/** Command output is untrusted: control characters (terminal escapes) are shown, not obeyed. */
function visible(text: string): string {
  return text.replace(
    /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g,
    (char) => `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
}

function capped(text: string, limit: number, total: number): string {
  const bytes = Buffer.from(text, 'utf8');
  const shown = visible(bytes.subarray(0, limit).toString('utf8').replace(/\s+$/, ''));
  const hidden = total - Math.min(limit, bytes.length);
  return hidden > 0 ? `${shown}\n[... ${hidden} more bytes]` : shown;
}

function statusLine(outcome: CommandOutcome): string {
  const result = outcome.result;
  switch (outcome.status) {
    case 'succeeded':
      return `✅ Success (exit 0, ${result?.durationMs} ms${outcome.attempts > 1 ? `, ${outcome.attempts} attempts` : ''})`;
    case 'failed':
      return `❌ Failed (${outcome.note ?? `exit ${result?.exitCode ?? result?.signal}`}, ${result?.durationMs} ms${outcome.attempts > 1 ? `, ${outcome.attempts} attempts` : ''})`;
    case 'timed_out':
      return `⏱️  Timed out after ${result?.durationMs} ms (process group killed)`;
    case 'denied':
      return `⛔ Denied: ${outcome.reason}`;
    case 'rejected':
      return '🚫 Rejected at the terminal';
    case 'pending_approval':
      return `⏳ Waiting for approval #${outcome.approvalId} (review page/API), then run again`;
    case 'planned':
      return `📝 Dry run: would ${outcome.decision === 'allow' ? 'run' : 'ask for approval'}`;
    default:
      return `⏭️  Not run${outcome.note ? `: ${outcome.note}` : ''}`;
  }
}

/** Prints the spec's layout as the task goes: header, each command with level, decision and output, then the report. */
export function textProgress(write: (text: string) => void, displayBytes: number): ExecProgress {
  return {
    started(report) {
      write(
        `${RULE}\n🤖 DEVOPS AGENT\n${RULE}\n📋 Task: ${report.task}\n🔧 LLM: ${report.llm}\n📝 Audit Trail: ${report.auditPath}\n` +
          `🔒 Safety: Danger-level approval workflow; sandbox ${report.sandbox.description}\n${report.dryRun ? '🧪 Dry run: nothing is executed\n' : ''}${RULE}\n\n` +
          `🔧 Starting DevOps task: ${report.task}\n\n`,
      );
    },
    planned(commands) {
      write(`📋 Planned ${commands.length} command${commands.length === 1 ? '' : 's'}:\n\n`);
    },
    finished(outcome, index, total) {
      const lines = [
        `[${index + 1}/${total}] ${STEP}`,
        `🔍 Command: ${outcome.command}`,
        `⚠️  Danger Level: ${outcome.level} (rule ${outcome.rule})`,
        `🛂 Decision: ${outcome.decision}${outcome.approver ? `, approved by ${outcome.approver}` : ''}`,
      ];
      if (outcome.result) lines.push('⚙️  Executing...');
      lines.push(statusLine(outcome));
      const result = outcome.result;
      if (result && displayBytes > 0) {
        if (result.stdout.trim()) lines.push(`📄 Output:\n${capped(result.stdout, displayBytes, result.stdoutBytes)}`);
        if (result.stderr.trim()) lines.push(`📄 Errors:\n${capped(result.stderr, displayBytes, result.stderrBytes)}`);
      }
      lines.push(STEP, '');
      write(`${lines.join('\n')}\n`);
    },
  };
}

export function formatTextReport(report: ExecReport): string {
  const executed = report.commands.filter((outcome) => outcome.result);
  const succeeded = report.commands.filter((outcome) => outcome.status === 'succeeded');
  const byLevel = DANGER_LEVELS.map((level) => {
    const all = report.commands.filter((outcome) => outcome.level === level);
    return all.length === 0
      ? ''
      : `${level} ${all.filter((outcome) => outcome.status === 'succeeded').length}/${all.length}`;
  }).filter(Boolean);
  const lines = [
    RULE,
    '🔧 DEVOPS EXECUTION REPORT',
    RULE,
    '',
    `📊 Summary: ${succeeded.length}/${report.commands.length} commands succeeded${report.dryRun ? ' (dry run)' : ''}`,
    `📈 By level (succeeded/planned): ${byLevel.join(', ') || 'none'}`,
    '',
    '📋 Command Results:',
    ...report.commands.map((outcome) => {
      const detail =
        outcome.status === 'succeeded'
          ? ''
          : outcome.status === 'pending_approval'
            ? ` (pending approval #${outcome.approvalId})`
            : ` (${outcome.status.replace('_', ' ')}: ${outcome.rule})`;
      return `  ${ICONS[outcome.status]} [${outcome.level}] ${outcome.command}${detail}`;
    }),
    '',
    RULE,
    '',
    ...(report.llmUsage
      ? [
          `💰 LLM usage: ${report.llmUsage.inputTokens} input + ${report.llmUsage.outputTokens} output tokens, ${report.llmUsage.latencyMs} ms`,
        ]
      : []),
    `📝 Audit Log: ${report.auditPath}`,
    `🔒 Commands Executed: ${executed.length}`,
  ];
  if (report.droppedEnvironment.length > 0)
    lines.push(`🧹 Environment scrubbed: ${report.droppedEnvironment.length} secret-looking variables not passed on`);
  return `\n${lines.join('\n')}\n`;
}

/** The `--format json` document: one object, `commands` in plan order. */
export function jsonReport(report: ExecReport, displayBytes: number): Record<string, unknown> {
  return {
    task: report.task,
    llm: report.llm,
    llmUsage: report.llmUsage ?? null,
    source: report.source,
    dryRun: report.dryRun,
    auditPath: report.auditPath,
    sandbox: report.sandbox,
    commands: report.commands.map((outcome) => ({
      command: outcome.command,
      purpose: outcome.purpose,
      level: outcome.level,
      decision: outcome.decision,
      rule: outcome.rule,
      reason: outcome.reason,
      status: outcome.status,
      approver: outcome.approver ?? null,
      approvalId: outcome.approvalId ?? null,
      exitCode: outcome.result?.exitCode ?? null,
      timedOut: outcome.result?.timedOut ?? false,
      durationMs: outcome.result?.durationMs ?? null,
      attempts: outcome.attempts,
      outputDigest: outcome.result?.outputDigest ?? null,
      stdout: outcome.result ? capped(outcome.result.stdout, displayBytes, outcome.result.stdoutBytes) : null,
      stderr: outcome.result ? capped(outcome.result.stderr, displayBytes, outcome.result.stderrBytes) : null,
      programs: outcome.classification.programs,
    })),
  };
}

/** 0 when every command succeeded (dry run: when none would be denied); 1 otherwise. */
export function execExitCode(report: ExecReport): number {
  if (report.dryRun) return report.commands.some((outcome) => outcome.decision === 'deny') ? 1 : 0;
  return report.commands.every((outcome) => outcome.status === 'succeeded') ? 0 : 1;
}

/** What the terminal prompt shows: the parsed effect, not just the text, so look-alike commands stand out. */
export function approvalQuestion(classification: CommandClassification, hash: string): string {
  const lines = [
    '',
    `🛂 Approval needed: ${classification.level} (rule ${classification.rule}): ${classification.reason}`,
    `   Command: ${classification.command}`,
    `   sha256:  ${hash}`,
    '   Runs:',
    ...classification.programs.map(
      (program) => `     - ${program.program} ${program.args.map((arg) => JSON.stringify(arg)).join(' ')}`,
    ),
  ];
  if (classification.redirectTargets.length > 0)
    lines.push(`   Writes (redirects): ${classification.redirectTargets.join(', ')}`);
  if (classification.outsidePaths.length > 0)
    lines.push(`   Paths outside the working directory: ${classification.outsidePaths.join(', ')}`);
  lines.push('   Run it? [y/N] ');
  return lines.join('\n');
}

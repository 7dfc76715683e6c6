import { existsSync, statSync } from 'node:fs';
import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { approveCommand, listPendingCommandApprovals, rejectCommand } from '../../command-runner/command-approvals.ts';
import { loadCommandClassifier } from '../../command-runner/command-policy.ts';
import {
  approvalQuestion,
  execExitCode,
  formatTextReport,
  jsonReport,
  textProgress,
} from '../../command-runner/exec-report.ts';
import { execTask, PlanUnavailableError } from '../../command-runner/exec-task.ts';
import { parseDuration } from '../../config/duration.ts';
import { IntegrationError, UsageError } from '../../core/errors.ts';
import { createNotifier } from '../../notifiers/create-notifier.ts';
import { openConfiguredStore } from '../../store/store.ts';
import type { CliIo, Command } from '../command.ts';
import { loadCliConfig, parseCommandArgs } from '../global-options.ts';
import { printTable } from '../output.ts';
import { USAGE } from './exec-usage.ts';

const OPTIONS = {
  command: { type: 'string', multiple: true },
  'dry-run': { type: 'boolean' },
  'yes-medium': { type: 'boolean' },
  'yes-high': { type: 'boolean' },
  format: { type: 'string' },
  workdir: { type: 'string' },
  timeout: { type: 'string' },
  sandbox: { type: 'string' },
  pending: { type: 'boolean' },
  approve: { type: 'string' },
  reject: { type: 'string' },
  sha256: { type: 'string' },
  approver: { type: 'string' },
} as const;

function terminalPrompt(io: CliIo, format: string) {
  return async (...question: Parameters<typeof approvalQuestion>): Promise<boolean> => {
    const readline = createInterface({ input: process.stdin, output: format === 'json' ? io.stderr : io.stdout });
    try {
      const answer = await readline.question(approvalQuestion(...question));
      return /^y(es)?$/i.test(answer.trim());
    } catch {
      // Ctrl+D / Ctrl+C at the prompt: the answer is no.
      (format === 'json' ? io.stderr : io.stdout).write('\n');
      return false;
    } finally {
      readline.close();
    }
  };
}

export const execCommand: Command = {
  name: 'exec',
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, OPTIONS, USAGE);
    const format = values.format ?? 'text';
    if (format !== 'text' && format !== 'json') throw new UsageError('--format: expected text or json');
    if (values.pending || values.approve !== undefined || values.reject !== undefined)
      return manageApprovals(values, format, io);
    const commands = values.command ?? [];
    const task = positionals.join(' ').trim() || (commands.length > 0 ? 'run the given commands' : '');
    if (!task) throw new UsageError(`a task or at least one --command is required\n\n${USAGE}`);
    const config = loadCliConfig(values, io);
    const exec = structuredClone(config.exec);
    if (values.timeout !== undefined) {
      const seconds = parseDuration(values.timeout);
      if (seconds === undefined || seconds <= 0) throw new UsageError('--timeout: expected a duration like 30s or 2m');
      exec.timeout = seconds;
    }
    if (values.sandbox !== undefined) {
      if (!['auto', 'required', 'off'].includes(values.sandbox))
        throw new UsageError('--sandbox: expected auto, required or off');
      exec.sandbox.mode = values.sandbox as typeof exec.sandbox.mode;
    }
    const workingDirectory = resolve(values.workdir ?? exec.working_directory ?? process.cwd());
    if (!existsSync(workingDirectory) || !statSync(workingDirectory).isDirectory())
      throw new UsageError(`--workdir: ${workingDirectory} is not a directory`);
    const classifier = await loadCommandClassifier(exec, workingDirectory);
    const store = openConfiguredStore(config);
    try {
      // Given commands need no model: the LLM stack (the heaviest import here) loads only to plan a task.
      const llm =
        commands.length > 0
          ? undefined
          : (await import('../../llm/create-llm-client.ts')).createLlmClient(config, store);
      if (commands.length === 0 && !llm)
        throw new UsageError(
          'exec: no LLM is configured, so nothing can plan commands for the task. Configure llm.url (Ollama or an ' +
            'OpenAI-compatible endpoint) or llm.provider + llm.api_key, pass --llm-url / --llm-provider --llm-api-key, ' +
            'or give the commands yourself: devops-agent exec "<task>" --command "df -h" --command "free -h"',
        );
      const write = (text: string) => io.stdout.write(text);
      const report = await execTask({
        task,
        commands,
        llm,
        classifier,
        store,
        exec,
        workingDirectory,
        env: io.env,
        dryRun: values['dry-run'] ?? false,
        approveMedium: (values['yes-medium'] ?? false) || exec.auto_approve.medium,
        approveHigh: (values['yes-high'] ?? false) || exec.auto_approve.high,
        prompt: io.interactive ? terminalPrompt(io, format) : undefined,
        terminalUser: userInfo().username,
        progress: format === 'text' ? textProgress(write, exec.display_output_bytes) : undefined,
        notifiers: (config.notifications?.channels ?? []).map((channel) => createNotifier(channel)),
      });
      if (format === 'json') io.stdout.write(`${JSON.stringify(jsonReport(report, exec.display_output_bytes))}\n`);
      else io.stdout.write(formatTextReport(report));
      return execExitCode(report);
    } catch (error) {
      if (error instanceof PlanUnavailableError)
        throw new IntegrationError('llm', error.message, { isRetryable: error.status === 'unavailable' });
      throw error;
    } finally {
      store.close();
    }
  },
};

type ExecValues = ReturnType<typeof parseCommandArgs<typeof OPTIONS>>['values'];

/** `--pending`, `--approve <id>`, `--reject <id>`: the same functions the review page calls, bound to the sha256. */
function manageApprovals(values: ExecValues, format: string, io: CliIo): number {
  const config = loadCliConfig(values, io);
  const store = openConfiguredStore(config);
  try {
    if (values.pending) {
      const pending = listPendingCommandApprovals(store);
      if (format === 'json') io.stdout.write(`${JSON.stringify({ pending })}\n`);
      else
        printTable(
          io.stdout,
          ['ID', 'LEVEL', 'RULE', 'REQUESTED', 'SHA256', 'COMMAND'],
          pending.map((approval) => [
            String(approval.id),
            approval.level,
            approval.rule,
            approval.requestedAt,
            approval.commandHash,
            approval.command,
          ]),
        );
      return 0;
    }
    const approving = values.approve !== undefined;
    const id = Number(approving ? values.approve : values.reject);
    if (!Number.isInteger(id) || id <= 0)
      throw new UsageError(`--${approving ? 'approve' : 'reject'}: expected an approval id`);
    if (!values.sha256 || !/^[0-9a-f]{64}$/.test(values.sha256))
      throw new UsageError('--sha256: the sha256 of the exact command is required (shown by --pending)');
    const approver = values.approver ?? `cli:${userInfo().username}`;
    const result = approving
      ? approveCommand(store, id, approver, values.sha256)
      : rejectCommand(store, id, approver, values.sha256);
    if (format === 'json') io.stdout.write(`${JSON.stringify(result)}\n`);
    else if (result.status === 'approved' || result.status === 'rejected')
      io.stdout.write(`approval ${id} ${result.status} by ${approver}: ${result.approval.command}\n`);
    else if ('error' in result) io.stderr.write(`approval ${id}: ${result.error}\n`);
    return result.status === 'approved' || result.status === 'rejected' ? 0 : 1;
  } finally {
    store.close();
  }
}

import type { Command } from '../command.ts';
import { allowlistCommand } from './allowlist-command.ts';
import { auditCommand } from './audit-command.ts';
import { execCommand } from './exec-command.ts';
import { incidentsCommand } from './incidents-command.ts';
import { k8sCommand } from './k8s-command.ts';
import { monitorCommand } from './monitor-command.ts';
import { runCommand } from './run-command.ts';
import { scanCommand } from './scan-command.ts';
import { unblockCommand } from './unblock-command.ts';
import { workloadsCommand } from './workloads-command.ts';

/** Every CLI command; add a command by adding its file and one line here. */
export const COMMANDS: Command[] = [
  runCommand,
  allowlistCommand,
  incidentsCommand,
  monitorCommand,
  scanCommand,
  unblockCommand,
  execCommand,
  auditCommand,
  k8sCommand,
  workloadsCommand,
];

import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from '../../core/errors.ts';
import { type AuditVerification, verifyAuditFile } from '../../store/audit-log.ts';
import { openConfiguredStore } from '../../store/store.ts';
import type { Command } from '../command.ts';
import { loadCliConfig, parseCommandArgs } from '../global-options.ts';
import { USAGE } from './audit-usage.ts';

export const auditCommand: Command = {
  name: 'audit',
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(
      args,
      { path: { type: 'string' }, format: { type: 'string' } },
      USAGE,
    );
    if (positionals[0] !== 'verify' || positionals.length > 1)
      throw new UsageError(`expected the sub-command "verify"\n\n${USAGE}`);
    const format = values.format ?? 'text';
    if (format !== 'text' && format !== 'json') throw new UsageError('--format: expected text or json');
    const config = loadCliConfig(values, io);
    const path = values.path ?? config.audit.path;
    let verification: AuditVerification;
    let headChecked = false;
    if (existsSync(config.database.path)) {
      const store = openConfiguredStore(config, { checkAuditChain: false });
      try {
        const head = store.db
          .prepare('SELECT seq, hash FROM audit_head WHERE path = ? OR path = ?')
          .get(path, resolve(path)) as { seq: number; hash: string } | undefined;
        headChecked = head !== undefined;
        verification = verifyAuditFile(path, head);
      } finally {
        store.close();
      }
    } else verification = verifyAuditFile(path);
    if (format === 'json') io.stdout.write(`${JSON.stringify({ path, ...verification, headChecked })}\n`);
    else if (verification.ok)
      io.stdout.write(
        `audit OK: ${path}: ${verification.entries} entries, hash chain intact${headChecked ? ', tail matches the recorded head' : ' (no recorded head for this file: truncation of the tail cannot be detected)'}\n`,
      );
    else
      io.stdout.write(
        `audit BROKEN: ${path}: ${verification.problem} (${verification.entries} entries verified before it)\n`,
      );
    return verification.ok ? 0 : 1;
  },
};

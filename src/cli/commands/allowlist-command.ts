import { parseDuration } from '../../config/duration.ts';
import { UsageError } from '../../core/errors.ts';
import { openRuntime } from '../../network-guard/agent-runtime.ts';
import type { Command } from '../command.ts';
import { loadCliConfig, parseCommandArgs } from '../global-options.ts';
import { printTable } from '../output.ts';
import { USAGE } from './allowlist-usage.ts';

export const allowlistCommand: Command = {
  name: 'allowlist',
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(
      args,
      {
        description: { type: 'string' },
        expires: { type: 'string' },
        all: { type: 'boolean' },
        format: { type: 'string' },
      },
      USAGE,
      2,
    );
    const [verb, target] = positionals;
    if (!verb || !['ls', 'list', 'add', 'rm', 'remove'].includes(verb))
      throw new UsageError(`expected ls, add or rm\n\n${USAGE}`);
    const runtime = await openRuntime(loadCliConfig(values, io));
    try {
      const allowlist = runtime.store.allowlist;
      if (verb === 'ls' || verb === 'list') {
        const entries = allowlist.list(Boolean(values.all));
        if (values.format === 'json') io.stdout.write(`${JSON.stringify({ allowlist: entries }, null, 2)}\n`);
        else
          printTable(
            io.stdout,
            ['ID', 'IP/CIDR', 'EXPIRES', 'DESCRIPTION'],
            entries.map((e) => [String(e.id), e.ipOrCidr, e.expiresAt ?? 'never', e.description]),
          );
        return 0;
      }
      if (!target) throw new UsageError(`missing <ip-or-cidr>\n\n${USAGE}`);
      if (verb === 'add') {
        let expiresAt: string | null = null;
        if (values.expires) {
          const seconds = parseDuration(values.expires);
          if (seconds === undefined)
            throw new UsageError(
              `--expires: expected a duration like 12h or 30d, got ${JSON.stringify(values.expires)}`,
            );
          expiresAt = new Date(Date.now() + seconds * 1000).toISOString();
        }
        const entry = allowlist.add(target, values.description ?? '', expiresAt);
        if (!entry) throw new UsageError(`not an IP address or CIDR: ${JSON.stringify(target)}`);
        runtime.store.audit.append('allowlist_added', {
          ipOrCidr: entry.ipOrCidr,
          description: entry.description,
          expiresAt,
        });
        io.stdout.write(`allowlisted ${entry.ipOrCidr}${expiresAt ? ` until ${expiresAt}` : ''}\n`);
        return 0;
      }
      if (!allowlist.remove(target)) {
        io.stderr.write(`${target} is not in the allowlist\n`);
        return 1;
      }
      runtime.store.audit.append('allowlist_removed', { ipOrCidr: target });
      io.stdout.write(`removed ${target} from the allowlist\n`);
      return 0;
    } finally {
      runtime.close();
    }
  },
};

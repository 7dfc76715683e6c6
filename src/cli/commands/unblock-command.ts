import { UsageError } from '../../core/errors.ts';
import { parseCidr } from '../../core/ip-address.ts';
import { openRuntime } from '../../network-guard/agent-runtime.ts';
import { unblockTarget } from '../../network-guard/incident-actions.ts';
import type { Command } from '../command.ts';
import { loadCliConfig, parseCommandArgs } from '../global-options.ts';
import { USAGE } from './unblock-usage.ts';

export const unblockCommand: Command = {
  name: 'unblock',
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(
      args,
      { reason: { type: 'string' }, by: { type: 'string' } },
      USAGE,
      1,
    );
    const [target] = positionals;
    if (!target || !parseCidr(target)) throw new UsageError(`expected an IP address or CIDR\n\n${USAGE}`);
    const runtime = await openRuntime(loadCliConfig(values, io));
    try {
      const cidr = parseCidr(target)!;
      const canonical =
        cidr.prefix === (cidr.family === 'ipv4' ? 32 : 128) ? cidr.address : `${cidr.address}/${cidr.prefix}`;
      const outcome = await unblockTarget(
        canonical,
        values.by ?? io.env.USER ?? 'cli',
        values.reason ?? 'manual unblock',
        runtime.blockContext,
      );
      if (outcome.status === 'unblocked') io.stdout.write(`${outcome.detail}\n`);
      else io.stderr.write(`${outcome.error}\n`);
      return outcome.status === 'unblocked' ? 0 : 1;
    } finally {
      runtime.close();
    }
  },
};

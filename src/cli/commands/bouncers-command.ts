import { UsageError } from '../../core/errors.ts';
import type { Command } from '../command.ts';
import { loadCliConfig, parseCommandArgs } from '../global-options.ts';
import { printTable, safeCell } from '../output.ts';
import { USAGE } from './bouncers-usage.ts';

export const bouncersCommand: Command = {
  name: 'bouncers',
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(
      args,
      { key: { type: 'string' }, format: { type: 'string' } },
      USAGE,
      2,
    );
    const [verb, name] = positionals;
    if (!verb || !['ls', 'list', 'add', 'rm', 'remove', 'delete'].includes(verb))
      throw new UsageError(`expected ls, add or rm\n\n${USAGE}`);
    const config = loadCliConfig(values, io);
    // Loaded only when this command runs, so `help` and other commands do not pay for them.
    const { openConfiguredStore } = await import('../../store/store.ts');
    const { BouncerStore } = await import('../../network-guard/bouncer-api/bouncer-store.ts');
    const { droppedSummary } = await import('../../network-guard/bouncer-api/usage-metrics.ts');
    const store = openConfiguredStore(config);
    try {
      const bouncers = new BouncerStore(store.db);
      if (verb === 'ls' || verb === 'list') {
        const rows = bouncers.list().map((bouncer) => ({ ...bouncer, decisionsHeld: bouncers.seenCount(bouncer.id) }));
        if (values.format === 'json') io.stdout.write(`${JSON.stringify({ bouncers: rows }, null, 2)}\n`);
        else
          printTable(
            io.stdout,
            ['NAME', 'CREATED', 'LAST PULL', 'ADDRESS', 'USER AGENT', 'DECISIONS', 'VERSION', 'DROPPED'],
            rows.map((row) => [
              row.name,
              row.createdAt,
              row.lastPullAt ?? 'never',
              safeCell(row.lastAddress ?? '-'),
              safeCell(row.lastUserAgent ?? '-', 40),
              String(row.decisionsHeld),
              safeCell(row.usage?.version ?? '-', 30),
              safeCell(droppedSummary(row.usage), 40),
            ]),
          );
        return 0;
      }
      if (!name) throw new UsageError(`missing <name>\n\n${USAGE}`);
      if (verb === 'add') {
        if (!BouncerStore.isValidName(name))
          throw new UsageError(`bouncer name: letters, digits and . _ @ - (up to 64), got ${JSON.stringify(name)}`);
        if (bouncers.get(name)) {
          io.stderr.write(`a bouncer named ${name} already exists (remove it first to issue a new key)\n`);
          return 1;
        }
        if (values.key !== undefined && values.key.length < 16)
          throw new UsageError('--key: at least 16 characters (or leave it out for a random key)');
        const { key } = bouncers.add(name, values.key);
        store.audit.append('bouncer_added', { name, chosenKey: values.key !== undefined });
        const served = config.web.enabled ? '' : ' once the daemon serves its web API (web.enabled or --serve-spa)';
        io.stdout.write(
          `API key for '${name}' (shown once; keep it, only its hash is stored):\n\n    ${key}\n\n` +
            `Bouncer settings: api_key: <the key>, api_url: http://${config.web.listen}/${served}\n`,
        );
        return 0;
      }
      if (!bouncers.remove(name)) {
        io.stderr.write(`no bouncer named ${name}\n`);
        return 1;
      }
      store.audit.append('bouncer_removed', { name });
      io.stdout.write(`removed bouncer ${name}: its key no longer works\n`);
      return 0;
    } finally {
      store.close();
    }
  },
};

import { UsageError } from '../../core/errors.ts';
import { openRuntime } from '../../network-guard/agent-runtime.ts';
import { ECHO_WIDTH } from '../../network-guard/detection/site-profile.ts';
import { SiteProfileStore } from '../../network-guard/detection/site-profile-store.ts';
import type { Command } from '../command.ts';
import { loadCliConfig, parseCommandArgs } from '../global-options.ts';
import { printTable } from '../output.ts';
import { USAGE } from './site-usage.ts';

export const siteCommand: Command = {
  name: 'site',
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(
      args,
      { host: { type: 'string' }, public: { type: 'boolean' }, format: { type: 'string' } },
      USAGE,
      1,
    );
    if (positionals[0] !== 'paths') throw new UsageError(`expected paths\n\n${USAGE}`);
    const format = values.format ?? 'table';
    if (format !== 'table' && format !== 'json') throw new UsageError('--format: expected table or json');
    const config = loadCliConfig(values, io);
    const runtime = await openRuntime(config);
    try {
      const profile = new SiteProfileStore(runtime.store.db);
      const paths = profile.list(values.host).filter((row) => !values.public || row.public);
      const ofHost = (row: { host: string }) => !values.host || row.host === values.host.toLowerCase();
      const fallback = profile.fallbackSizes().filter(ofHost);
      const echoes = profile.echoFallbacks().filter(ofHost);
      const overrides = {
        public_paths: config.detection.public_paths,
        always_sensitive: config.detection.always_sensitive,
      };
      if (format === 'json') {
        io.stdout.write(
          `${JSON.stringify({ paths, fallbackSizes: fallback, echoFallbacks: echoes, overrides }, null, 2)}\n`,
        );
        return 0;
      }
      printTable(
        io.stdout,
        ['HOST', 'PATH', 'CLIENTS', 'OK REQUESTS', 'PUBLIC', 'LAST SEEN'],
        paths.map((row) => [
          row.host,
          row.path,
          row.public ? `${row.clients}+` : String(row.clients),
          String(row.okRequests),
          row.public ? 'yes' : 'no',
          new Date(row.lastSeen).toISOString(),
        ]),
      );
      if (fallback.length > 0)
        io.stdout.write(`fallback sizes: ${fallback.map((row) => `${row.host} ${row.bytes} bytes`).join(', ')}\n`);
      if (echoes.length > 0)
        io.stdout.write(
          `echo fallbacks (a page that prints the path): ${echoes.map(({ host, repeats, low }) => `${host} ${low}-${low + ECHO_WIDTH - 1} bytes + ${repeats === 1 ? '' : `${repeats} x `}the path's length`).join(', ')}\n`,
        );
      if (overrides.public_paths.length + overrides.always_sensitive.length > 0)
        io.stdout.write(
          `config: public_paths ${JSON.stringify(overrides.public_paths)}, always_sensitive ${JSON.stringify(overrides.always_sensitive)}\n`,
        );
      return 0;
    } finally {
      runtime.close();
    }
  },
};

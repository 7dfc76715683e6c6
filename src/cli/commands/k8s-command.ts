import type { Config } from '../../config/schema.ts';
import { kubernetesSection } from '../../config/sections/kubernetes.ts';
import { UsageError } from '../../core/errors.ts';
import { parseCidr } from '../../core/ip-address.ts';
import type { KubernetesBlocker } from '../../network-guard/blocking/kubernetes/kubernetes-blocker.ts';
import type { PatternChoice } from '../../network-guard/blocking/kubernetes/pattern-ranking.ts';
import type { TraefikInventory } from '../../network-guard/blocking/kubernetes/traefik-inventory.ts';
import type { CliIo, Command } from '../command.ts';
import { loadCliConfig, parseCommandArgs } from '../global-options.ts';
import { printTable, safeCell, safeLines } from '../output.ts';
import { USAGE } from './k8s-usage.ts';

export const k8sCommand: Command = {
  name: 'k8s',
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, { format: { type: 'string' } }, USAGE, 2);
    const format = values.format ?? 'table';
    if (format !== 'table' && format !== 'json') throw new UsageError(`--format: expected table or json\n\n${USAGE}`);
    const [verb, target] = positionals;
    if (verb !== 'patterns' && verb !== 'plan') throw new UsageError(USAGE);
    if (verb === 'plan' && (!target || !parseCidr(target)))
      throw new UsageError(`expected an IP address or CIDR\n\n${USAGE}`);
    // The Kubernetes client is the heaviest import of the program: loaded here, so `k8s --help` stays instant.
    const { KubernetesApiError } = await import('../../kubernetes/kubernetes-api-error.ts');
    const { BlockRefused, KubernetesBlocker } = await import(
      '../../network-guard/blocking/kubernetes/kubernetes-blocker.ts'
    );
    const blocker = blockerFor(KubernetesBlocker, loadCliConfig(values, io));
    try {
      if (verb === 'patterns') {
        const { inventory, choice } = await blocker.inspect();
        if (format === 'json') io.stdout.write(`${JSON.stringify({ inventory, choice }, null, 2)}\n`);
        else printPatterns(io, inventory, choice);
        return choice.chosen ? 0 : 1;
      }
      const plan = await blocker.plan({
        target: target!,
        incidentId: 0,
        reason: 'preview (k8s plan)',
        expiresAt: null,
      });
      if (format === 'json') io.stdout.write(`${JSON.stringify(plan, null, 2)}\n`);
      else {
        io.stdout.write(`object: ${plan.object}\n`);
        io.stdout.write(plan.alreadyBlocked ? 'already blocked: nothing would change\n' : safeLines(plan.diff));
        const warnings = (plan.patch as { warnings?: string[] } | undefined)?.warnings ?? [];
        for (const warning of warnings) io.stderr.write(`warning: ${warning}\n`);
      }
      return 0;
    } catch (error) {
      if (error instanceof KubernetesApiError) {
        io.stderr.write(`error: ${error.message}\n`);
        return 1;
      }
      if (verb === 'plan' && error instanceof BlockRefused) {
        io.stderr.write(`refused: ${error.message}\n`);
        return 1;
      }
      throw error;
    }
  },
};

function blockerFor(Blocker: typeof KubernetesBlocker, config: Config): KubernetesBlocker {
  const settings = config.kubernetes ?? kubernetesSection.parse({})!;
  return new Blocker({
    ...settings,
    max_entries: config.blocking.max_entries,
    protect_private_ranges: config.blocking.protect_private_ranges,
    protected_ranges: config.blocking.protected_ranges,
  });
}

function printPatterns(io: CliIo, inventory: TraefikInventory, choice: PatternChoice): void {
  io.stdout.write(`cluster: ${inventory.context} (${inventory.server})\n\nTraefik resources:\n`);
  const rows: string[][] = [];
  for (const middleware of inventory.middlewares) {
    rows.push([
      'Middleware',
      `${middleware.namespace}/${middleware.name}`,
      middleware.group,
      middleware.denyList
        ? `${middleware.types.join(',')} (${middleware.denyList.pattern}, ${middleware.denyList.entries.length} entries)`
        : middleware.types.join(','),
      middleware.usedBy.join('; ') || '-',
    ]);
  }
  for (const middleware of inventory.middlewaresTcp)
    rows.push(['MiddlewareTCP', `${middleware.namespace}/${middleware.name}`, middleware.group, '', '']);
  for (const route of inventory.routes)
    rows.push([route.kind, `${route.namespace}/${route.name}`, route.group, '', route.middlewares.join(', ') || '-']);
  for (const service of inventory.traefikServices)
    rows.push(['TraefikService', `${service.namespace}/${service.name}`, service.group, '', '']);
  printTable(
    io.stdout,
    ['KIND', 'NAME', 'GROUP', 'TYPE', 'USED BY / USES'],
    rows.map((row) => row.map((cell) => safeCell(cell, 100))),
  );

  io.stdout.write('\nTraefik pods:\n');
  printTable(
    io.stdout,
    ['POD', 'IMAGE', 'CONFIGMAPS', 'SECRETS'],
    inventory.traefikPods.map((pod) => [
      `${pod.namespace}/${pod.name}`,
      pod.image,
      pod.configMaps.map((mount) => mount.name).join(',') || '-',
      pod.secrets.map((mount) => mount.name).join(',') || '-',
    ]),
  );
  io.stdout.write('\nIP lists and NetworkPolicies:\n');
  printTable(
    io.stdout,
    ['OBJECT', 'DETAIL'],
    [
      ...inventory.ipLists.map((list) => [
        `${list.kind} ${list.namespace}/${list.name} key ${list.key}`,
        `${list.format}, ${list.entries.length} entries, mounted by ${list.mountedBy.join(',') || 'no Traefik pod'}`,
      ]),
      ...inventory.networkPolicies.map((policy) => [
        `NetworkPolicy ${policy.namespace}/${policy.name}`,
        `${policy.selectsTraefik ? 'selects Traefik' : 'does not select Traefik'}; ipBlocks ${policy.ipBlocks.map((block) => `${block.cidr} except ${block.except.length}`).join(', ') || 'none'}`,
      ]),
    ],
  );
  io.stdout.write('\nBlocking patterns, best first:\n');
  printTable(
    io.stdout,
    ['#', 'PATTERN', 'OBJECT', 'USABLE', 'WHY'],
    choice.candidates.map((candidate, index) => [
      String(index + 1),
      candidate.pattern,
      candidate.object,
      candidate.eligible ? 'yes' : 'no',
      safeCell(candidate.reason, 160),
    ]),
  );
  io.stdout.write(
    choice.chosen
      ? `\nthe agent would block with: ${choice.chosen.object} (${choice.chosen.pattern})\nbecause: ${safeCell(choice.chosen.reason, 400)}\n`
      : '\nthe agent has no way to block here\n',
  );
  for (const warning of choice.warnings) io.stdout.write(`warning: ${warning}\n`);
  for (const note of inventory.notes) io.stdout.write(`note: ${note}\n`);
  io.stdout.write(`protected (never blocked): ${inventory.protectedRanges.length} addresses/networks of the cluster\n`);
}

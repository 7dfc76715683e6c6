import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { ATTACKER_KINDS, type AttackerKind, writeTraefikLog } from './generate-traefik-log.ts';

const usage = `usage: node src/network-guard/sample-traffic/generate-cli.ts --lines N --out FILE [--format json|clf] [--seed S]
       [--start ISO-DATE] [--attackers all|none|kind,kind] [--rate REQUESTS-PER-SECOND]
Writes a realistic Traefik access log with labelled attackers to FILE and the ground truth to FILE.truth.json.
Attacker kinds: ${ATTACKER_KINDS.join(', ')}`;

function fail(message: string): never {
  process.stderr.write(`${message}\n${usage}\n`);
  process.exit(2);
}

async function main(argv: string[]): Promise<void> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        lines: { type: 'string' },
        out: { type: 'string' },
        format: { type: 'string', default: 'json' },
        seed: { type: 'string', default: '1' },
        start: { type: 'string' },
        attackers: { type: 'string', default: 'all' },
        rate: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (error) {
    fail((error as Error).message);
  }
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  const lines = Number(values.lines);
  if (!values.lines || !Number.isInteger(lines) || lines < 0) fail('--lines: a non-negative integer is required');
  if (typeof values.out !== 'string' || values.out === '') fail('--out: a file path is required');
  const format = values.format;
  if (format !== 'json' && format !== 'clf') fail(`--format: expected json or clf, got ${String(format)}`);
  const seedText = String(values.seed);
  const seed = /^\d+$/.test(seedText) ? Number(seedText) : seedText;
  let attackers: 'all' | 'none' | AttackerKind[] = 'all';
  if (values.attackers === 'none') attackers = 'none';
  else if (values.attackers !== 'all') {
    const kinds = String(values.attackers).split(',');
    const unknown = kinds.filter((kind) => !(ATTACKER_KINDS as readonly string[]).includes(kind));
    if (unknown.length > 0) fail(`--attackers: unknown kind ${unknown.join(', ')}`);
    attackers = kinds as AttackerKind[];
  }
  const start = typeof values.start === 'string' ? Date.parse(values.start) : undefined;
  if (start !== undefined && Number.isNaN(start)) fail(`--start: ${String(values.start)} is not a date`);
  const rate = values.rate === undefined ? undefined : Number(values.rate);
  if (rate !== undefined && !(rate > 0)) fail('--rate: a positive number is required');
  const began = performance.now();
  const truth = await writeTraefikLog(values.out, { lines, seed, format, start, attackers, requestsPerSecond: rate });
  await writeFile(`${values.out}.truth.json`, `${JSON.stringify(truth, null, 2)}\n`);
  const seconds = (performance.now() - began) / 1000;
  process.stdout.write(
    `wrote ${truth.lines} lines (${truth.attackers.length} labelled attackers) to ${values.out} in ${seconds.toFixed(1)} s; ` +
      `ground truth in ${values.out}.truth.json\n`,
  );
}

await main(process.argv.slice(2));

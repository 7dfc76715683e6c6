// Lines real Traefik installations wrote, v1.4 to v3, as their owners committed or pasted them
// (__fixtures__/traefik-users/README.md names each source). expected.json holds, line by line, what the line itself
// says: [client, method, path without query, status, user agent ("" when absent, "-" or REDACTED), router], or the
// reason a line that names no client is skipped.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { LogEvent } from '../../core/log-event.ts';
import { parseTraefikLine } from './parse-traefik-line.ts';
import { replayFile } from './replay-file.ts';
import { addStats, emptyStats } from './source-batch.ts';

type Said = [ip: string, method: string, path: string, status: number, agent: string, router: string | null];

const fixtures = join(import.meta.dirname, '__fixtures__', 'traefik-users');
const expected = JSON.parse(readFileSync(join(fixtures, 'expected.json'), 'utf8')) as Record<string, (Said | string)[]>;

function said(event: LogEvent): Said {
  return [event.clientIp, event.method, event.rawPath, event.status, event.userAgent, event.routerName ?? null];
}

describe('real Traefik access lines from users', () => {
  for (const [name, lines] of Object.entries(expected)) {
    it(`${name}: every line reads as what it says`, () => {
      const text = readFileSync(join(fixtures, name), 'utf8').split('\n');
      if (text.at(-1) === '') text.pop();
      assert.equal(text.length, lines.length, 'one expectation per line');
      const got = text.map((line) => {
        const result = parseTraefikLine(line);
        return result.ok ? said(result.event) : result.reason;
      });
      assert.deepEqual(got, lines);
    });

    it(`${name}: replayed as a file, the same events and the rest counted as skipped`, async () => {
      const stats = emptyStats();
      const events: Said[] = [];
      for await (const batch of replayFile(join(fixtures, name), {})) {
        addStats(stats, batch.stats);
        events.push(...batch.events.map(said));
      }
      const wanted = lines.filter((line): line is Said => typeof line !== 'string');
      assert.deepEqual(events, wanted);
      assert.equal(stats.lines, lines.length);
      assert.equal(stats.skipped, lines.length - wanted.length, JSON.stringify(stats));
    });
  }
});

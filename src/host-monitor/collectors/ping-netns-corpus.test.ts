import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parsePingOutput, readPingRun } from './ping-collector.ts';

/** Real iputils 20221126 outputs through network namespaces (see `__fixtures__/ping/netns/README.md`). */
const directory = join(import.meta.dirname, '../__fixtures__/ping/netns');
const read = (name: string) => ({
  stdout: readFileSync(join(directory, `${name}.stdout`), 'utf8'),
  stderr: readFileSync(join(directory, `${name}.stderr`), 'utf8'),
});
const names = readdirSync(directory)
  .filter((file) => file.endsWith('.stdout'))
  .map((file) => file.slice(0, -'.stdout'.length))
  .sort();

test('the corpus: 15 captures', () => {
  assert.equal(names.length, 15);
});

test('every capture with statistics: loss and replies as ping itself counted them, line by line', () => {
  for (const name of names) {
    const { stdout } = read(name);
    const result = parsePingOutput('target', stdout);
    if (!stdout.includes('packets transmitted')) {
      assert.equal(result, undefined, name);
      continue;
    }
    assert.ok(result, name);
    const replies = stdout.split('\n').filter((line) => / bytes from .* time=/.test(line));
    assert.equal(result.received, replies.length, `${name}: replies printed`);
    // Every reply or error line carries its icmp_seq; with none printed (all lost in silence) there is nothing to count.
    const sequences = [...stdout.matchAll(/icmp_seq=(\d+)/g)].map((match) => Number(match[1]));
    if (sequences.length > 0) assert.ok(result.transmitted >= Math.max(...sequences), `${name}: highest icmp_seq`);
    const { transmitted } = result;
    assert.equal(result.lossPercent, Math.round(((transmitted - replies.length) / transmitted) * 100), name);
    const times = replies.map((line) => Number(/time=([\d.]+)/.exec(line)?.[1]));
    if (times.length === 0) {
      assert.equal(result.rttAvgMs, undefined, name);
      continue;
    }
    // ping prints each reply's time rounded (3 significant digits at 100 ms and over): within that rounding.
    const tolerance = Math.max(...times) >= 100 ? 1 : 0.001;
    assert.ok(Math.abs((result.rttMinMs ?? -1) - Math.min(...times)) <= tolerance, `${name}: min`);
    assert.ok(Math.abs((result.rttMaxMs ?? -1) - Math.max(...times)) <= tolerance, `${name}: max`);
  }
});

test('loss, delay and jitter figures of the captures', () => {
  const figures = (name: string) => {
    const result = parsePingOutput('target', read(name).stdout);
    return [result?.transmitted, result?.received, result?.lossPercent, result?.rttAvgMs];
  };
  assert.deepEqual(figures('v4-loss30'), [20, 14, 30, 0.07]);
  assert.deepEqual(figures('v6-loss30'), [20, 15, 25, 0.085]);
  assert.deepEqual(figures('v4-loss100'), [5, 0, 100, undefined]);
  assert.deepEqual(figures('v4-delay200-jitter50'), [10, 10, 0, 219.109]);
  assert.deepEqual(figures('v4-delay2500-over-W2'), [4, 4, 0, 2508.827]);
});

test("a router answering in the target's place is named as the sender of the error, not as the target", () => {
  const errors = (name: string) => readPingRun('target', read(name).stdout, read(name).stderr)?.icmpErrors;
  assert.deepEqual(errors('v4-host-unreachable'), [
    { from: '10.220.2.2', message: 'Destination Host Unreachable', count: 3 },
  ]);
  assert.deepEqual(errors('v4-net-unreachable'), [
    { from: '10.220.2.2', message: 'Destination Net Unreachable', count: 3 },
  ]);
  assert.deepEqual(errors('v6-host-unreachable'), [
    { from: 'fd20:2::2', message: 'Destination unreachable: Address unreachable', count: 3 },
  ]);
  assert.deepEqual(errors('v6-net-unreachable'), [
    { from: 'fd20:2::2', message: 'Destination unreachable: No route', count: 3 },
  ]);
  for (const name of names.filter((item) => !item.includes('unreachable'))) assert.equal(errors(name), undefined, name);
});

test('no route on this host and a name that does not resolve: told apart, from stderr', () => {
  const run = (name: string, target: string) => readPingRun(target, read(name).stdout, read(name).stderr);
  for (const name of ['v4-no-route', 'v6-no-route']) {
    assert.deepEqual(run(name, '10.220.9.9'), {
      target: '10.220.9.9',
      transmitted: 0,
      received: 0,
      lossPercent: 100,
      failure: { kind: 'no-route', message: 'connect: No route to host' },
    });
  }
  assert.deepEqual(run('dns-nxdomain', 'no-such-host.invalid')?.failure, {
    kind: 'unresolved',
    message: 'Name or service not known',
  });
  // The resolver's message is read only after our own target: another name's line is not this target's.
  assert.equal(run('dns-nxdomain', 'other.invalid'), undefined);
  assert.equal(readPingRun('t', '', 'ping: t: Some other error\n'), undefined);
});

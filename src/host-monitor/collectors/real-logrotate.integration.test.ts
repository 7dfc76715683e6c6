import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  linesOnDisk,
  logrotateMissing,
  type Measurement,
  measure,
  rotate,
  startWriter,
  writerReady,
  writeStanza,
} from '../../core/testing/real-logrotate.ts';
import { type PositionKeeper, readNewLines } from './log-file-reader.ts';

// The real logrotate (Debian's 3.21) with Debian's own rsyslog stanzas (compress + delaycompress, rotate 4 and 6)
// rotates an auth.log while a writer appends about 1,000 sshd lines a second and reopens the path on SIGHUP (what
// rsyslog-rotate sends). The monitor reads it as a cycle does (readNewLines, the default 4 MiB per call), and is
// away (not reading) across 0 to 3 rotations: a stopped daemon, or cycles far apart. Every line logrotate kept on
// disk must be read once, in order.

const fixtures = join(import.meta.dirname, '..', '__fixtures__', 'logrotate');
const STANZAS = ['rsyslog-debian-bookworm.conf', 'rsyslog-debian-trixie.conf'];
const COUNT = 1_000_000;
const MAX_BYTES = 4 * 1024 * 1024;
/** A real Debian auth.log line (src/host-monitor/__fixtures__/auth.log); sshd's pid carries the line's number. */
const TEMPLATE = 'Sep 14 22:00:12 pihole sshd[__N__]: Invalid user admin from 203.0.113.5 port 52122';
const numberOf = (line: string) => Number(/sshd\[(\d+)\]/.exec(line)?.[1] ?? -1);

function memoryPositions(): PositionKeeper {
  const saved = new Map<string, unknown>();
  return {
    get: <T>(key: string) => saved.get(key) as T | undefined,
    set: (key: string, position: unknown) => saved.set(key, structuredClone(position)),
  };
}

async function runAway(stanza: string, away: number): Promise<{ measurement: Measurement; stderr: string[] }> {
  const directory = await mkdtemp(join(tmpdir(), 'logrotate-auth-'));
  try {
    const log = join(directory, 'auth.log');
    await writeFile(log, '');
    const config = await writeStanza(await readFile(join(fixtures, stanza), 'utf8'), directory, log);
    const positions = memoryPositions();
    const numbers: number[] = [];
    const stderr: string[] = [];
    const readOnce = async () => {
      const result = await readNewLines(log, positions, { maxBytes: MAX_BYTES, startAt: 'beginning' });
      numbers.push(...result.lines.map(numberOf));
      return result;
    };
    let reading = true;
    const readWhile = async () => {
      while (reading) {
        await readOnce();
        await sleep(3);
      }
    };
    const writer = startWriter(log, directory, { template: TEMPLATE, count: COUNT, perTick: 2, signal: 'SIGHUP' });
    await writerReady(directory);
    let written = 0;
    try {
      let reader = readWhile();
      await sleep(700);
      stderr.push(await rotate(config, directory)); // while reading
      await sleep(700);
      reading = false;
      await reader;
      for (let rotation = 0; rotation < away; rotation++) {
        await sleep(400);
        stderr.push(await rotate(config, directory)); // while away
      }
      await sleep(400);
      reading = true;
      reader = readWhile();
      await sleep(700);
      stderr.push(await rotate(config, directory)); // while reading again
      await sleep(500);
      written = await writer.stop();
      reading = false;
      await reader;
      // Drain what is left.
      for (let idle = 0, reads = 0; idle < 3 && reads < 1000; reads++) {
        const result = await readOnce();
        idle = result.lines.length === 0 ? idle + 1 : 0;
      }
    } finally {
      reading = false;
      writer.child.kill('SIGTERM');
    }
    const onDisk = new Set((await linesOnDisk(directory, 'auth.log')).map(numberOf));
    return { measurement: measure(written, numbers, onDisk), stderr: stderr.filter((text) => text.length > 0) };
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

for (const stanza of STANZAS) {
  for (const away of [0, 1, 2, 3]) {
    test(`host monitor's auth.log reader under the real logrotate: ${stanza}, away across ${away} rotations`, {
      skip: logrotateMissing,
      timeout: 20_000,
    }, async () => {
      const { measurement, stderr } = await runAway(stanza, away);
      console.log(`${stanza}, away across ${away}: ${JSON.stringify(measurement)}`);
      assert.deepEqual(stderr, []);
      assert.equal(measurement.lostByLogrotate, 0, 'a writer that reopens on SIGHUP loses nothing to logrotate');
      assert.equal(measurement.lostByUs, 0, 'lines on disk that were never read');
      assert.equal(measurement.duplicated, 0, 'lines read twice');
      assert.equal(measurement.outOfOrder, 0, 'lines read out of order');
    });
  }
}
